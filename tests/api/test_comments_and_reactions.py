"""Comments (the thread, replies, edit, delete) and reactions over the API."""

import pytest

from content.models import Comment, Reaction
from tests.factories import CommentFactory, MemberFactory, MembershipFactory, PostFactory

MATRIX_AUTHOR_OR_MODERATOR = [
    ("member", 200),  # the author
    ("other_member", 403),
    ("space_moderator", 200),
    ("moderator", 200),
    ("operator", 200),
    ("anonymous", 401),
]


@pytest.fixture
def post(other_member, space):
    return PostFactory(space=space, author=other_member)


@pytest.fixture
def comment(member, post):
    return CommentFactory(post=post, author=member, body="First!")


def test_the_thread_nests_replies_under_their_comment(api, post, comment, other_member):
    reply = CommentFactory(post=post, author=other_member, parent=comment)
    second = CommentFactory(post=post)
    response = api.get(f"/api/v1/posts/{post.pk}/comments/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [c["id"] for c in results] == [comment.pk, second.pk]
    assert [r["id"] for r in results[0]["replies"]] == [reply.pk]
    assert results[0]["replies"][0]["parent"] == comment.pk


@pytest.mark.parametrize("rows", [1, 50])
def test_thread_query_count_does_not_grow(as_member, member, post, rows, django_assert_num_queries):
    comments = CommentFactory.create_batch(rows, post=post)
    CommentFactory(post=post, parent=comments[0])
    Reaction.objects.create(member=member, comment=comments[0], kind="heart")
    client = as_member(member)
    # 1 the member, 2-5 the post (readable) with its reaction counts, my reactions, muted members,
    # 6-9 the comments (readable) with their reaction counts, my reactions, muted members
    with django_assert_num_queries(9):
        response = client.get(f"/api/v1/posts/{post.pk}/comments/")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize(
    ("who", "status"), [("member", 404), ("other_member", 200), ("operator", 200), ("anonymous", 404)]
)
def test_private_comments_are_404_for_outsiders(as_member, cast, who, status, private_space, other_member):
    MembershipFactory(space=private_space, member=other_member)
    secret_post = PostFactory(space=private_space)
    secret = CommentFactory(post=secret_post)
    client = as_member(cast[who])
    assert client.get(f"/api/v1/posts/{secret_post.pk}/comments/").status_code == status
    assert client.get(f"/api/v1/comments/{secret.pk}/").status_code == status
    if cast[who] is not None and status == 404:
        assert client.post(f"/api/v1/posts/{secret_post.pk}/comments/", {"body": "hi"}).status_code == 404
        assert client.post(f"/api/v1/comments/{secret.pk}/reactions/", {"kind": "like"}).status_code == 404


def test_a_member_comments_and_replies(as_member, member, post, comment, other_member):
    client = as_member(other_member)
    top = client.post(f"/api/v1/posts/{post.pk}/comments/", {"body": "Nice 🌱"})
    assert top.status_code == 201
    assert top.json()["parent"] is None
    reply = client.post(f"/api/v1/posts/{post.pk}/comments/", {"body": "Agreed", "parent": comment.pk})
    assert reply.status_code == 201
    assert reply.json()["parent"] == comment.pk
    # A reply to a reply joins the thread of the top comment (one level).
    nested = client.post(
        f"/api/v1/posts/{post.pk}/comments/", {"body": "Me too", "parent": reply.json()["id"]}
    )
    assert nested.json()["parent"] == comment.pk


def test_an_unknown_parent_is_a_field_error(as_member, member, post):
    response = as_member(member).post(f"/api/v1/posts/{post.pk}/comments/", {"body": "x", "parent": 99999})
    assert response.status_code == 400
    assert "parent" in response.json()["error"]["fields"]
    assert not Comment.objects.exists()


def test_anonymous_cannot_comment(api, post):
    response = api.post(f"/api/v1/posts/{post.pk}/comments/", {"body": "hi"})
    assert response.status_code == 401


def test_a_blocked_member_cannot_reply(as_member, member, post, other_member):
    from members.services import member_block

    member_block(blocker=other_member, blocked=member)
    response = as_member(member).post(f"/api/v1/posts/{post.pk}/comments/", {"body": "hello"})
    assert response.status_code == 403


def test_an_over_long_comment_is_a_field_error(as_member, member, post):
    response = as_member(member).post(f"/api/v1/posts/{post.pk}/comments/", {"body": "x" * 10001})
    assert response.status_code == 400
    assert "10000" in response.json()["error"]["fields"]["body"][0]


@pytest.mark.parametrize(("who", "status"), MATRIX_AUTHOR_OR_MODERATOR)
def test_comment_edit_is_for_the_author_and_moderators(as_member, cast, who, status, comment):
    response = as_member(cast[who]).patch(f"/api/v1/comments/{comment.pk}/", {"body": "Second thoughts"})
    assert response.status_code == status
    comment.refresh_from_db()
    assert (comment.body == "Second thoughts") == (status == 200)


@pytest.mark.parametrize(("who", "status"), MATRIX_AUTHOR_OR_MODERATOR)
def test_comment_delete_is_for_the_author_and_moderators(as_member, cast, who, status, comment):
    response = as_member(cast[who]).delete(f"/api/v1/comments/{comment.pk}/")
    assert response.status_code == (204 if status == 200 else status)
    comment.refresh_from_db()
    assert comment.is_deleted == (status == 200)


# --- Reactions --------------------------------------------------------------------------------------------


def test_reacting_twice_with_the_same_kind_takes_it_back(as_member, member, post):
    client = as_member(member)
    first = client.post(f"/api/v1/posts/{post.pk}/reactions/", {"kind": "like"}).json()
    assert first["my_reaction"] == "like"
    assert first["reaction_count"] == 1
    assert first["reactions"] == [{"kind": "like", "emoji": "👍", "count": 1}]
    second = client.post(f"/api/v1/posts/{post.pk}/reactions/", {"kind": "like"}).json()
    assert second["my_reaction"] is None
    assert second["reaction_count"] == 0
    assert Reaction.objects.count() == 0


def test_another_kind_replaces_the_reaction_and_counts_once(as_member, member, post):
    client = as_member(member)
    client.post(f"/api/v1/posts/{post.pk}/reactions/", {"kind": "like"})
    body = client.post(f"/api/v1/posts/{post.pk}/reactions/", {"kind": "heart"}).json()
    assert body["my_reaction"] == "heart"
    assert body["reaction_count"] == 1
    assert Reaction.objects.get().kind == "heart"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),
        ("other_member", 200),
        ("space_moderator", 200),
        ("moderator", 200),
        ("operator", 200),
        ("anonymous", 401),
    ],
)
def test_any_signed_in_member_reacts_to_a_comment(as_member, cast, who, status, comment):
    response = as_member(cast[who]).post(f"/api/v1/comments/{comment.pk}/reactions/", {"kind": "thanks"})
    assert response.status_code == status
    if status == 200:
        assert response.json()["my_reaction"] == "thanks"


def test_an_unknown_reaction_kind_is_a_field_error(as_member, member, post):
    response = as_member(member).post(f"/api/v1/posts/{post.pk}/reactions/", {"kind": "angry"})
    assert response.status_code == 400
    assert "kind" in response.json()["error"]["fields"]


def test_a_muted_authors_comment_is_collapsed(as_member, member, post):
    from members.services import member_mute

    noisy = MemberFactory()
    CommentFactory(post=post, author=noisy)
    member_mute(muter=member, muted=noisy)
    results = as_member(member).get(f"/api/v1/posts/{post.pk}/comments/").json()["results"]
    assert results[0]["collapsed"] is True
