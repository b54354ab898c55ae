"""Spam waves (LEGAL L20): "remove all content of this account from the last N days and ban", with a
confirm step that counts first; site moderators only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from content.models import Comment, ContentStatus, Event, InboxItem, Post, Space
from members.models import BannedEmail, Member
from moderation.models import Appeal, ModerationAction, Report, ReviewItem, ReviewStatus
from moderation.services import appeal_decide, appeal_file, report_file, review_item_claim
from moderation.sweep import review_item_sweep
from tests.factories import (
    CommentFactory,
    EventFactory,
    MemberFactory,
    MembershipFactory,
    PostFactory,
    SpaceFactory,
)
from tests.moderation.queries import assert_own_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kicks(monkeypatch):
    monkeypatch.setattr("content.delivery.outbox.task_kick", lambda task, *args: True)


def _report(reporter, target, kind="post", reason="spam"):
    return report_file(reporter=reporter, kind=kind, object_id=target.pk, reason=reason, details="")


def _aged(obj, days):
    type(obj).objects.filter(pk=obj.pk).update(created_at=timezone.now() - timedelta(days=days))
    return obj


@pytest.fixture
def spammer(db):
    return MemberFactory(email="spam@example.org", display_name="Cheap Watches")


@pytest.fixture
def wave(space, spammer, other_member):
    """The spammer's recent posts, comments and an event; an old post; and a bystander's post."""
    Space.objects.filter(pk=space.pk).update(post_count=4)
    recent = [PostFactory(space=space, author=spammer) for _ in range(3)]
    bystander_post = PostFactory(space=space, author=other_member, comment_count=2)
    comments = [CommentFactory(post=bystander_post, author=spammer) for _ in range(2)]
    event = EventFactory(space=space, organiser=spammer)
    old = _aged(PostFactory(space=space, author=spammer, title="Old but fine"), 30)
    return {"recent": recent, "comments": comments, "event": event, "old": old, "bystander": bystander_post}


@pytest.fixture
def item(member, wave):
    _report(member, wave["recent"][0])
    return ReviewItem.objects.get()


def _sweep(item, by, days=7, reason="Advertising in every space.", rule="Rules v1, §4 No advertising"):
    return review_item_sweep(item=item, by=by, days=days, reason=reason, rule=rule)


@pytest.mark.legal("L20")
def test_the_confirm_step_counts_what_would_go_and_changes_nothing(client, item, moderator, wave):
    client.force_login(moderator)
    page = client.get(reverse("moderation:sweep", args=[item.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "This removes 6 items by Cheap Watches" in html
    assert "3 posts" in html and "2 comments" in html and "1 event" in html
    assert 'name="days" value="7"' in html
    assert Post.objects.filter(status=ContentStatus.REMOVED).count() == 0
    assert Member.objects.get(email="spam@example.org").is_active

    html = client.get(reverse("moderation:sweep", args=[item.pk]), {"days": "60"}).content.decode()
    assert "This removes 7 items by Cheap Watches" in html  # the old post too


@pytest.mark.legal("L20")
def test_a_sweep_removes_the_recent_content_bans_and_keeps_one_log_row_per_thing(
    item, moderator, spammer, wave, space
):
    result = _sweep(item, moderator)

    assert (result.removed, result.banned) == (6, True)
    assert set(Post.objects.filter(author=spammer).values_list("title", "status")) == {
        *((p.title, "removed") for p in wave["recent"]),
        ("Old but fine", "published"),
    }
    assert set(Comment.objects.filter(author=spammer).values_list("status", flat=True)) == {"removed"}
    assert Event.objects.get(pk=wave["event"].pk).status == ContentStatus.REMOVED
    assert Post.objects.get(pk=wave["bystander"].pk).status == ContentStatus.PUBLISHED
    # counters follow (content's service did the work)
    assert Space.objects.get(pk=space.pk).post_count == 1
    assert Post.objects.get(pk=wave["bystander"].pk).comment_count == 0

    spammer.refresh_from_db()
    assert not spammer.is_active and spammer.banned_at is not None
    assert BannedEmail.objects.count() == 1
    ban = ModerationAction.objects.get(action="ban")
    removals = ModerationAction.objects.filter(action="remove")
    assert removals.count() == 6 and set(removals.values_list("sweep_id", flat=True)) == {ban.pk}
    assert set(removals.values_list("target_author_id", flat=True)) == {spammer.pk}
    assert ReviewItem.objects.get().status == ReviewStatus.DECIDED
    assert ReviewItem.objects.get().decision == "ban"
    (notice,) = InboxItem.objects.filter(recipient=spammer, kind="moderation.sanction")
    assert "(6 in all)" in notice.data["text"] and notice.data["removed"] == 6


def test_other_open_items_about_the_swept_content_are_decided_with_it(member, wave, moderator, operator):
    _report(member, wave["recent"][0])
    _report(member, wave["recent"][1])
    _report(MemberFactory(), wave["comments"][0], kind="comment")
    claimed_elsewhere = wave["recent"][2]
    _report(member, claimed_elsewhere)
    review_item_claim(item=ReviewItem.objects.get(object_id=claimed_elsewhere.pk, kind="post"), by=operator)
    first = ReviewItem.objects.get(object_id=wave["recent"][0].pk, kind="post")

    _sweep(first, moderator)

    statuses = dict(ReviewItem.objects.values_list("object_id", "status"))
    assert statuses[wave["recent"][1].pk] == ReviewStatus.DECIDED
    assert statuses[wave["comments"][0].pk] == ReviewStatus.DECIDED
    assert statuses[claimed_elsewhere.pk] == ReviewStatus.CLAIMED  # theirs to finish
    assert set(Report.objects.exclude(review_item__status="claimed").values_list("outcome", flat=True)) == {
        "upheld"
    }
    assert InboxItem.objects.filter(kind="report.outcome").count() == 3


@pytest.mark.legal("L18")
def test_the_member_sees_one_decision_and_an_upheld_appeal_restores_everything(
    client, item, moderator, spammer, wave
):
    _sweep(item, moderator)
    Member.objects.filter(pk=spammer.pk).update(is_active=True)  # to open the decisions page here
    client.force_login(Member.objects.get(pk=spammer.pk))
    html = client.get(reverse("moderation:decisions")).content.decode()
    assert html.count('class="card decision"') == 1
    assert "6 posts, comments and events were removed with it" in html
    Member.objects.filter(pk=spammer.pk).update(is_active=False)

    ban = ModerationAction.objects.get(action="ban")
    appeal = appeal_file(action=ban, appellant=spammer, statement="My account was stolen.")
    appeal_decide(appeal=appeal, by=MemberFactory(groups=["moderator"]), uphold=True, reason="Recovered.")

    spammer.refresh_from_db()
    assert spammer.is_active and not BannedEmail.objects.exists()
    assert set(Post.objects.filter(author=spammer).values_list("status", flat=True)) == {"published"}
    assert Event.objects.get(pk=wave["event"].pk).status == ContentStatus.PUBLISHED
    assert Appeal.objects.get().status == "upheld"


def test_sweeping_twice_changes_nothing_the_second_time(client, item, moderator):
    assert _sweep(item, moderator) is not None
    assert _sweep(ReviewItem.objects.get(), moderator) is None
    assert ModerationAction.objects.filter(action="ban").count() == 1
    client.force_login(moderator)
    response = client.get(reverse("moderation:sweep", args=[item.pk]), follow=True)
    assert "already been decided" in response.content.decode()


def test_sweeping_from_the_page_confirms_then_acts(client, item, moderator, spammer):
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:sweep", args=[item.pk]),
        {"days": "7", "reason": "Advertising.", "rule": "Rules v1, §4"},
        follow=True,
    )
    assert "6 items removed and Cheap Watches banned." in response.content.decode()
    assert not Member.objects.get(pk=spammer.pk).is_active


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"days": "0", "reason": "R", "rule": "R"}, "Choose a number of days from 1 to 90."),
        ({"days": "91", "reason": "R", "rule": "R"}, "Choose a number of days from 1 to 90."),
        ({"days": "7", "reason": "", "rule": "R"}, "This field is required."),
    ],
)
def test_bad_input_on_the_confirm_step_is_explained_and_nothing_happens(
    client, item, moderator, spammer, data, message
):
    client.force_login(moderator)
    response = client.post(reverse("moderation:sweep", args=[item.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Member.objects.get(pk=spammer.pk).is_active
    assert not ModerationAction.objects.exists()


def test_a_sweep_on_an_item_claimed_by_someone_else_names_the_holder(
    client, item, moderator, operator, spammer
):
    review_item_claim(item=item, by=operator)
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:sweep", args=[item.pk]), {"days": "7", "reason": "Spam.", "rule": "R4"}
    )
    assert response.status_code == 400
    assert "Opal Operator is already handling this item." in response.content.decode()
    assert Member.objects.get(pk=spammer.pk).is_active
    assert not Post.objects.filter(status=ContentStatus.REMOVED).exists()


@pytest.fixture
def other_space_moderator(db):
    return MembershipFactory(space=SpaceFactory(), role="moderator").member


@pytest.mark.parametrize(
    ("who", "get_status", "post_status"),
    [
        ("anonymous", 302, 302),
        ("member", 403, 403),
        ("other_member", 403, 403),
        ("other_space_moderator", 404, 404),
        ("space_moderator", 403, 403),  # moderates the space, but a sweep reaches every space
        ("moderator", 200, 302),
        ("operator", 200, 302),
    ],
)
def test_who_may_sweep(client, request, item, spammer, who, get_status, post_status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    url = reverse("moderation:sweep", args=[item.pk])
    assert client.get(url).status_code == get_status
    response = client.post(url, {"days": "7", "reason": "Spam.", "rule": "R4"})
    assert response.status_code == post_status
    assert Member.objects.get(pk=spammer.pk).is_active == (who not in ("moderator", "operator"))
    page = client.get(reverse("moderation:item", args=[item.pk]))
    shown = page.status_code == 200 and "Remove all recent content and ban" in page.content.decode()
    assert shown == (who in ("moderator", "operator") and post_status != 302)


def test_an_account_already_banned_still_has_its_content_swept(item, moderator, spammer):
    from members.standing import member_ban

    member_ban(member=spammer, by=moderator)
    item.snapshot_author.refresh_from_db()
    result = _sweep(item, moderator)
    assert (result.removed, result.banned) == (6, False)
    assert ModerationAction.objects.filter(action="ban").count() == 1


def test_a_sweep_of_an_account_that_no_longer_exists_is_refused_clearly(client, item, moderator, spammer):
    ReviewItem.objects.filter(pk=item.pk).update(snapshot_author=None)
    client.force_login(moderator)
    response = client.get(reverse("moderation:item", args=[item.pk]))
    assert "Remove all recent content and ban" not in response.content.decode()
    response = client.get(reverse("moderation:sweep", args=[item.pk]), follow=True)
    assert "no longer exists" in response.content.decode()


@pytest.mark.parametrize("posts", [1, 30])
def test_the_confirm_page_costs_the_same_queries_for_1_and_30_posts(
    client, member, moderator, space, spammer, posts
):
    made = [PostFactory(space=space, author=spammer) for _ in range(posts)]
    _report(member, made[0])
    item = ReviewItem.objects.get()
    client.force_login(moderator)
    # (sessions live in the cache) 1 the moderator, 2 the moderator's groups, 3 the item with its
    # author, 4 the author's groups (is the author a site moderator?), 5-7 the ids of the author's
    # recent posts, comments and events, 8 the unread count. (Other apps' account banners not counted.)
    with assert_own_queries(8):
        response = client.get(reverse("moderation:sweep", args=[item.pk]))
    assert f"This removes {posts} item" in response.content.decode()
