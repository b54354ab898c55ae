"""S3 finding: anyone who could read a post or comment could open its edit form (only the save was
refused). The form now answers as the save does: the author and the space's moderators get it, another
reader the same 403 the save gives, someone who cannot read it 404, a visitor the sign-in page. The full
role × state table is in test_authorization_matrix.py (rule "editors"); this is the quick version."""

import pytest
from django.urls import reverse

from tests.factories import CommentFactory, MemberFactory, MembershipFactory, PostFactory, SpaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(member, other_member, moderator):
    public = SpaceFactory(slug="forum")
    private = SpaceFactory(slug="cellar", visibility="private")
    space_moderator = MemberFactory()
    MembershipFactory(space=public, member=space_moderator, role="moderator")
    MembershipFactory(space=private, member=member)
    post = PostFactory(space=public, author=member, title="ZqEditMe")
    return {
        "author": member,
        "other": other_member,
        "site_moderator": moderator,
        "space_moderator": space_moderator,
        "post": post,
        "comment": CommentFactory(post=post, author=member),
        "private_post": PostFactory(space=private, author=member),
    }


def opens(client, who, url: str) -> int:
    client.logout()
    if who is not None:
        client.force_login(who)
    return client.get(url).status_code


@pytest.mark.parametrize("target", ["post", "comment"])
def test_the_edit_form_opens_for_the_author_and_moderators_only(client, cast, target):
    name = "content:post_edit" if target == "post" else "content:comment_edit"
    url = reverse(name, args=[cast[target].pk])

    assert opens(client, cast["author"], url) == 200
    assert opens(client, cast["space_moderator"], url) == 200
    assert opens(client, cast["site_moderator"], url) == 200
    assert opens(client, cast["other"], url) == 403  # reads it; the save would answer 403 too
    assert opens(client, None, url) == 302  # sign in first


def test_the_edit_form_of_a_post_in_a_private_space_is_a_404_for_outsiders(client, cast):
    url = reverse("content:post_edit", args=[cast["private_post"].pk])

    assert opens(client, cast["author"], url) == 200
    assert opens(client, cast["other"], url) == 404
    assert opens(client, cast["space_moderator"], url) == 404


def test_the_refused_form_shows_nothing_of_the_post(client, cast):
    client.force_login(cast["other"])

    response = client.get(reverse("content:post_edit", args=[cast["post"].pk]))

    assert response.status_code == 403
    assert "ZqEditMe" not in response.content.decode()
