"""Feeds and posts over the API: the same selectors and services as the pages."""

import pytest

from content.models import Post, PostKind, Reaction
from tests.factories import MembershipFactory, PostFactory, SpaceFactory

MATRIX_AUTHOR_OR_MODERATOR = [
    ("member", 200),  # the author
    ("other_member", 403),
    ("space_moderator", 200),
    ("moderator", 200),
    ("operator", 200),
    ("anonymous", 401),
]
MATRIX_MODERATORS = [
    ("member", 403),
    ("other_member", 403),
    ("space_moderator", 200),
    ("moderator", 200),
    ("operator", 200),
    ("anonymous", 401),
]


@pytest.fixture
def post(member, space):
    MembershipFactory(space=space, member=member)
    return PostFactory(space=space, author=member, title="Seeds to swap", body="Tomatoes and beans.")


# --- Feeds -----------------------------------------------------------------------------------------------


def test_home_feed_shows_posts_of_my_spaces_with_a_cursor(as_member, member, space):
    MembershipFactory(space=space, member=member)
    PostFactory.create_batch(3, space=space)
    PostFactory(space=SpaceFactory())  # not my space
    client = as_member(member)
    first = client.get("/api/v1/feed/").json()
    assert len(first["results"]) == 3
    assert first["next"] is None


def test_space_feed_pages_by_cursor_without_repeats(as_member, member, space, settings):
    PostFactory.create_batch(35, space=space)
    pinned = PostFactory(space=space, is_pinned=True)
    client = as_member(member)
    first = client.get(f"/api/v1/spaces/{space.slug}/posts/").json()
    assert len(first["results"]) == 30
    assert [p["id"] for p in first["pinned"]] == [pinned.pk]
    assert first["next"].startswith("http://testserver/api/v1/spaces/garden/posts/?after=")
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert second["pinned"] == []
    ids = [p["id"] for p in first["results"] + second["results"]]
    assert len(set(ids)) == 35
    assert pinned.pk not in ids


def test_a_malformed_cursor_gives_the_first_page(api, space):
    PostFactory(space=space)
    response = api.get(f"/api/v1/spaces/{space.slug}/posts/?after=%F0%9F%98%80_not_a_cursor")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_visitors_read_public_feeds_only(api, space):
    PostFactory(space=space)
    members_only = SpaceFactory(visibility="members")
    PostFactory(space=members_only)
    assert len(api.get("/api/v1/feed/").json()["results"]) == 1
    assert api.get(f"/api/v1/spaces/{members_only.slug}/posts/").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 404),
        ("other_member", 200),  # a member of the private space
        ("moderator", 404),  # a site moderator is not a member of every private space
        ("operator", 200),
        ("anonymous", 404),
    ],
)
def test_a_private_space_feed_is_404_for_outsiders(as_member, cast, who, status, private_space, other_member):
    MembershipFactory(space=private_space, member=other_member)
    PostFactory(space=private_space)
    response = as_member(cast[who]).get(f"/api/v1/spaces/{private_space.slug}/posts/")
    assert response.status_code == status
    if who == "member":
        assert as_member(cast[who]).get("/api/v1/feed/").json()["results"] == []


@pytest.mark.parametrize("rows", [1, 50])
def test_home_feed_query_count_does_not_grow(as_member, member, space, rows, django_assert_num_queries):
    MembershipFactory(space=space, member=member)
    posts = PostFactory.create_batch(rows, space=space)
    Reaction.objects.create(member=member, post=posts[0], kind="like")
    client = as_member(member)
    # 1 the member (session auth), 2 the page of posts with space and author (visibility and my
    # spaces as subqueries), 3 reaction counts, 4 my reactions, 5 whom I muted
    with django_assert_num_queries(5):
        response = client.get("/api/v1/feed/")
    assert len(response.json()["results"]) == min(rows, 30)


@pytest.mark.parametrize("rows", [1, 50])
def test_space_feed_query_count_does_not_grow(as_member, member, space, rows, django_assert_num_queries):
    PostFactory.create_batch(rows, space=space)
    PostFactory(space=space, is_pinned=True)
    client = as_member(member)
    # 1 the member, 2 the space (readable by me), 3-6 the page: posts, reaction counts, my reactions,
    # muted members, 7-10 the pinned posts: the same four
    with django_assert_num_queries(10):
        response = client.get(f"/api/v1/spaces/{space.slug}/posts/")
    assert len(response.json()["results"]) == min(rows, 30)


# --- Create ----------------------------------------------------------------------------------------------


