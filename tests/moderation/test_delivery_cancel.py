"""LEGAL L20: content a moderator removes or hides is stopped everywhere at once, queued emails and digest
entries included; only a row a dispatcher is already sending is left to its own check at send time."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from content.delivery.cancel import deliveries_cancel_for
from content.delivery.digest import digest_compose, digests_compose
from content.delivery.dispatcher import deliveries_dispatch
from content.delivery.models import Delivery, DeliveryStatus, Outbox
from content.delivery.planner import deliveries_plan
from content.services.comments import comment_create
from content.services.posts import post_publish
from moderation.models import ReviewItem
from moderation.services import report_file, review_item_decide
from tests.factories import MemberFactory, MembershipFactory, SpaceFactory

pytestmark = pytest.mark.django_db

NOON_SHANGHAI = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # 12:00 there: no quiet hours
EIGHT_NEXT_MORNING = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)  # 08:05 there: digest hour
TITLE = "Buy forged certificates here"


@pytest.fixture(autouse=True)
def _no_kicks(monkeypatch):
    monkeypatch.setattr("content.delivery.outbox.task_kick", lambda task, *args: True)


@pytest.fixture
def clock():
    with time_machine.travel(NOON_SHANGHAI, tick=True) as traveller:
        yield traveller


@pytest.fixture
def space(db):
    return SpaceFactory()


def _join(space, level):
    member = MemberFactory()
    MembershipFactory(space=space, member=member, notification_level=level)
    return member


def _plan(kind, object_id):
    deliveries_plan(outbox_id=Outbox.objects.get(kind=kind, object_id=object_id).pk)


@pytest.fixture
def scene(space, clock):
    """A post planned for an instant reader (email waiting) and a digest reader (digest entry waiting),
    and a reply to it planned for the post's author."""
    author = _join(space, "all")
    instant, digest_reader = _join(space, "all"), _join(space, "digest")
    post = post_publish(author=author, space=space, title=TITLE, body="Cheap, fast, no questions.")
    _plan("post.published", post.pk)
    comment = comment_create(author=instant, post=post, body="Is this legal?")
    _plan("comment.created", comment.pk)
    return {"author": author, "instant": instant, "digest": digest_reader, "post": post, "comment": comment}


def _remove(post):
    reporter = MemberFactory()
    report_file(reporter=reporter, kind="post", object_id=post.pk, reason="illegal", details="")
    review_item_decide(
        item=ReviewItem.objects.get(),
        by=MemberFactory(groups=["moderator"]),
        action="remove",
        reason="Selling forged documents.",
        rule="Rules v1, §1 The law",
    )
    return reporter


def _about_the_post(messages):
    return [m for m in messages if TITLE in m.subject or TITLE in m.body or "forged certificates" in m.body]


@pytest.mark.legal("L20")
def test_removing_a_post_cancels_its_waiting_emails_and_digest_entries_so_nothing_is_sent(scene, clock):
    waiting = Delivery.objects.filter(status=DeliveryStatus.PENDING).exclude(source_kind="notice")
    assert set(waiting.values_list("recipient_id", "channel")) == {
        (scene["instant"].pk, "email"),
        (scene["digest"].pk, "digest"),
        (scene["author"].pk, "email"),  # the reply
    }

    _remove(scene["post"])

    cancelled = Delivery.objects.filter(source_kind__in=["post.published", "comment.created"]).exclude(
        channel="inbox"
    )
    assert set(cancelled.values_list("status", "reason")) == {("cancelled", "content removed")}
    deliveries_dispatch()
    clock.move_to(EIGHT_NEXT_MORNING)
    digests_compose()
    deliveries_dispatch()

    assert _about_the_post(mail.outbox) == []
    # what did go out: the statement of reasons to the author and the outcome to the reporter
    assert {m.subject for m in mail.outbox} == {
        "A moderator acted on your content",
        "The outcome of your report",
    }


@pytest.mark.legal("L20")
def test_hiding_works_the_same(scene):
    report_file(reporter=MemberFactory(), kind="post", object_id=scene["post"].pk, reason="spam", details="")
    review_item_decide(
        item=ReviewItem.objects.get(),
        by=MemberFactory(groups=["moderator"]),
        action="hide",
        reason="R",
        rule="R",
    )
    assert not Delivery.objects.filter(source_kind="post.published", status=DeliveryStatus.PENDING).exists()


@pytest.mark.legal("L20")
def test_an_email_being_sent_is_left_to_the_dispatchers_own_check(scene, clock):
    sending = Delivery.objects.get(source_kind="post.published", recipient=scene["instant"], channel="email")
    Delivery.objects.filter(pk=sending.pk).update(
        status=DeliveryStatus.SENDING, lease_until=timezone.now() - timedelta(seconds=1)
    )

    _remove(scene["post"])

    sending.refresh_from_db()
    assert sending.status == DeliveryStatus.SENDING  # a worker holds it: not ours to change
    deliveries_dispatch()  # the lease ran out: claimed again, re-checked, not sent
    sending.refresh_from_db()
    assert (sending.status, sending.reason) == ("cancelled", "content no longer visible")
    assert _about_the_post(mail.outbox) == []


@pytest.mark.legal("L20")
def test_an_entry_in_a_digest_not_sent_yet_is_taken_out_of_it(scene, clock):
    clock.move_to(EIGHT_NEXT_MORNING)
    digest = digest_compose(member_id=scene["digest"].pk, local_day=20261201)
    assert Delivery.objects.filter(digest=digest).count() == 1

    _remove(scene["post"])

    assert not Delivery.objects.filter(digest=digest).exists()
    deliveries_dispatch()
    digest.refresh_from_db()
    assert digest.status == DeliveryStatus.CANCELLED  # nothing left in it
    assert _about_the_post(mail.outbox) == []


def test_an_entry_of_a_digest_already_sent_keeps_its_record(scene, clock):
    clock.move_to(EIGHT_NEXT_MORNING)
    digest = digest_compose(member_id=scene["digest"].pk, local_day=20261201)
    deliveries_dispatch()
    digest.refresh_from_db()
    assert digest.status == DeliveryStatus.SENT

    _remove(scene["post"])

    entry = Delivery.objects.get(digest=digest)
    assert entry.status == DeliveryStatus.PENDING and entry.reason == ""  # it went out in that digest


def test_removing_one_comment_cancels_only_its_own_deliveries(scene):
    cancelled = deliveries_cancel_for(source_kind="comment.created", source_ids=[scene["comment"].pk])
    assert cancelled == 1
    assert Delivery.objects.filter(source_kind="post.published", status=DeliveryStatus.PENDING).count() == 2
    assert deliveries_cancel_for(source_kind="comment.created", source_ids=[]) == 0
