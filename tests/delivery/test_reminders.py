"""Event reminders: 24 hours and 1 hour before, to the members going, inside their attention budget."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from content.delivery.digest import digests_compose
from content.delivery.dispatcher import deliveries_dispatch
from content.delivery.models import Delivery, Outbox
from content.delivery.planner import deliveries_plan
from content.delivery.reminders import REMINDER_1H, REMINDER_24H, reminders_due, reminders_schedule
from content.models import InboxItem
from content.services.events import rsvp_set
from content.tasks import schedule_event_reminders
from tests.delivery.conftest import join
from tests.factories import EventFactory

# Shanghai (the factories' timezone) is UTC+8: 04:00 UTC is noon there, outside quiet hours (22-8)
NOON_SHANGHAI = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
# 15:00 UTC is 23:00 in Shanghai: inside quiet hours
NIGHT_SHANGHAI = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOON_SHANGHAI, tick=True) as traveller:
        yield traveller


def _event(space, *, starts_in: timedelta, **fields):
    from django.utils import timezone

    return EventFactory(space=space, starts_at=timezone.now() + starts_in, title="Tea tasting", **fields)


def _going(space, event, count=1, **member_fields):
    members = [join(space, "all", **member_fields) for _ in range(count)]
    for member in members:
        rsvp_set(event=event, member=member, going=True)
    return members


def _plan_reminders():
    reminders_schedule()
    for row in Outbox.objects.filter(kind__in=[REMINDER_24H, REMINDER_1H], planned_at__isnull=True):
        deliveries_plan(outbox_id=row.pk)


def test_an_event_within_the_hour_gets_the_one_hour_reminder_and_one_within_a_day_the_other(space, clock):
    from django.utils import timezone

    soon = _event(space, starts_in=timedelta(minutes=40))
    tomorrow = _event(space, starts_in=timedelta(hours=20))
    _event(space, starts_in=timedelta(days=3))
    _event(space, starts_in=timedelta(minutes=30), deleted_at=timezone.now())
    _event(space, starts_in=timedelta(minutes=-10))

    assert sorted(reminders_due(now=timezone.now())) == sorted(
        [(REMINDER_1H, soon.pk), (REMINDER_24H, tomorrow.pk)]
    )


def test_scheduling_twice_writes_each_reminder_once(space, clock, kicks):
    event = _event(space, starts_in=timedelta(hours=5))

    assert reminders_schedule() == 1
    assert reminders_schedule() == 0
    assert schedule_event_reminders.apply().get() == 0
    assert Outbox.objects.filter(kind=REMINDER_24H, object_id=event.pk).count() == 1
    assert len(kicks) == 1


def test_only_members_going_get_a_reminder_in_the_inbox_and_by_email(space, clock):
    event = _event(space, starts_in=timedelta(hours=5), capacity=2)
    going = _going(space, event, count=2)
    waiting = _going(space, event)[0]
    not_going = join(space, "all")

    _plan_reminders()
    deliveries_dispatch()

    assert {m.to[0] for m in mail.outbox} == {member.email for member in going}
    assert not InboxItem.objects.filter(recipient__in=[waiting, not_going], kind=REMINDER_24H).exists()
    assert InboxItem.objects.filter(recipient__in=going, kind=REMINDER_24H).count() == 2
    message = mail.outbox[0]
    assert message.subject == "Tomorrow: “Tea tasting”"
    assert "Shanghai, Xuhui" in message.body
    # a reminder is not transactional: the member can stop it with one click (L14)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_reminder_is_in_the_members_language_and_timezone(space, clock):
    event = _event(space, starts_in=timedelta(minutes=50))
    (member,) = _going(space, event, language="zh-hans", timezone="Asia/Tokyo")

    _plan_reminders()
    deliveries_dispatch()

    (message,) = mail.outbox
    assert message.subject == "一小时后开始：“Tea tasting”"
    local = event.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert f"{local:%H:%M}" in message.body
    assert "Asia/Tokyo" in message.body
    assert member.email in message.to


def test_the_one_hour_reminder_waits_out_quiet_hours_unless_the_member_allowed_it(space):
    with time_machine.travel(NIGHT_SHANGHAI, tick=True):
        event = _event(space, starts_in=timedelta(minutes=45))
        (sleeper,) = _going(space, event)
        (allowed,) = _going(space, event, reminder_in_quiet_hours=True)

        _plan_reminders()
        deliveries_dispatch()

    assert [m.to[0] for m in mail.outbox] == [allowed.email]
    held = Delivery.objects.get(recipient=sleeper, channel="email", source_kind=REMINDER_1H)
    assert (held.status, held.reason) == ("rolled_over", "quiet hours")


def test_the_24_hour_reminder_respects_quiet_hours_even_when_the_member_allowed_the_one_hour_one(space):
    with time_machine.travel(NIGHT_SHANGHAI, tick=True):
        event = _event(space, starts_in=timedelta(hours=20))
        (member,) = _going(space, event, reminder_in_quiet_hours=True)

        _plan_reminders()
        deliveries_dispatch()

    assert mail.outbox == []
    assert Delivery.objects.get(recipient=member, channel="email").status == "rolled_over"


def test_a_reminder_counts_against_the_daily_cap(space, clock, publish):
    event = _event(space, starts_in=timedelta(hours=6))
    (member,) = _going(space, event, email_daily_cap=1)
    deliveries_plan(outbox_id=Outbox.objects.get(object_id=publish().pk, kind="post.published").pk)
    deliveries_dispatch()
    assert len(mail.outbox) == 1  # the post used today's one email

    _plan_reminders()
    deliveries_dispatch()

    assert len(mail.outbox) == 1
    reminder = Delivery.objects.get(recipient=member, channel="email", source_kind=REMINDER_24H)
    assert (reminder.status, reminder.reason) == ("rolled_over", "daily cap")


def test_a_member_who_switched_reminders_off_gets_none_by_email_but_keeps_the_inbox_item(space, clock):
    event = _event(space, starts_in=timedelta(hours=3))
    (member,) = _going(space, event, email_event_reminders=False)

    _plan_reminders()
    deliveries_dispatch()

    assert mail.outbox == []
    assert Delivery.objects.get(recipient=member, channel="email").reason == "this type of email is off"
    assert InboxItem.objects.filter(recipient=member, kind=REMINDER_24H).exists()


def test_a_reminder_for_an_event_deleted_in_the_meantime_is_cancelled(space, clock):
    from django.utils import timezone

    event = _event(space, starts_in=timedelta(hours=3))
    (member,) = _going(space, event)
    _plan_reminders()
    event.deleted_at = timezone.now()
    event.save(update_fields=["deleted_at"])

    deliveries_dispatch()

    assert mail.outbox == []
    assert Delivery.objects.get(recipient=member, channel="email").reason == "content no longer visible"


def test_a_reminder_rolled_into_the_digest_is_left_out_once_the_event_has_started(space, publish):
    with time_machine.travel(NIGHT_SHANGHAI, tick=True) as clock:
        event = _event(space, starts_in=timedelta(minutes=30))
        (member,) = _going(space, event)
        deliveries_plan(outbox_id=Outbox.objects.get(object_id=publish().pk, kind="post.published").pk)
        _plan_reminders()
        deliveries_dispatch()  # quiet hours: both wait for the digest
        assert mail.outbox == []

        clock.move_to(datetime(2026, 12, 1, 0, 5, tzinfo=UTC))  # 08:05 in Shanghai
        assert digests_compose() == 1
        deliveries_dispatch()

    (digest,) = mail.outbox
    assert digest.subject == "Your digest: 1 new item"
    assert "Tea tasting" not in digest.body
    assert Delivery.objects.get(recipient=member, source_kind=REMINDER_1H, channel="email").digest_id


def test_a_reminder_rolled_into_the_digest_is_included_while_the_event_is_still_ahead(space):
    with time_machine.travel(NIGHT_SHANGHAI, tick=True) as clock:
        event = _event(space, starts_in=timedelta(hours=12))  # 11:00 tomorrow in Shanghai
        _going(space, event)
        _plan_reminders()
        deliveries_dispatch()

        clock.move_to(datetime(2026, 12, 1, 0, 5, tzinfo=UTC))
        digests_compose()
        deliveries_dispatch()

    (digest,) = mail.outbox
    assert "“Tea tasting” starts within a day." in digest.body
