"""The profile page: who may see it, what they see, and the query count."""

import pytest
from django.urls import reverse

from members.models import Block, ProfileVisibility
from members.services import member_block
from tests.factories import MemberFactory, MembershipFactory, PostFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def profile_url(member):
    return reverse("members:profile", args=[member.pk])


@pytest.fixture
def blocked_member(member):
    """A member whom `member` (the profile owner in these tests) blocked."""
    blocked = MemberFactory(email="blocked@example.org", display_name="Bea Blocked")
    Block.objects.create(blocker=member, blocked=blocked)
    return blocked


@pytest.mark.parametrize("visibility", [ProfileVisibility.MEMBERS, ProfileVisibility.PUBLIC])
@pytest.mark.parametrize(
    ("viewer", "members_only", "public"),
    [
        ("anonymous", "login", 200),
        ("member", 200, 200),
        ("other_member", 200, 200),
        ("blocked_member", 404, 404),
        ("moderator", 200, 200),
        ("operator", 200, 200),
    ],
)
def test_profile_visibility_matrix(request, client, member, visibility, viewer, members_only, public):
    member.profile_visibility = visibility
    member.save(update_fields=["profile_visibility"])
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))

    response = client.get(profile_url(member))

    expected = members_only if visibility == ProfileVisibility.MEMBERS else public
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        assert f"next={profile_url(member)}" in response.url.replace("%2F", "/")
    else:
        assert response.status_code == expected
    if expected == 200:
        assert "Mia Member" in response.content.decode()


def test_a_blocked_moderator_still_sees_the_profile_to_handle_reports(client, member, moderator):
    member_block(blocker=member, blocked=moderator)
    client.force_login(moderator)
    assert client.get(profile_url(member)).status_code == 200


def test_an_unknown_or_deactivated_member_is_a_404(member_client, other_member):
    assert member_client.get(reverse("members:profile", args=[999999])).status_code == 404
    other_member.is_active = False
    other_member.save(update_fields=["is_active"])
    assert member_client.get(profile_url(other_member)).status_code == 404


def test_profile_shows_name_bio_joined_date_and_the_generated_avatar(member_client, other_member):
    other_member.bio = "我喜欢<b>爬山</b>。"
    other_member.save(update_fields=["bio"])

    html = member_client.get(profile_url(other_member)).content.decode()

    assert "王小明" in html
    assert "我喜欢&lt;b&gt;爬山&lt;/b&gt;。" in html
    assert "Joined" in html
    assert '<svg class="avatar"' in html
    assert 'aria-label="王小明"' in html
    assert ">王</text>" in html


@pytest.mark.parametrize(
    ("viewer", "sees_trust_level"),
    [("member", False), ("other_member", False), ("moderator", True), ("operator", True)],
)
def test_the_trust_level_is_shown_only_to_moderators_and_staff(
    request, client, other_member, viewer, sees_trust_level
):
    other_member.trust_level = 2
    other_member.save(update_fields=["trust_level"])
    client.force_login(request.getfixturevalue(viewer))

    html = client.get(profile_url(other_member)).content.decode()

    assert ("Trust level" in html) is sees_trust_level


def test_the_owner_does_not_see_their_own_trust_level(member_client, member):
    assert "Trust level" not in member_client.get(profile_url(member)).content.decode()


def test_recent_posts_are_the_newest_ten_the_viewer_may_read(client, member, other_member):
    public = SpaceFactory(visibility="public")
    private = SpaceFactory(visibility="private", name="Secret garden")
    MembershipFactory(space=private, member=member)
    posts = [PostFactory(space=public, author=member, title=f"Public {i}") for i in range(11)]
    PostFactory(space=private, author=member, title="Private thoughts")
    PostFactory(space=public, author=member, title="Deleted one", deleted_at=posts[0].created_at)
    PostFactory(space=public, author=other_member, title="Not mine")

    client.force_login(other_member)
    html = client.get(profile_url(member)).content.decode()

    assert "Private thoughts" not in html
    assert "Secret garden" not in html
    assert "Deleted one" not in html
    assert "Not mine" not in html
    assert "Public 10" in html
    assert "Public 1<" in html
    assert "Public 0<" not in html  # the eleventh newest is left out

    client.force_login(member)
    assert "Private thoughts" in client.get(profile_url(member)).content.decode()


def test_buttons_to_block_and_mute_are_on_someone_elses_profile_only(member_client, member, other_member):
    others = member_client.get(profile_url(other_member)).content.decode()
    own = member_client.get(profile_url(member)).content.decode()

    assert reverse("members:block", args=[other_member.pk]) in others
    assert reverse("members:mute", args=[other_member.pk]) in others
    assert "Edit your profile" in own
    assert "members:block" not in own and "/block/" not in own


def test_visitors_see_no_block_buttons_on_a_public_profile(client, member):
    member.profile_visibility = ProfileVisibility.PUBLIC
    member.save(update_fields=["profile_visibility"])
    html = client.get(profile_url(member)).content.decode()
    assert "/block/" not in html


@pytest.mark.parametrize("post_count", [1, 12])
def test_profile_page_query_count_does_not_grow_with_posts(
    client, member, other_member, moderator, post_count, django_assert_num_queries
):
    space = SpaceFactory(visibility="public")
    PostFactory.create_batch(post_count, space=space, author=other_member)
    client.force_login(moderator)
    # 1 the viewer (the session lives in the cache), 2 the profile's member, 3 the viewer's moderator
    # group, 4 viewer blocked/muted this member (one query, two EXISTS), 5 the unread inbox count of the
    # site header (content's context processor), 6 the recent posts with their spaces
    with django_assert_num_queries(6):
        response = client.get(profile_url(other_member))
    assert response.status_code == 200
