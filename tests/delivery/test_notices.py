"""Transactional notices (moderation decisions, "your export is ready"): an inbox item and an email
written together, outside the attention budget but under a hard daily ceiling per member."""

from datetime import UTC, datetime

import time_machine
from django.core import mail

from content.delivery.dispatcher import deliveries_dispatch
from content.delivery.models import Delivery
from content.delivery.notices import notice_send
from content.models import InboxItem
from content.services.inbox import inbox_mark_read
from tests.factories import MemberFactory

NIGHT_SHANGHAI = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 23:00 there: quiet hours


def _notice(member, **changes):
    return notice_send(
        recipient=member,
        kind=changes.pop("kind", "privacy.export_ready"),
        url=changes.pop("url", "/privacy/export/"),
        data=changes.pop("data", {}),
        **changes,
    )


def test_a_notice_writes_its_inbox_item_and_its_email_in_one_go(db, django_capture_on_commit_callbacks):
    member = MemberFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        item = _notice(member)

    delivery = Delivery.objects.get(recipient=member)
    assert (delivery.channel, delivery.category, delivery.status) == ("email", "transactional", "pending")
    assert delivery.inbox_item == item
    assert len(callbacks) == 1  # the dispatcher is asked to send it after the commit


def test_a_notice_is_sent_at_night_and_in_digest_mode_without_an_unsubscribe_header(db):
    member = MemberFactory(email_mode="daily")
    with time_machine.travel(NIGHT_SHANGHAI, tick=True):
        _notice(member)
        deliveries_dispatch()

    (message,) = mail.outbox
    assert message.subject == "Your data export is ready"
    assert "Your data export is ready to download for 7 days." in message.body
    assert "List-Unsubscribe" not in message.extra_headers
    assert message.extra_headers["Message-ID"].startswith("<delivery-")


def test_a_notice_is_written_in_the_members_language(db):
    member = MemberFactory(language="zh-hans")
    _notice(member)
    deliveries_dispatch()

    (message,) = mail.outbox
    assert message.subject == "你的数据导出已准备好"


def test_a_kind_the_inbox_does_not_know_shows_its_text(db):
    member = MemberFactory()
    _notice(member, kind="custom.thing", data={"text": "Your meetup room changed to B2."})
    deliveries_dispatch()

    assert "Your meetup room changed to B2." in mail.outbox[0].body


def test_a_notice_read_in_the_inbox_first_is_not_emailed(db):
    member = MemberFactory()
    item = _notice(member)
    inbox_mark_read(member=member, item_id=item.pk)
    deliveries_dispatch()

    assert mail.outbox == []
    assert Delivery.objects.get(recipient=member).reason == "already read in the inbox"


def test_past_the_daily_ceiling_notices_stay_in_the_inbox_only(db, settings):
    settings.DELIVERY_TRANSACTIONAL_CEILING = 2
    member = MemberFactory()
    for _ in range(3):
        _notice(member)
        deliveries_dispatch()

    assert len(mail.outbox) == 2
    stopped = Delivery.objects.filter(recipient=member, status="cancelled").get()
    assert stopped.reason == "transactional daily ceiling"
    assert InboxItem.objects.filter(recipient=member).count() == 3


def test_the_ceiling_is_per_member(db, settings):
    settings.DELIVERY_TRANSACTIONAL_CEILING = 1
    first, second = MemberFactory(), MemberFactory()
    _notice(first)
    _notice(second)
    deliveries_dispatch()

    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, second.email])


def test_an_inactive_member_gets_the_inbox_item_but_no_email(db):
    member = MemberFactory(is_active=False)
    _notice(member)

    assert not Delivery.objects.filter(recipient=member).exists()
    assert InboxItem.objects.filter(recipient=member).exists()


def test_a_notice_can_be_inbox_only(db):
    member = MemberFactory()
    _notice(member, email=False)

    assert not Delivery.objects.filter(recipient=member).exists()


def _attendees(event, count):
    from content.services.events import rsvp_set
    from tests.factories import MembershipFactory

    members = []
    for _ in range(count):
        member = MemberFactory()
        MembershipFactory(space=event.space, member=member)
        rsvp_set(event=event, member=member, going=True)
        members.append(member)
    return members