def test_a_member_publishes_a_post(as_member, member, space):
    response = as_member(member).post(
        f"/api/v1/spaces/{space.slug}/posts/", {"title": "Hello", "body": "**Bold** move"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Hello"
    assert "<strong>Bold</strong>" in body["body_html"]
    assert body["author"]["id"] == member.pk
    assert body["space"] == {"slug": "garden", "name": "Garden"}
    assert body["status"] == "published"
    assert body["reactions"] == [] and body["my_reaction"] is None
    assert Post.objects.get(pk=body["id"]).author == member


def test_posting_in_a_private_space_is_404_for_outsiders(as_member, member, private_space):
    response = as_member(member).post(
        f"/api/v1/spaces/{private_space.slug}/posts/", {"title": "Hi", "body": "Let me in"}
    )
    assert response.status_code == 404
    assert not Post.objects.exists()


def test_a_moderators_only_space_refuses_members_with_space_closed(as_member, member, space_moderator, space):
    space.posting_policy = "moderators"
    space.save()
    response = as_member(member).post(f"/api/v1/spaces/{space.slug}/posts/", {"title": "Hi", "body": "x y"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "space_closed"
    ok = as_member(space_moderator).post(
        f"/api/v1/spaces/{space.slug}/posts/", {"title": "News", "body": "z", "kind": "announcement"}
    )
    assert ok.status_code == 201


def test_only_moderators_post_announcements(as_member, member, space):
    response = as_member(member).post(
        f"/api/v1/spaces/{space.slug}/posts/", {"title": "News", "body": "z", "kind": "announcement"}
    )
    assert response.status_code == 403


# --- Detail, edit, delete, pin, promotional --------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["member", "other_member", "space_moderator", "moderator", "operator", "anonymous"]
)
def test_anyone_reads_a_post_of_a_public_space(as_member, cast, who, post):
    response = as_member(cast[who]).get(f"/api/v1/posts/{post.pk}/")
    assert response.status_code == 200
    assert response.json()["title"] == "Seeds to swap"


@pytest.mark.parametrize(
    ("who", "status"), [("member", 404), ("other_member", 200), ("operator", 200), ("anonymous", 404)]
)
def test_a_private_post_is_404_for_outsiders(as_member, cast, who, status, private_space, other_member):
    MembershipFactory(space=private_space, member=other_member)
    secret = PostFactory(space=private_space, author=other_member)
    client = as_member(cast[who])
    assert client.get(f"/api/v1/posts/{secret.pk}/").status_code == status
    if status == 404 and cast[who] is not None:
        assert client.patch(f"/api/v1/posts/{secret.pk}/", {"title": "x"}).status_code == 404
        assert client.delete(f"/api/v1/posts/{secret.pk}/").status_code == 404
        assert client.post(f"/api/v1/posts/{secret.pk}/reactions/", {"kind": "like"}).status_code == 404


@pytest.mark.parametrize(("who", "status"), MATRIX_AUTHOR_OR_MODERATOR)
def test_edit_is_for_the_author_and_moderators(as_member, cast, who, status, post):
    response = as_member(cast[who]).patch(f"/api/v1/posts/{post.pk}/", {"body": "Tomatoes, beans and peas."})
    assert response.status_code == status
    post.refresh_from_db()
    assert (post.body == "Tomatoes, beans and peas.") == (status == 200)
    if status == 200:
        assert response.json()["title"] == "Seeds to swap"  # left out: unchanged
        assert post.revisions.count() == 1


@pytest.mark.parametrize(("who", "status"), MATRIX_AUTHOR_OR_MODERATOR)
def test_delete_is_for_the_author_and_moderators(as_member, cast, who, status, post):
    response = as_member(cast[who]).delete(f"/api/v1/posts/{post.pk}/")
    assert response.status_code == (204 if status == 200 else status)
    post.refresh_from_db()
    assert post.is_deleted == (status == 200)
    if status == 200:
        assert as_member(cast[who]).get(f"/api/v1/posts/{post.pk}/").status_code == 404


@pytest.mark.parametrize(("who", "status"), MATRIX_MODERATORS)
def test_pin_is_for_moderators_and_idempotent(as_member, cast, who, status, post):
    client = as_member(cast[who])
    response = client.put(f"/api/v1/posts/{post.pk}/pin/", {"pinned": True})
    assert response.status_code == status
    if status == 200:
        assert response.json()["is_pinned"] is True
        assert client.put(f"/api/v1/posts/{post.pk}/pin/", {"pinned": True}).json()["is_pinned"] is True
        assert client.put(f"/api/v1/posts/{post.pk}/pin/", {"pinned": False}).json()["is_pinned"] is False


@pytest.mark.parametrize(("who", "status"), MATRIX_MODERATORS)
def test_promotional_is_for_moderators_on_announcements(as_member, cast, who, status, post):
    post.kind = PostKind.ANNOUNCEMENT
    post.save()
    response = as_member(cast[who]).put(f"/api/v1/posts/{post.pk}/promotional/", {"promotional": True})
    assert response.status_code == status
    post.refresh_from_db()
    assert post.is_promotional == (status == 200)


def test_a_discussion_cannot_be_promotional(as_member, space_moderator, post):
    response = as_member(space_moderator).put(f"/api/v1/posts/{post.pk}/promotional/", {"promotional": True})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "content_error"


def test_pin_needs_a_boolean(as_member, space_moderator, post):
    response = as_member(space_moderator).put(f"/api/v1/posts/{post.pk}/pin/", {"pinned": "sideways"})
    assert response.status_code == 400
    assert "pinned" in response.json()["error"]["fields"]
