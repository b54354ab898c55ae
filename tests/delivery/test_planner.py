import threading

import pytest
from django.db import connection

from content.delivery.models import Delivery, Outbox
from content.delivery.planner import deliveries_plan
from content.models import InboxItem, Mention
from content.services.comments import comment_create
from members.models import Block, Mute
from tests.delivery.conftest import join
from tests.factories import MemberFactory, MembershipFactory


def _outbox(kind, object_id):
    return Outbox.objects.get(kind=kind, object_id=object_id)


def _channels(member):
    return set(Delivery.objects.filter(recipient=member).values_list("channel", flat=True))


def test_publishing_writes_one_outbox_row_in_the_same_transaction(publish):
    post = publish()
    row = _outbox("post.published", post.pk)
    assert row.planned_at is None


def test_every_post_level_gets_email_and_inbox_digest_gets_inbox_and_digest_mute_nothing(space, publish):
    every = join(space, "all")
    digest = join(space, "digest")
    muted = join(space, "mute")
    post = publish()

    assert deliveries_plan(outbox_id=_outbox("post.published", post.pk).pk) == 1

    assert _channels(every) == {"inbox", "email"}
    assert _channels(digest) == {"inbox", "digest"}
    assert _channels(muted) == set()
    assert InboxItem.objects.filter(kind="post.new").count() == 2
    assert _outbox("post.published", post.pk).planned_at is not None


def test_planning_twice_creates_nothing_new(space, publish):
    join(space, "all")
    join(space, "digest")
    row = _outbox("post.published", publish().pk)
    deliveries_plan(outbox_id=row.pk)
    Outbox.objects.filter(pk=row.pk).update(planned_at=None)  # as if the first run died before marking

    assert deliveries_plan(outbox_id=row.pk) == 0
    assert Delivery.objects.count() == 4
    assert InboxItem.objects.count() == 2


def test_the_author_blockers_muters_and_inactive_accounts_get_nothing(space, author, publish):
    blocker = join(space, "all")
    Block.objects.create(blocker=blocker, blocked=author)
    muter = join(space, "all")
    Mute.objects.create(muter=muter, muted=author)
    inactive = join(space, "all", is_active=False)
    reader = join(space, "all")

    deliveries_plan(outbox_id=_outbox("post.published", publish().pk).pk)

    assert set(Delivery.objects.values_list("recipient_id", flat=True)) == {reader.pk}
    for member in (author, blocker, muter, inactive):
        assert _channels(member) == set()


def test_a_mentioned_member_gets_a_mention_by_inbox_and_email_even_outside_the_space(space, publish):
    outsider = MemberFactory(display_name="Bo")
    digest = join(space, "digest", display_name="Cy")
    post = publish(body=f"Hi @{outsider.display_name} and @{digest.display_name}")
    assert post.mentions.count() == 2

    deliveries_plan(outbox_id=_outbox("post.published", post.pk).pk)

    assert _channels(outsider) == {"inbox", "email"}
    assert _channels(digest) == {"inbox", "email"}
    assert set(InboxItem.objects.values_list("kind", flat=True)) == {"post.mention"}


def test_a_reply_reaches_the_post_author_and_the_parent_comment_author_only(
    space, author, publish, django_capture_on_commit_callbacks
):
    post = publish()
    parent_author = join(space, "mute")
    replier = join(space, "all")
    bystander = join(space, "all")
    with django_capture_on_commit_callbacks(execute=False):
        parent = comment_create(author=parent_author, post=post, body="First!")
        reply = comment_create(author=replier, post=post, body="Second", parent=parent)

    deliveries_plan(outbox_id=_outbox("comment.created", reply.pk).pk)

    assert _channels(author) == {"inbox", "email"}
    assert _channels(parent_author) == {"inbox", "email"}
    assert _channels(replier) == set()
    assert _channels(bystander) == set()
    assert set(InboxItem.objects.values_list("kind", flat=True)) == {"comment.reply"}


def test_a_missing_outbox_row_plans_nothing(db):
    assert deliveries_plan(outbox_id=987654) == 0


def _planning_queries(space, publish, django_assert_num_queries, recipients):
    for _ in range(recipients):
        join(space, "all")
    row = _outbox("post.published", publish().pk)
    # outbox row; post with space and author; one batch in its own transaction: savepoint, outbox
    # lock, the next ids from the space's members and from the mentions, recipients, existing
    # deliveries, inbox items insert, deliveries insert, release (a short batch ends the walk);
    # outbox marked planned.
    with django_assert_num_queries(12):
        deliveries_plan(outbox_id=row.pk)


def test_planning_one_recipient_costs_a_fixed_number_of_queries(space, publish, django_assert_num_queries):
    _planning_queries(space, publish, django_assert_num_queries, 1)


def test_planning_fifty_recipients_costs_the_same_queries(space, publish, django_assert_num_queries):
    _planning_queries(space, publish, django_assert_num_queries, 50)
    assert Delivery.objects.filter(channel="email").count() == 50


def test_small_batches_walk_every_member_once(space, publish):
    members = [join(space, "all") for _ in range(7)]
    deliveries_plan(outbox_id=_outbox("post.published", publish().pk).pk, batch_size=3)
    assert Delivery.objects.filter(channel="email").count() == len(members)