def test_moving_an_event_tells_everyone_going_or_waiting_by_a_notice(db):
    from datetime import timedelta

    from content.services.events import event_update
    from tests.factories import EventFactory

    event = EventFactory(capacity=2, title="Tea tasting")
    going = _attendees(event, 3)  # the third waits

    event_update(
        event=event,
        by=event.organiser,
        starts_at=event.starts_at + timedelta(hours=2),
        ends_at=event.ends_at + timedelta(hours=2),
    )
    deliveries_dispatch()

    assert sorted(m.to[0] for m in mail.outbox) == sorted(member.email for member in going)
    message = mail.outbox[0]
    assert message.subject == "An event you are going to has changed"
    assert "“Tea tasting” has changed: please check the new time and place." in message.body
    assert "List-Unsubscribe" not in message.extra_headers


def test_changing_only_the_description_tells_nobody(db):
    from content.services.events import event_update
    from tests.factories import EventFactory

    event = EventFactory()
    _attendees(event, 2)
    event_update(event=event, by=event.organiser, description="Bring a cup.")
    event_update(event=event, by=event.organiser, location=event.location)  # the same place

    assert not InboxItem.objects.filter(kind="event.changed").exists()


def test_cancelling_an_event_tells_its_attendees_once(db):
    from content.services.events import event_delete
    from tests.factories import EventFactory

    event = EventFactory(title="Tea tasting")
    (member,) = _attendees(event, 1)
    event_delete(event=event, by=event.organiser)
    event_delete(event=event, by=event.organiser)
    deliveries_dispatch()

    assert [m.subject for m in mail.outbox] == ["An event you are going to was cancelled"]
    assert InboxItem.objects.filter(recipient=member, kind="event.cancelled").count() == 1


def test_telling_fifty_attendees_costs_the_same_queries_as_telling_one(db, django_assert_num_queries):
    from content.delivery.notices import notices_send

    one = [MemberFactory().pk]
    fifty = [MemberFactory().pk for _ in range(50)]
    # the members' ids and states, the inbox items, the deliveries (the kick runs after commit)
    with django_assert_num_queries(3):
        notices_send(recipient_ids=one, kind="event.changed", data={"title": "A"})
    with django_assert_num_queries(3):
        notices_send(recipient_ids=fifty, kind="event.changed", data={"title": "A"})


def test_a_ready_export_is_announced_in_the_inbox_and_by_email(
    db, settings, tmp_path, django_capture_on_commit_callbacks
):
    from privacy.export import export_build, export_request

    settings.EXPORT_ROOT = tmp_path / "exports"
    member = MemberFactory()
    archive = export_request(member=member)
    with django_capture_on_commit_callbacks(execute=True):
        export_build(archive_id=archive.pk)
    deliveries_dispatch()

    item = InboxItem.objects.get(recipient=member, kind="privacy.export_ready")
    assert item.url == f"/privacy/export/{archive.pk}/"
    (message,) = mail.outbox
    assert message.subject == "Your data export is ready"
    assert f"/privacy/export/{archive.pk}/" in message.body


def test_a_banned_member_still_gets_the_statement_of_reasons_and_the_appeal_outcome_by_email(db):
    from django.utils import timezone

    member = MemberFactory(is_active=False, banned_at=timezone.now())
    notice_send(recipient=member, kind="moderation.sanction", data={"text": "You were banned."})
    notice_send(
        recipient=member, kind="moderation.appeal_decided", data={"outcome": "rejected", "reason": "R."}
    )
    notice_send(recipient=member, kind="privacy.export_ready")  # anything else: inbox only
    deliveries_dispatch()

    assert sorted(m.subject for m in mail.outbox) == [
        "A moderator restricted your account",
        "Your appeal has been decided",
    ]


def test_an_inactive_member_who_is_not_banned_gets_no_moderation_email(db):
    member = MemberFactory(is_active=False)
    notice_send(recipient=member, kind="moderation.sanction", data={"text": "x"})
    assert not Delivery.objects.filter(recipient=member).exists()
