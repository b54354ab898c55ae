from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from content.models import ContentStatus, InboxItem, Post
from moderation.exceptions import AppealNotPossible, AppealPeriodOver, NotAllowed
from moderation.models import Appeal, AppealStatus, ModerationAction, ReviewItem
from moderation.services import appeal_decide, appeal_file, report_file, review_item_decide
from tests.factories import MemberFactory, PostFactory

pytestmark = [pytest.mark.django_db, pytest.mark.legal("L18")]


def _hide(post, reporter, by, action="hide") -> ModerationAction:
    report_file(reporter=reporter, kind="post", object_id=post.pk, reason="spam", details="")
    item = ReviewItem.objects.get(object_id=post.pk, kind="post")
    review_item_decide(item=item, by=by, action=action, reason="Advertising.", rule="Rules v1, §3 Spam")
    return ModerationAction.objects.get(review_item=item)


@pytest.fixture
def action(post, member, moderator):
    return _hide(post, member, moderator)


@pytest.fixture
def second_moderator(db):
    return MemberFactory(display_name="Second Moderator", groups=["moderator"])


def test_the_author_can_appeal_within_six_months(action, other_member):
    with time_machine.travel(timezone.now() + timedelta(days=180)):
        appeal = appeal_file(action=action, appellant=other_member, statement="It was not an advert.")
    assert appeal.status == AppealStatus.OPEN
    assert appeal.appellant_id == other_member.pk


def test_an_appeal_after_six_months_is_refused_with_a_clear_message(action, other_member):
    with time_machine.travel(timezone.now() + timedelta(days=190)), pytest.raises(AppealPeriodOver) as error:
        appeal_file(action=action, appellant=other_member, statement="Late.")
    assert "six months" in error.value.message
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("who", ["member", "moderator", "operator"])
def test_only_the_author_may_appeal(request, action, who):
    with pytest.raises(NotAllowed):
        appeal_file(action=action, appellant=request.getfixturevalue(who), statement="Me too.")


def test_one_appeal_per_action_a_second_call_returns_the_first(action, other_member):
    first = appeal_file(action=action, appellant=other_member, statement="First.")
    second = appeal_file(action=action, appellant=other_member, statement="Second.")
    assert second.pk == first.pk
    assert Appeal.objects.get().statement == "First."


def test_an_approval_cannot_be_appealed(space, member, moderator, other_member):
    approved = _hide(PostFactory(space=space, author=other_member), member, moderator, action="approve")
    with pytest.raises(AppealNotPossible):
        appeal_file(action=approved, appellant=other_member, statement="?")


def test_the_moderator_who_acted_may_not_decide_the_appeal(action, other_member, moderator):
    appeal = appeal_file(action=action, appellant=other_member, statement="Please look again.")
    with pytest.raises(NotAllowed):
        appeal_decide(appeal=appeal, by=moderator, uphold=True, reason="I was wrong.")
    assert Appeal.objects.get().status == AppealStatus.OPEN


def test_the_operator_may_decide_even_an_appeal_of_their_own_action(space, member, operator, other_member):
    own = _hide(PostFactory(space=space, author=other_member), member, operator)
    appeal = appeal_file(action=own, appellant=other_member, statement="Please.")
    assert appeal_decide(appeal=appeal, by=operator, uphold=False, reason="It stands.")


def test_upholding_republishes_the_post_and_logs_an_approval(
    action, post, other_member, second_moderator, member, client
):
    assert Post.objects.get(pk=post.pk).status == ContentStatus.HIDDEN
    client.force_login(member)
    assert client.get(reverse("content:post_detail", args=[post.pk])).status_code == 404
    appeal = appeal_file(action=action, appellant=other_member, statement="It was on topic.")
    assert appeal_decide(appeal=appeal, by=second_moderator, uphold=True, reason="It was on topic.")
    assert Post.objects.get(pk=post.pk).status == ContentStatus.PUBLISHED
    assert client.get(reverse("content:post_detail", args=[post.pk])).status_code == 200
    approval = ModerationAction.objects.order_by("-pk").first()
    assert approval.action == "approve"
    assert approval.moderator_id == second_moderator.pk
    assert approval.reason == "appeal upheld: It was on topic."
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by_id) == (AppealStatus.UPHELD, second_moderator.pk)


def test_deciding_twice_changes_nothing_the_second_time(action, other_member, second_moderator, operator):
    appeal = appeal_file(action=action, appellant=other_member, statement="Please.")
    assert appeal_decide(appeal=appeal, by=second_moderator, uphold=False, reason="It stands.")
    assert not appeal_decide(appeal=appeal, by=operator, uphold=True, reason="Changed my mind.")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REJECTED
    assert ModerationAction.objects.count() == 1
    assert InboxItem.objects.filter(kind="moderation.appeal_decided").count() == 1


@pytest.mark.parametrize(("uphold", "outcome"), [(True, "upheld"), (False, "rejected")])
def test_the_appellant_is_told_the_outcome_in_both_cases(
    action, other_member, second_moderator, uphold, outcome
):
    appeal = appeal_file(action=action, appellant=other_member, statement="Please.")
    appeal_decide(appeal=appeal, by=second_moderator, uphold=uphold, reason="Checked.")
    told = InboxItem.objects.get(recipient=other_member, kind="moderation.appeal_decided")
    assert told.data["outcome"] == outcome
    assert told.data["reason"] == "Checked."
    assert f"Your appeal was {outcome}" in told.data["text"]
    assert told.url == "/moderation/decisions/"
