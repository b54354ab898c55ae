"""Pre-moderation (LEGAL L21): a new member's first posts and every post in a space that requires approval
wait for a moderator; the author sees "waiting for review", nobody else sees the post; approval publishes
and delivers it."""

import pytest
from django.urls import reverse

from content.delivery.models import Outbox
from content.models import ContentStatus, Post
from content.services.comments import comment_create
from content.services.posts import post_publish
from moderation.models import ReviewItem, RuleHit
from moderation.rules import rule_hit_sentence
from moderation.services import review_item_decide
from tests.factories import MemberFactory, MembershipFactory, PostFactory, SpaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.legal("L21")]


@pytest.fixture(autouse=True)
def _first_two_posts(settings):
    settings.MODERATION_PREMODERATE_FIRST_POSTS = 2


@pytest.fixture
def space(db):
    return SpaceFactory(slug="garden", name="Garden")


def publish(author, space, n=0):
    return post_publish(author=author, space=space, title=f"Title {n}", body=f"Body number {n}")


def approve(post, moderator):
    item = ReviewItem.objects.get(kind="post", object_id=post.pk, status__in=["open", "claimed"])
    assert review_item_decide(item=item, by=moderator, action="approve", reason="Fine.", rule="R1")
    post.refresh_from_db()
    return post


def test_a_new_members_first_posts_wait_for_review_with_a_review_item(member, space):
    first, second = publish(member, space, 1), publish(member, space, 2)
    assert first.status == second.status == ContentStatus.PENDING_REVIEW
    items = ReviewItem.objects.filter(kind="post", object_id__in=[first.pk, second.pk])
    assert items.count() == 2
    item = items.get(object_id=first.pk)
    assert item.snapshot_author == member and item.snapshot_title == "Title 1" and item.report_count == 0
    hit = RuleHit.objects.get(review_item=item)
    assert hit.rule == "premoderation"
    assert rule_hit_sentence(hit) == "A new member's first 2 posts wait for a moderator's approval."
    space.refresh_from_db()
    assert space.post_count == 0
    assert not Outbox.objects.filter(kind="post.published").exists()  # nothing is sent yet


def test_once_two_posts_are_approved_the_next_ones_are_published(member, moderator, space, settings):
    settings.POSTING_LIMITS = {**settings.POSTING_LIMITS, 0: {**settings.POSTING_LIMITS[0], "posts": "9/day"}}
    first, second = publish(member, space, 1), publish(member, space, 2)
    approve(first, moderator)
    third = publish(member, space, 3)
    assert third.status == ContentStatus.PENDING_REVIEW  # one approved is not two
    approve(second, moderator)
    assert publish(MemberFactory(), space, 4).status == ContentStatus.PENDING_REVIEW  # others still wait
    later = post_publish(author=member, space=space, title="Later", body="Now I am known")
    assert later.status == ContentStatus.PUBLISHED
    assert not ReviewItem.objects.filter(kind="post", object_id=later.pk).exists()


def test_approval_publishes_and_delivers_the_post(member, moderator, space):
    post = publish(member, space, 1)
    post = approve(post, moderator)
    assert post.status == ContentStatus.PUBLISHED
    assert Outbox.objects.filter(kind="post.published", object_id=post.pk).exists()
    space.refresh_from_db()
    assert space.post_count == 1


def test_members_above_trust_level_0_and_comments_are_not_premoderated(member, space):
    regular = MemberFactory(trust_level=1)
    assert publish(regular, space, 1).status == ContentStatus.PUBLISHED
    comment = comment_create(author=member, post=PostFactory(space=space), body="A first comment")
    assert comment.status == ContentStatus.PUBLISHED


def test_zero_turns_premoderation_off(member, space, settings):
    settings.MODERATION_PREMODERATE_FIRST_POSTS = 0
    assert publish(member, space, 1).status == ContentStatus.PUBLISHED
    assert not ReviewItem.objects.exists()


def test_every_post_in_a_space_requiring_approval_waits_except_its_moderators(space):
    space.requires_approval = True
    space.save(update_fields=["requires_approval"])
    veteran = MemberFactory(trust_level=3)
    post = publish(veteran, space, 1)
    assert post.status == ContentStatus.PENDING_REVIEW
    hit = RuleHit.objects.get(review_item__object_id=post.pk)
    assert hit.rule == "space_approval"
    assert rule_hit_sentence(hit) == "Every post in this space waits for a moderator's approval."
    keeper = MembershipFactory(space=space, role="moderator", member=MemberFactory(trust_level=0)).member
    assert publish(keeper, space, 2).status == ContentStatus.PUBLISHED


def test_a_space_moderator_sees_the_held_post_in_their_queue(space, client):
    space.requires_approval = True
    space.save(update_fields=["requires_approval"])
    keeper = MembershipFactory(space=space, role="moderator").member
    post = publish(MemberFactory(trust_level=2), space, 1)
    item = ReviewItem.objects.get(object_id=post.pk)
    assert item.space_id == space.pk
    client.force_login(keeper)
    assert client.get(reverse("moderation:item", args=[item.pk])).status_code == 200


def test_only_the_author_sees_the_held_post_and_its_waiting_for_review_badge(
    client, member, other_member, moderator, space
):
    post = publish(member, space, 1)
    url = reverse("content:post_detail", args=[post.pk])
    client.force_login(member)
    page = client.get(url).content.decode()
    assert "Waiting for review" in page and "Body number 1" in page
    assert "Title 1" in client.get(reverse("content:space_detail", args=[space.slug])).content.decode()
    for viewer in (other_member, moderator):  # moderators read it in the review queue, not the feed
        client.force_login(viewer)
        assert client.get(url).status_code == 404
        assert (
            "Title 1" not in client.get(reverse("content:space_detail", args=[space.slug])).content.decode()
        )
    client.logout()
    assert client.get(url).status_code == 404


def test_the_form_tells_the_author_a_moderator_will_look_first(member_client, space):
    response = member_client.post(
        reverse("content:post_create", args=[space.slug]),
        {"title": "Hello all", "body": "My very first post", "kind": "discussion"},
        follow=True,
    )
    page = response.content.decode()
    assert "A moderator will look at your post before it appears." in page
    assert "Waiting for review" in page
    assert Post.objects.get().status == ContentStatus.PENDING_REVIEW


def test_the_api_says_the_post_is_pending_review(member, space):
    from tests.api.helpers import JsonClient

    client = JsonClient()
    client.force_login(member)
    response = client.post(f"/api/v1/spaces/{space.slug}/posts/", {"title": "Hi", "body": "First words"})
    assert response.status_code == 201
    assert response.json()["status"] == "pending_review"
