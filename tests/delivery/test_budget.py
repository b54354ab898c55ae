"""The member's attention budget: how (instant, daily or weekly digest, off), how many emails a day,
quiet hours in their own timezone, and which types of email they want."""

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from content.delivery.digest import digests_compose
from content.delivery.dispatcher import deliveries_dispatch
from content.delivery.models import Delivery, Outbox
from content.delivery.planner import deliveries_plan
from content.models import InboxItem
from content.services.events import rsvp_set
from members.services import member_update_preferences
from tests.delivery.conftest import TUESDAY_EIGHT_LOCAL, join, plan_post
from tests.factories import EventFactory

NEXT_MONDAY_EIGHT_LOCAL = datetime(2026, 12, 7, 0, 5, tzinfo=UTC)


def _email_row(member):
    return Delivery.objects.get(recipient=member, channel="email", source_kind="post.published")


def test_with_a_cap_of_two_the_third_instant_email_rolls_into_the_digest(space, publish, clock):
    reader = join(space, "all", email_daily_cap=2)
    for number in range(3):
        plan_post(publish(title=f"Post {number}", body=f"Body {number}."))
    deliveries_dispatch()

    assert len(mail.outbox) == 2
    rolled = Delivery.objects.get(recipient=reader, channel="email", status="rolled_over")
    assert rolled.reason == "daily cap"

    clock.move_to(TUESDAY_EIGHT_LOCAL)
    assert digests_compose() == 1
    deliveries_dispatch()
    assert mail.outbox[-1].subject == "Your digest: 1 new item"


def test_the_members_own_cap_wins_over_the_site_setting(space, publish, settings, clock):
    settings.DELIVERY_DAILY_CAP = 1
    join(space, "all", email_daily_cap=3)
    for number in range(3):
        plan_post(publish(title=f"Post {number}", body=f"Body {number}."))
    deliveries_dispatch()
    assert len(mail.outbox) == 3


def test_quiet_hours_are_kept_in_the_members_own_timezone(space, publish, clock):
    shanghai = join(space, "all", timezone="Asia/Shanghai")
    utc = join(space, "all", timezone="UTC")
    # 23:30 in Shanghai (inside 22:00-08:00, across midnight), 15:30 in UTC
    clock.move_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    plan_post(publish())
    deliveries_dispatch()

    assert [m.to for m in mail.outbox] == [[utc.email]]
    assert (_email_row(shanghai).status, _email_row(shanghai).reason) == ("rolled_over", "quiet hours")


def test_the_early_morning_half_of_a_window_across_midnight_is_quiet_too(space, publish, clock):
    shanghai = join(space, "all", timezone="Asia/Shanghai")
    utc = join(space, "all", timezone="UTC")
    # 07:59 in Shanghai, 23:59 in UTC: both inside 22:00-08:00
    clock.move_to(datetime(2026, 11, 29, 23, 59, tzinfo=UTC))
    plan_post(publish())
    deliveries_dispatch()
    assert mail.outbox == []
    assert {_email_row(shanghai).reason, _email_row(utc).reason} == {"quiet hours"}