def test_small_batches_walk_past_a_member_mentioned_twice(space, publish):
    # mentions of a post have no comment, so nothing unique stops a member being listed twice; a batch
    # of the pool's first rows must still count distinct members or the walk ends early
    post = publish()
    outsiders = [MemberFactory() for _ in range(3)]
    for member in (outsiders[0], outsiders[0], *outsiders):
        Mention.objects.create(post=post, member=member)
    deliveries_plan(outbox_id=_outbox("post.published", post.pk).pk, batch_size=3)
    assert set(InboxItem.objects.filter(kind="post.mention").values_list("recipient_id", flat=True)) == {
        member.pk for member in outsiders
    }


@pytest.mark.django_db(transaction=True)
def test_two_planners_at_once_create_each_delivery_once(space, publish):
    for _ in range(20):
        join(space, "all")
    row = _outbox("post.published", publish().pk)
    barrier = threading.Barrier(2)
    errors = []

    def plan():
        try:
            barrier.wait()
            deliveries_plan(outbox_id=row.pk, batch_size=5)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=plan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Delivery.objects.count() == 40
    assert InboxItem.objects.count() == 20


def _promotional_planning_queries(space, publish, author, django_assert_num_queries, recipients):
    from content.models import PostKind
    from privacy.consents import consent_grant

    for number in range(recipients):
        member = join(space, "all")
        if number % 2 == 0:
            consent_grant(member=member, purpose="marketing", channel="web")
    MembershipFactory._meta.model.objects.filter(space=space, member=author).update(role="moderator")
    post = publish(
        kind=PostKind.ANNOUNCEMENT,
        is_promotional=True,
        title=f"Offer {recipients}",
        body=f"Deal {recipients}.",
    )
    row = _outbox("post.published", post.pk)
    # as above, plus two per batch for L13: who consents, who had a promotion this week
    with django_assert_num_queries(14):
        deliveries_plan(outbox_id=row.pk)


@pytest.mark.legal("L13")
def test_planning_a_promotion_costs_the_same_queries_for_one_or_fifty_members(
    space, publish, author, django_assert_num_queries
):
    _promotional_planning_queries(space, publish, author, django_assert_num_queries, 1)
    Delivery.objects.all().delete()
    _promotional_planning_queries(space, publish, author, django_assert_num_queries, 50)
    assert Delivery.objects.filter(channel="email", status="pending").count() == 26


@pytest.mark.parametrize("writer", ["_write_postgresql", "_write_orm"])
def test_both_writers_plan_the_same_rows(space, author, publish, writer):
    """PostgreSQL gets the rows as arrays in two statements; SQLite (the embedded `make run`) through
    the ORM. Either way the same inbox items and deliveries come out."""
    from content.delivery import planner
    from content.models import PostKind
    from privacy.consents import consent_grant

    every, digest = join(space, "all"), join(space, "digest")
    consenting, refusing = join(space, "all"), join(space, "all")
    consent_grant(member=consenting, purpose="marketing", channel="web")
    mentioned = MemberFactory(display_name="Mo")
    post = publish(title="Hello", body=f"Hi @{mentioned.display_name}.")
    row = _outbox("post.published", post.pk)
    deliveries_plan(outbox_id=row.pk, writer=getattr(planner, writer))

    rows = set(
        Delivery.objects.filter(source_id=post.pk).values_list(
            "recipient_id", "channel", "category", "status", "inbox_item__kind"
        )
    )
    assert (every.pk, "email", "posts", "pending", "post.new") in rows
    assert (every.pk, "inbox", "posts", "sent", "post.new") in rows
    assert (digest.pk, "digest", "posts", "pending", "post.new") in rows
    assert (mentioned.pk, "email", "mentions", "pending", "post.mention") in rows
    item = InboxItem.objects.get(recipient=every, data__post_id=post.pk)
    assert (item.actor_id, item.data["title"]) == (author.pk, "Hello")

    MembershipFactory._meta.model.objects.filter(space=space, member=author).update(role="moderator")
    offer = publish(kind=PostKind.ANNOUNCEMENT, is_promotional=True, title="Offer", body="A deal.")
    deliveries_plan(outbox_id=_outbox("post.published", offer.pk).pk, writer=getattr(planner, writer))
    offers = dict(
        Delivery.objects.filter(source_id=offer.pk, channel="email").values_list("recipient_id", "reason")
    )
    assert offers[consenting.pk] == ""
    assert offers[refusing.pk] == "no marketing consent"
    assert Delivery.objects.get(source_id=offer.pk, recipient=refusing).inbox_item_id is None


@pytest.mark.legal("L20")
def test_a_suspended_member_is_planned_nothing_and_one_suspended_since_gets_no_email(space, publish):
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from content.delivery.dispatcher import deliveries_dispatch

    suspended = join(space, "all", suspended_until=timezone.now() + timedelta(days=3))
    later = join(space, "all")
    deliveries_plan(outbox_id=_outbox("post.published", publish().pk).pk)
    assert not Delivery.objects.filter(recipient=suspended).exists()

    later.suspended_until = timezone.now() + timedelta(days=1)
    later.save(update_fields=["suspended_until"])
    deliveries_dispatch()

    assert mail.outbox == []
    assert Delivery.objects.get(recipient=later, channel="email").reason == "account suspended"
