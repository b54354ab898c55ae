"""The digest composer works in batches of members: per batch one transaction and three statements
(create the day's digests, lock those still waiting, attach every waiting item to its own member's
digest), whatever the batch's size."""

from datetime import UTC, datetime

from django.core import mail

from content.delivery.digest import digests_compose
from content.delivery.dispatcher import deliveries_dispatch
from content.delivery.models import Delivery
from tests.delivery.conftest import MONDAY_TEN_LOCAL, TUESDAY_EIGHT_LOCAL, join, plan_post
from tests.factories import SpaceFactory

# 08:05 on Monday 30 November in Honolulu (UTC-10) and on Tuesday 1 December in Kiritimati (UTC+14)
EIGHT_ON_BOTH_SIDES_OF_THE_DATE_LINE = datetime(2026, 11, 30, 18, 5, tzinfo=UTC)


def _digest_of(member):
    return Delivery.objects.get(recipient=member, source_kind="digest")


def _compose_queries(publish, clock, readers: int, django_assert_num_queries) -> None:
    space = SpaceFactory()
    members = [join(space, "digest") for _ in range(readers)]
    plan_post(publish(space=space, title=f"For {readers}", body=f"Waits for {readers} digests."))
    clock.move_to(TUESDAY_EIGHT_LOCAL)
    # email-off items cancelled; the distinct time zones; the members at their digest hour with
    # something waiting; one batch: savepoint, create the digests, lock them, attach the items, release
    with django_assert_num_queries(8):
        assert digests_compose() == readers
    for member in members:
        assert Delivery.objects.get(recipient=member, channel="digest").digest == _digest_of(member)
    clock.move_to(MONDAY_TEN_LOCAL)


def test_composing_one_or_fifty_digests_costs_the_same_queries(db, publish, clock, django_assert_num_queries):
    _compose_queries(publish, clock, 1, django_assert_num_queries)
    Delivery.objects.filter(source_kind="digest").update(status="sent")  # the first reader is done today
    _compose_queries(publish, clock, 50, django_assert_num_queries)


def test_every_batch_costs_the_same_and_each_member_gets_only_their_own_items(
    space, publish, clock, django_assert_num_queries
):
    readers = [join(space, "digest") for _ in range(5)]
    plan_post(publish(title="Shared"))
    other = SpaceFactory()
    alone = join(other, "digest")
    readers.append(alone)
    plan_post(publish(space=other, title="Only for one", body="Its own body."))
    clock.move_to(TUESDAY_EIGHT_LOCAL)

    # three statements before the batches, then savepoint, three statements, release for each of three
    with django_assert_num_queries(3 + 3 * 5):
        assert digests_compose(batch_size=2) == 6

    for reader in readers:
        items = Delivery.objects.filter(digest=_digest_of(reader))
        assert {item.recipient_id for item in items} == {reader.pk}
        assert items.count() == 1
    assert deliveries_dispatch() == 6
    assert sorted(len(message.to) for message in mail.outbox) == [1] * 6
    assert [m.subject for m in mail.outbox if m.to == [alone.email]] == ["Your digest: 1 new item"]


def test_one_batch_composes_each_member_on_their_own_local_day(space, publish, clock):
    honolulu = join(space, "digest", timezone="Pacific/Honolulu", email_mode="weekly")
    kiritimati = join(space, "digest", timezone="Pacific/Kiritimati")
    kiritimati_weekly = join(space, "digest", timezone="Pacific/Kiritimati", email_mode="weekly")
    shanghai = join(space, "digest")
    plan_post(publish())
    clock.move_to(EIGHT_ON_BOTH_SIDES_OF_THE_DATE_LINE)

    assert digests_compose() == 2

    assert _digest_of(honolulu).source_id == 20261130  # a Monday there: the weekly digest goes
    assert _digest_of(kiritimati).source_id == 20261201
    for waiting in (kiritimati_weekly, shanghai):  # Tuesday; 02:05 in Shanghai
        assert not Delivery.objects.filter(recipient=waiting, source_kind="digest").exists()
        assert Delivery.objects.get(recipient=waiting, channel="digest").digest is None


def test_a_digest_already_claimed_for_sending_is_left_alone_in_its_batch(space, publish, clock):
    early, late = join(space, "digest"), join(space, "digest")
    plan_post(publish(title="First"))
    clock.move_to(TUESDAY_EIGHT_LOCAL)
    assert digests_compose() == 2
    Delivery.objects.filter(recipient=early, source_kind="digest").update(status="sending")
    Delivery.objects.filter(recipient=late, source_kind="digest").update(status="sent")
    plan_post(publish(title="Second", body="After the digests."))

    assert digests_compose() == 0

    for member in (early, late):
        second = Delivery.objects.get(
            recipient=member, channel="digest", source_id__gt=0, digest__isnull=True
        )
        assert second.status == "pending"  # waits for tomorrow's digest
        assert Delivery.objects.filter(digest=_digest_of(member)).count() == 1
