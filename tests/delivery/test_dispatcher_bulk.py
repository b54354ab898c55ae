"""The rows a dispatch round refuses (cancelled at send time, or rolled over into the digest by the
member's digest choice, quiet hours or daily cap) are written together: one statement per round,
however many there are and whatever their reasons."""

from datetime import time

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from content.delivery.dispatcher import _refusals_write, deliveries_claim, deliveries_dispatch
from content.delivery.models import Delivery
from tests.delivery.conftest import join, plan_post
from tests.factories import MemberFactory, MembershipFactory, SpaceFactory


@pytest.fixture(autouse=True)
def daytime(clock):
    """Every test here at 10:00 in Shanghai (the factories' timezone), outside quiet hours."""
    return clock


def _row(member):
    return Delivery.objects.get(recipient=member, channel="email", source_kind="post.published")


def _one_sent_today(member):
    """An email already sent to the member today, so a cap of one is reached."""
    now = timezone.now()
    Delivery.objects.create(
        source_kind="comment.created",
        source_id=10**9,
        recipient=member,
        channel="email",
        category="replies",
        status="sent",
        sent_at=now,
        due_at=now,
    )


def _every_refusal(space):
    """One member for each way a round refuses an email, and one who gets it."""
    unverified = MemberFactory(verified=False)
    MembershipFactory(space=space, member=unverified, notification_level="all")
    capped = join(space, "all", email_daily_cap=1)
    _one_sent_today(capped)
    return {
        "daily": join(space, "all", email_mode="daily"),
        "weekly": join(space, "all", email_mode="weekly"),
        "quiet": join(space, "all", quiet_hours_start=time(0, 0), quiet_hours_end=time(23, 59)),
        "capped": capped,
        "no_posts": join(space, "all", email_new_posts=False),
        "unverified": unverified,
        "reader": join(space, "all"),
    }


def test_every_refused_row_of_a_round_gets_its_own_outcome_and_reason(space, publish):
    members = _every_refusal(space)
    plan_post(publish(title="One round"))

    assert deliveries_dispatch() == 1

    assert [message.to for message in mail.outbox] == [[members["reader"].email]]
    outcomes = {name: (_row(member).status, _row(member).reason) for name, member in members.items()}
    assert outcomes == {
        "daily": ("rolled_over", "daily digest"),
        "weekly": ("rolled_over", "weekly digest"),
        "quiet": ("rolled_over", "quiet hours"),
        "capped": ("rolled_over", "daily cap"),
        "no_posts": ("cancelled", "this type of email is off"),
        "unverified": ("cancelled", "email address not verified"),
        "reader": ("sent", ""),
    }
    assert not Delivery.objects.filter(status="sending").exists()
    assert not Delivery.objects.exclude(lease_until=None).exists()


def _refusing_round_queries(publish, recipients: int, django_assert_num_queries) -> None:
    space = SpaceFactory()
    for _ in range(recipients):
        join(space, "all", email_mode="daily")
    plan_post(publish(space=space, title=f"For {recipients}", body=f"Rolled over for {recipients}."))
    # the claim: savepoint, advisory lock, due rows, mark them sending, release; the round: the claimed
    # rows with recipient and inbox item, verified addresses, one-click stops, recent sends; every
    # refusal in one UPDATE; the next claim finds nothing: savepoint, advisory lock, due rows, release
    with django_assert_num_queries(14):
        assert deliveries_dispatch() == 0
    assert (
        Delivery.objects.filter(
            recipient__in=space.memberships.values("member_id"), status="rolled_over"
        ).count()
        == recipients
    )


def test_rolling_over_one_or_fifty_rows_costs_the_same_queries(db, publish, django_assert_num_queries):
    _refusing_round_queries(publish, 1, django_assert_num_queries)
    _refusing_round_queries(publish, 50, django_assert_num_queries)


def test_a_round_refusing_for_six_reasons_costs_no_more_than_one_refusal(
    space, publish, django_assert_num_queries
):
    members = _every_refusal(space)
    mail_reader = members.pop("reader")
    mail_reader.email_mode = "daily"
    mail_reader.save(update_fields=["email_mode"])
    plan_post(publish(title="Six reasons"))

    with django_assert_num_queries(14):  # as above: six reasons, one UPDATE
        assert deliveries_dispatch() == 0
    assert Delivery.objects.filter(channel="email", status__in=["rolled_over", "cancelled"]).count() == 7


def test_a_refused_row_no_longer_held_by_the_round_is_left_alone(space, publish):
    reader = join(space, "all", email_mode="daily")
    plan_post(publish())
    claimed = deliveries_claim()
    # meanwhile the lease ran out and another worker sent it
    Delivery.objects.filter(pk__in=claimed).update(status="sent", lease_until=None)

    assert _refusals_write([(claimed[0], "rolled_over", "daily digest")]) == 0
    assert (_row(reader).status, _row(reader).reason) == ("sent", "")


def test_without_postgresql_refusals_are_written_one_statement_per_reason(
    space, publish, monkeypatch, django_assert_num_queries
):
    daily = [join(space, "all", email_mode="daily") for _ in range(3)]
    quiet = join(space, "all", quiet_hours_start=time(0, 0), quiet_hours_end=time(23, 59))
    plan_post(publish())
    claimed = deliveries_claim()
    reason_of = {_row(member).pk: "daily digest" for member in daily} | {_row(quiet).pk: "quiet hours"}
    monkeypatch.setattr(connection, "vendor", "sqlite")  # the ORM path of the embedded `make run`

    with django_assert_num_queries(2):
        written = _refusals_write([(pk, "rolled_over", reason_of[pk]) for pk in claimed])

    assert written == 4
    assert {_row(member).reason for member in daily} == {"daily digest"}
    assert (_row(quiet).status, _row(quiet).reason) == ("rolled_over", "quiet hours")
