"""Space moderators decide appeals about content in the spaces they moderate (LEGAL L18): impartial
(not the moderator who acted), and not for account sanctions, which reach the whole site."""

import pytest

from moderation.exceptions import NotAllowed
from moderation.models import Appeal, AppealStatus, ModerationAction, ReviewItem
from moderation.selectors import appeals_queue, can_see_appeals
from moderation.services import appeal_decide, appeal_file, can_decide_appeal, report_file, review_item_decide
from tests.factories import MembershipFactory, PostFactory, SpaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.legal("L18")]


@pytest.fixture
def second_space_moderator(space):
    return MembershipFactory(space=space, role="moderator").member


@pytest.fixture
def elsewhere_moderator(db):
    return MembershipFactory(space=SpaceFactory(), role="moderator").member


def _appeal(post, reporter, by, author, action="hide") -> Appeal:
    report_file(reporter=reporter, kind="post", object_id=post.pk, reason="spam")
    item = ReviewItem.objects.get(kind="post", object_id=post.pk)
    review_item_decide(item=item, by=by, action=action, reason="Ads.", rule="Rule 3", days=3)
    return appeal_file(
        action=ModerationAction.objects.get(review_item=item), appellant=author, statement="No."
    )


@pytest.fixture
def appeal(post, member, space_moderator, other_member):
    return _appeal(post, member, space_moderator, other_member)


def test_another_moderator_of_the_space_decides_the_appeal(appeal, second_space_moderator):
    assert can_see_appeals(viewer=second_space_moderator)
    assert list(appeals_queue(viewer=second_space_moderator)) == [appeal]
    assert appeal_decide(appeal=appeal, by=second_space_moderator, uphold=True, reason="Not an advert.")
    assert Appeal.objects.get().status == AppealStatus.UPHELD


def test_the_space_moderator_who_acted_cannot_decide_it(appeal, space_moderator):
    assert not can_decide_appeal(member=space_moderator, appeal=appeal)
    with pytest.raises(NotAllowed):
        appeal_decide(appeal=appeal, by=space_moderator, uphold=True, reason="I was wrong.")


def test_a_moderator_of_another_space_neither_sees_nor_decides_it(client, appeal, elsewhere_moderator):
    assert not can_see_appeals(viewer=elsewhere_moderator)
    assert not can_decide_appeal(member=elsewhere_moderator, appeal=appeal)
    client.force_login(elsewhere_moderator)
    assert client.get("/moderation/appeals/").status_code == 403
    assert client.get(f"/moderation/appeals/{appeal.pk}/").status_code == 403


def test_a_site_moderator_still_decides_it(appeal, moderator):
    assert can_decide_appeal(member=moderator, appeal=appeal)


def test_appeals_of_account_sanctions_stay_with_site_moderators(space, member, moderator, other_member):
    space_mod = MembershipFactory(space=space, role="moderator").member
    sanction = _appeal(
        PostFactory(space=space, author=other_member), member, moderator, other_member, "suspend"
    )
    assert not can_decide_appeal(member=space_mod, appeal=sanction)
    assert sanction not in appeals_queue(viewer=space_mod)


def test_a_space_moderator_decides_through_the_page(client, appeal, second_space_moderator):
    client.force_login(second_space_moderator)
    assert "/moderation/appeals/" in client.get("/moderation/").content.decode()
    response = client.post(
        f"/moderation/appeals/{appeal.pk}/", {"uphold": "no", "reason": "It was an advert."}
    )
    assert response.status_code == 302
    assert Appeal.objects.get().status == AppealStatus.REJECTED
