"""Trust levels come from real activity and are recomputed in set-based batches."""

from datetime import timedelta

import pytest
from django.utils import timezone

from members.models import ActiveDay, TrustLevel
from members.tasks import recompute_trust_levels
from members.trust import (
    DEFAULT_THRESHOLDS,
    register_upheld_reports_counter,
    trust_level_for,
    trust_levels_recompute,
    unregister_upheld_reports_counter,
)
from tests.factories import CommentFactory, MemberFactory, PostFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def active_days(member, count):
    today = timezone.localdate()
    ActiveDay.objects.bulk_create(
        [ActiveDay(member=member, day=today - timedelta(days=i)) for i in range(count)]
    )


def reactions_on(post, count):
    from content.models import Reaction

    Reaction.objects.bulk_create(
        [Reaction(member=MemberFactory(), post=post, kind="like") for _ in range(count)]
    )


@pytest.fixture
def space():
    return SpaceFactory()


def test_a_new_member_with_no_activity_stays_new(member):
    assert trust_levels_recompute() == 0
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.NEW


def test_two_active_days_and_one_comment_make_a_basic_member(member, space):
    active_days(member, 2)
    CommentFactory(author=member, post=PostFactory(space=space))

    trust_levels_recompute()

    member.refresh_from_db()
    assert member.trust_level == TrustLevel.BASIC


def test_deleted_and_removed_contributions_do_not_count(member, space):
    active_days(member, 2)
    PostFactory(author=member, space=space, deleted_at=timezone.now())
    PostFactory(author=member, space=space, status="removed")
    trust_levels_recompute()
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.NEW


def test_reactions_received_count_but_not_ones_own(member, space):
    active_days(member, 10)
    posts = PostFactory.create_batch(10, author=member, space=space)
    reactions_on(posts[0], 4)
    from content.models import Reaction

    Reaction.objects.create(member=member, post=posts[1], kind="like")  # her own: does not count
    trust_levels_recompute()
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.BASIC

    reactions_on(posts[1], 1)
    trust_levels_recompute()
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.MEMBER


def test_reactions_on_comments_count_too(member, space):
    active_days(member, 10)
    comments = CommentFactory.create_batch(10, author=member, post=PostFactory(space=space))
    from content.models import Reaction

    Reaction.objects.bulk_create(
        [Reaction(member=MemberFactory(), comment=comments[0], kind="thanks") for _ in range(5)]
    )
    trust_levels_recompute()
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.MEMBER


def make_regular(member, space):
    active_days(member, 30)
    posts = PostFactory.create_batch(50, author=member, space=space)
    reactions_on(posts[0], 30)


def test_an_upheld_report_keeps_a_member_from_regular_and_takes_regular_away(member, space):
    make_regular(member, space)
    trust_levels_recompute()
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.REGULAR

    calls = []

    def moderation_counter(*, member_ids, since):
        calls.append((list(member_ids), since))
        return {member.pk: 1}

    register_upheld_reports_counter(moderation_counter)
    try:
        trust_levels_recompute()
    finally:
        unregister_upheld_reports_counter(moderation_counter)

    member.refresh_from_db()
    assert member.trust_level == TrustLevel.MEMBER
    assert member.pk in calls[0][0]  # the whole batch in one call
    assert timezone.now() - calls[0][1] > timedelta(days=89)


def test_basic_and_member_levels_are_kept_when_activity_thins(member, space):
    member.trust_level = TrustLevel.MEMBER
    member.save(update_fields=["trust_level"])
    trust_levels_recompute()
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.MEMBER


def test_a_locked_trust_level_is_left_alone(member, space):
    member.trust_level_locked = True
    member.save(update_fields=["trust_level_locked"])
    make_regular(member, space)
    assert trust_levels_recompute() == 0
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.NEW


def test_thresholds_come_from_settings_when_set(member, space, settings):
    settings.TRUST_LEVEL_THRESHOLDS = {1: {"days_active": 1, "contributions": 0, "reactions_received": 0}}
    active_days(member, 1)
    trust_levels_recompute()
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.BASIC


def test_levels_are_cumulative():
    counts = {"days_active": 100, "contributions": 0, "reactions_received": 100, "upheld_reports": 0}
    assert trust_level_for(counts=counts, thresholds=DEFAULT_THRESHOLDS) == TrustLevel.NEW


def test_batches_cover_every_member(space):
    members = MemberFactory.create_batch(5)
    for m in members:
        active_days(m, 2)
        PostFactory(author=m, space=space)
    assert trust_levels_recompute(batch_size=2) == 5
    assert {m.trust_level for m in type(members[0]).objects.filter(pk__in=[m.pk for m in members])} == {1}


def test_the_celery_task_runs_the_recompute(member, space):
    active_days(member, 2)
    PostFactory(author=member, space=space)
    assert recompute_trust_levels.name == "members.recompute_trust_levels"
    assert recompute_trust_levels.apply().get() == 1


def test_the_daily_schedule_runs_the_recompute():
    from community.celery import app

    entries = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert "members.recompute_trust_levels" in entries


@pytest.mark.parametrize("count", [1, 50])
def test_recompute_query_count_does_not_grow_with_members(space, count, django_assert_num_queries):
    members = MemberFactory.create_batch(count)
    for m in members:
        active_days(m, 2)
        PostFactory(author=m, space=space)
    # 1 members with their counts (one SELECT with correlated subqueries), 2 upheld reports of the
    # batch (moderation's registered counter, one grouped query), 3 one UPDATE of the changed rows
    with django_assert_num_queries(3):
        assert trust_levels_recompute() == count
    # Nothing changed the second time: the SELECT and the upheld-reports count only.
    with django_assert_num_queries(2):
        assert trust_levels_recompute() == 0
