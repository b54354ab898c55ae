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
from tests.moderation.queries import assert_own_queries

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


# Pages


def _client_as(client, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    return client


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("member", 404), ("other_member", 200), ("moderator", 404), ("operator", 404)],
)
def test_only_the_author_opens_the_appeal_form(client, request, action, who, expected):
    client = _client_as(client, request, who)
    response = client.get(f"/moderation/decisions/{action.pk}/appeal/")
    assert response.status_code == expected
    response = client.post(f"/moderation/decisions/{action.pk}/appeal/", {"statement": "Mine?"})
    assert Appeal.objects.exists() == (who == "other_member")


def test_the_decisions_page_lists_decisions_against_the_member_with_an_appeal_button(
    client, action, other_member
):
    client.force_login(other_member)
    page = client.get("/moderation/decisions/").content.decode()
    assert "Advertising." in page and "Rules v1, §3 Spam" in page
    assert f"/moderation/decisions/{action.pk}/appeal/" in page


def test_the_decisions_page_shows_nothing_of_other_members(client, action, member):
    client.force_login(member)
    page = client.get("/moderation/decisions/").content.decode()
    assert "Advertising." not in page


def test_an_empty_statement_shows_the_error_beside_the_field(client, action, other_member):
    client.force_login(other_member)
    response = client.post(f"/moderation/decisions/{action.pk}/appeal/", {"statement": "  "})
    assert response.status_code == 400
    assert 'class="field has-error"' in response.content.decode()
    assert not Appeal.objects.exists()


def test_a_late_appeal_keeps_the_text_and_says_why(client, action, other_member):
    client.force_login(other_member)
    with time_machine.travel(timezone.now() + timedelta(days=200)):
        response = client.post(f"/moderation/decisions/{action.pk}/appeal/", {"statement": "My long story"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "six months" in page and "My long story" in page


def test_filing_through_the_form_creates_the_appeal(client, action, other_member):
    client.force_login(other_member)
    response = client.post(f"/moderation/decisions/{action.pk}/appeal/", {"statement": "Please look again."})
    assert response.status_code == 302
    assert Appeal.objects.get().statement == "Please look again."


@pytest.fixture
def appeal(action, other_member):
    return appeal_file(action=action, appellant=other_member, statement="Please look again.")


@pytest.mark.parametrize(
    ("who", "list_status", "can_decide"),
    [
        ("anonymous", 302, False),
        ("member", 403, False),
        ("other_member", 403, False),
        ("moderator", 200, False),  # took the original action
        ("second_moderator", 200, True),
        ("operator", 200, True),
    ],
)
def test_permission_matrix_of_the_appeals_pages(client, request, appeal, post, who, list_status, can_decide):
    client = _client_as(client, request, who)
    assert client.get("/moderation/appeals/").status_code == list_status
    assert client.get(f"/moderation/appeals/{appeal.pk}/").status_code == list_status
    response = client.post(f"/moderation/appeals/{appeal.pk}/", {"uphold": "yes", "reason": "On topic."})
    appeal.refresh_from_db()
    assert (appeal.status == AppealStatus.UPHELD) == can_decide
    if can_decide:
        assert response.status_code == 302
        assert Post.objects.get(pk=post.pk).status == ContentStatus.PUBLISHED
    elif who == "moderator":
        assert response.status_code == 403


def test_the_decide_form_needs_a_reason_beside_the_field(client, appeal, second_moderator):
    client.force_login(second_moderator)
    response = client.post(f"/moderation/appeals/{appeal.pk}/", {"uphold": "no", "reason": ""})
    assert response.status_code == 400
    assert 'class="field has-error"' in response.content.decode()


def test_open_appeals_come_first_oldest_first_and_overdue_ones_are_marked(
    client, space, member, moderator, other_member, second_moderator
):
    with time_machine.travel(timezone.now() - timedelta(days=20)):
        old = _hide(PostFactory(space=space, author=other_member), member, moderator)
        overdue = appeal_file(action=old, appellant=other_member, statement="Old appeal")
    done = appeal_file(
        action=_hide(PostFactory(space=space, author=other_member), member, moderator),
        appellant=other_member,
        statement="Done appeal",
    )
    appeal_decide(appeal=done, by=second_moderator, uphold=False, reason="Stands.")
    fresh = appeal_file(
        action=_hide(PostFactory(space=space, author=other_member), member, moderator),
        appellant=other_member,
        statement="Fresh appeal",
    )
    client.force_login(second_moderator)
    page = client.get("/moderation/appeals/").content.decode()
    assert page.index("Old appeal") < page.index("Fresh appeal") < page.index("Done appeal")
    assert page.count("overdue-badge") == 1
    assert overdue.pk and fresh.pk


@pytest.mark.parametrize("rows", [1, 50])
def test_the_appeals_list_costs_the_same_queries_for_1_and_50_appeals(
    client, space, moderator, operator, rows
):
    for _ in range(rows):
        author = MemberFactory()
        action = ModerationAction.objects.create(
            moderator=moderator,
            action="hide",
            kind="post",
            object_id=PostFactory(space=space, author=author).pk,
            target_author=author,
            reason="Spam.",
            rule="Rules v1",
        )
        appeal_file(action=action, appellant=author, statement="Please.")
    client.force_login(operator)
    # (sessions live in the cache) 1 the operator, 2 the appeals with their action, its moderator, the
    # appellant and the decider (one JOINed query), 3 the unread count in the header.
    with assert_own_queries(3):
        response = client.get("/moderation/appeals/")
    assert response.content.decode().count('class="card queue-item appeal-item') == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_the_decisions_page_costs_the_same_queries_for_1_and_50_decisions(
    client, moderator, other_member, rows
):
    for index in range(rows):
        action = ModerationAction.objects.create(
            moderator=moderator,
            action="warn",
            kind="member",
            object_id=other_member.pk,
            target_author=other_member,
            reason="Be kind.",
            rule="Rules v1",
        )
        if index % 2:
            appeal_file(action=action, appellant=other_member, statement="Please.")
    client.force_login(other_member)
    # (sessions live in the cache) 1 the member, 2 the decisions with their appeals (one JOINed query),
    # 3 the unread count in the header.
    with assert_own_queries(3):
        response = client.get("/moderation/decisions/")
    assert response.content.decode().count('class="card decision"') == rows


def test_operators_see_appeals_in_the_admin_but_cannot_change_them(client, operator, appeal):
    client.force_login(operator)
    assert client.get("/admin/moderation/appeal/").status_code == 200
    assert client.get(f"/admin/moderation/appeal/{appeal.pk}/change/").status_code == 200
    assert client.get("/admin/moderation/appeal/add/").status_code == 403
    client.post(f"/admin/moderation/appeal/{appeal.pk}/change/", {"status": "upheld"})
    assert Appeal.objects.get().status == AppealStatus.OPEN


def test_the_review_queue_links_site_moderators_to_the_appeals(client, moderator, space_moderator):
    client.force_login(moderator)
    assert "/moderation/appeals/" in client.get("/moderation/").content.decode()
    client.force_login(space_moderator)
    assert "/moderation/appeals/" not in client.get("/moderation/").content.decode()


def test_the_statement_of_reasons_in_the_inbox_leads_to_the_appeal_page(action, other_member):
    notice = InboxItem.objects.get(recipient=other_member, kind="moderation.notice")
    assert notice.url == "/moderation/decisions/"