def test_a_members_own_quiet_hours_replace_the_default_and_equal_times_mean_none(space, publish, clock):
    lunch = join(space, "all", quiet_hours_start=time(9, 30), quiet_hours_end=time(10, 30))
    never_quiet = join(space, "all", quiet_hours_start=time(0, 0), quiet_hours_end=time(0, 0))
    clock.move_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))  # 23:30 in Shanghai
    plan_post(publish(title="Night"))
    deliveries_dispatch()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([lunch.email, never_quiet.email])

    mail.outbox.clear()
    clock.move_to(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
    plan_post(publish(title="Morning", body="Another."))
    deliveries_dispatch()
    assert [m.to for m in mail.outbox] == [[never_quiet.email]]


def test_with_email_off_nothing_is_emailed_but_the_inbox_still_gets_it(space, publish, clock):
    silent = join(space, "all", email_mode="off")
    digest_reader = join(space, "digest", email_mode="off")
    plan_post(publish(title="Quiet news"))
    deliveries_dispatch()
    clock.move_to(TUESDAY_EIGHT_LOCAL)
    digests_compose()
    deliveries_dispatch()

    assert mail.outbox == []
    assert (_email_row(silent).status, _email_row(silent).reason) == ("cancelled", "email is off")
    waiting = Delivery.objects.get(recipient=digest_reader, channel="digest")
    assert waiting.status == "cancelled"
    assert InboxItem.objects.filter(recipient__in=[silent, digest_reader]).count() == 2


def test_in_daily_digest_mode_nothing_goes_out_instantly_and_one_digest_comes(space, publish, clock):
    reader = join(space, "all", email_mode="daily")
    plan_post(publish(title="Garden day"))
    plan_post(publish(title="Book swap", body="Bring a book."))
    assert deliveries_dispatch() == 0
    reasons = set(Delivery.objects.filter(recipient=reader, channel="email").values_list("reason", flat=True))
    assert reasons == {"daily digest"}

    clock.move_to(TUESDAY_EIGHT_LOCAL)
    assert digests_compose() == 1
    assert deliveries_dispatch() == 1
    assert [m.subject for m in mail.outbox] == ["Your digest: 2 new items"]
    assert "Garden day" in mail.outbox[0].body and "Book swap" in mail.outbox[0].body


def test_a_weekly_digest_goes_out_only_on_monday_at_the_digest_hour(space, publish, clock):
    reader = join(space, "all", email_mode="weekly")
    plan_post(publish(title="Weekly news"))
    assert deliveries_dispatch() == 0
    assert (_email_row(reader).status, _email_row(reader).reason) == ("rolled_over", "weekly digest")

    clock.move_to(TUESDAY_EIGHT_LOCAL)
    assert digests_compose() == 0
    clock.move_to(NEXT_MONDAY_EIGHT_LOCAL)
    assert digests_compose() == 1
    deliveries_dispatch()
    assert [m.subject for m in mail.outbox] == ["Your digest: 1 new item"]
    assert "Weekly news" in mail.outbox[0].body


def test_a_switched_off_type_is_cancelled_for_email_not_rolled_over(space, publish, clock):
    no_posts = join(space, "all", email_new_posts=False)
    wants_posts = join(space, "all", email_replies=False)
    plan_post(publish())
    deliveries_dispatch()

    assert [m.to for m in mail.outbox] == [[wants_posts.email]]
    row = _email_row(no_posts)
    assert (row.status, row.reason) == ("cancelled", "this type of email is off")
    assert InboxItem.objects.filter(recipient=no_posts).exists()


def test_a_switched_off_type_is_left_out_of_the_digest(space, publish, clock):
    join(space, "digest", email_new_posts=False)
    plan_post(publish())
    clock.move_to(TUESDAY_EIGHT_LOCAL)
    digests_compose()
    deliveries_dispatch()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "budget",
    [
        {"email_mode": "off"},
        {"email_mode": "daily"},
        {"email_mode": "weekly"},
        {"email_daily_cap": 1, "quiet_hours_start": time(0, 0), "quiet_hours_end": time(23, 59)},
        {"email_event_reminders": False, "email_announcements": False},
    ],
)
def test_transactional_mail_ignores_the_budget(space, django_capture_on_commit_callbacks, budget):
    event = EventFactory(space=space, capacity=1)
    going, waiting = join(space, "mute"), join(space, "mute", **budget)
    with django_capture_on_commit_callbacks(execute=False):
        rsvp_set(event=event, member=going, going=True)
        rsvp_set(event=event, member=waiting, going=True)
        rsvp_set(event=event, member=going, going=False)
    row = Outbox.objects.get(kind="event.promoted")
    with time_machine.travel(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), tick=True):  # 23:30 local
        deliveries_plan(outbox_id=row.pk)
        assert deliveries_dispatch() == 1
    assert mail.outbox[0].to == [waiting.email]


def test_the_service_saves_the_budget_and_leaves_out_what_is_not_given(member):
    member_update_preferences(
        member=member,
        display_name=member.display_name,
        language="en",
        timezone="UTC",
        email_mode="weekly",
        email_daily_cap=20,
        email_mentions=False,
    )
    member.refresh_from_db()
    assert (member.email_mode, member.email_daily_cap, member.email_mentions) == ("weekly", 20, False)
    assert member.email_replies is True
    assert (member.quiet_hours_start, member.quiet_hours_end) == (time(22, 0), time(8, 0))
    with pytest.raises(ValueError):
        member_update_preferences(
            member=member, display_name="Mia", language="en", timezone="UTC", email_daily_cap=21
        )


def _preferences(**extra):
    data = {
        "display_name": "Mia",
        "language": "en",
        "timezone": "UTC",
        "bio": "",
        "email_section": "1",
        "email_mode": "daily",
        "email_daily_cap": "5",
        "quiet_hours_start": "23:00",
        "quiet_hours_end": "07:00",
        "email_replies": "on",
        "email_mentions": "on",
        "reminder_in_quiet_hours": "on",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("cap", ["0", "21", "-1"])
def test_a_cap_outside_1_to_20_is_refused_beside_the_field_with_the_text_kept(member_client, member, cap):
    response = member_client.post(reverse("members:preferences"), _preferences(email_daily_cap=cap))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["email_daily_cap"] == ["Choose a number from 1 to 20."]
    assert list(form.errors) == ["email_daily_cap"]
    page = response.content.decode()
    assert f'name="email_daily_cap" value="{cap}"' in page
    member.refresh_from_db()
    assert member.email_daily_cap == 3


def test_the_email_settings_are_saved_from_the_preferences_page(member_client, member):
    page = member_client.get(reverse("members:preferences")).content.decode()
    assert "<legend>Email</legend>" in page
    assert "At most this many emails a day" in page
    assert 'min="1" max="20"' in page
    assert "initial-email" not in page

    response = member_client.post(reverse("members:preferences"), _preferences())

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.email_mode == "daily"
    assert member.email_daily_cap == 5
    assert (member.quiet_hours_start, member.quiet_hours_end) == (time(23, 0), time(7, 0))
    assert (member.email_replies, member.email_mentions) == (True, True)
    assert (member.email_new_posts, member.email_event_reminders, member.email_announcements) == (
        False,
        False,
        False,
    )
    assert member.reminder_in_quiet_hours is True


def test_a_client_without_the_email_fieldset_leaves_the_email_settings_alone(member_client, member):
    member.email_new_posts = False
    member.email_mode = "weekly"
    member.save()
    response = member_client.post(
        reverse("members:preferences"),
        {"display_name": "Mia", "language": "en", "timezone": "UTC", "bio": ""},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.email_mode, member.email_new_posts, member.email_replies) == ("weekly", False, True)
