"""Spaces (list, detail, join, leave, notifications), profiles, the member's settings, blocks and mutes."""

import pytest

from content.models import SpaceMembership
from members.models import Block, Mute
from members.services import member_block, member_mute
from tests.factories import MemberFactory, MembershipFactory, SpaceFactory

# --- Spaces -----------------------------------------------------------------------------------------------


def test_spaces_list_shows_readable_spaces_with_my_membership(as_member, member, space, private_space):
    MembershipFactory(space=space, member=member)
    SpaceFactory(slug="members-room", name="Members room", visibility="members")
    body = as_member(member).get("/api/v1/spaces/").json()
    assert [(s["slug"], s["is_member"]) for s in body["results"]] == [
        ("garden", True),
        ("members-room", False),
    ]
    assert body["next"] is None


def test_visitors_see_only_public_spaces(api, space, private_space):
    SpaceFactory(visibility="members")
    assert [s["slug"] for s in api.get("/api/v1/spaces/").json()["results"]] == ["garden"]


@pytest.mark.parametrize("rows", [1, 50])
def test_spaces_list_query_count_does_not_grow(as_member, member, rows, django_assert_num_queries):
    SpaceFactory.create_batch(rows)
    client = as_member(member)
    # 1 the member, 2 the page of spaces with my membership (EXISTS) and the private ones I am in
    with django_assert_num_queries(2):
        response = client.get("/api/v1/spaces/")
    assert len(response.json()["results"]) == min(rows, 30)


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 404), ("other_member", 200), ("moderator", 404), ("operator", 200), ("anonymous", 404)],
)
def test_a_private_space_is_404_for_outsiders(as_member, cast, who, status, private_space, other_member):
    MembershipFactory(space=private_space, member=other_member)
    response = as_member(cast[who]).get(f"/api/v1/spaces/{private_space.slug}/")
    assert response.status_code == status


def test_space_detail_tells_my_membership_and_role(as_member, space_moderator, space):
    body = as_member(space_moderator).get(f"/api/v1/spaces/{space.slug}/").json()
    assert body["membership"] == {"status": "active", "role": "moderator", "notification_level": "digest"}
    assert body["moderates"] is True


def test_join_and_leave_a_public_space(as_member, member, space):
    client = as_member(member)
    joined = client.post(f"/api/v1/spaces/{space.slug}/join/")
    assert joined.status_code == 200
    assert joined.json()["status"] == "active"
    assert client.post(f"/api/v1/spaces/{space.slug}/join/").json()["status"] == "active"  # idempotent
    space.refresh_from_db()
    assert space.member_count == 1
    assert client.post(f"/api/v1/spaces/{space.slug}/leave/").status_code == 204
    assert not SpaceMembership.objects.filter(member=member).exists()


def test_joining_a_private_space_asks_the_moderators(as_member, member, private_space):
    response = as_member(member).post(f"/api/v1/spaces/{private_space.slug}/join/")
    assert response.status_code == 200
    assert response.json()["status"] == "requested"
    # Asking does not open the door.
    assert as_member(member).get(f"/api/v1/spaces/{private_space.slug}/").status_code == 404


def test_anonymous_cannot_join(api, space):
    assert api.post(f"/api/v1/spaces/{space.slug}/join/").status_code == 401


def test_notification_level_is_for_members_of_the_space(as_member, member, other_member, space):
    MembershipFactory(space=space, member=member)
    response = as_member(member).put(f"/api/v1/spaces/{space.slug}/notifications/", {"level": "all"})
    assert response.status_code == 200
    assert response.json()["notification_level"] == "all"
    outsider = as_member(other_member).put(f"/api/v1/spaces/{space.slug}/notifications/", {"level": "all"})
    assert outsider.status_code == 403
    bad = as_member(member).put(f"/api/v1/spaces/{space.slug}/notifications/", {"level": "loud"})
    assert bad.status_code == 400
    assert "level" in bad.json()["error"]["fields"]


# --- Profiles ---------------------------------------------------------------------------------------------


def test_a_profile_shows_what_the_page_shows(as_member, member, other_member):
    body = as_member(member).get(f"/api/v1/members/{other_member.pk}/").json()
    assert body["display_name"] == "王小明"
    assert body["trust_level"] is None  # only moderators see it
    assert body["relation"] == {"blocked": False, "muted": False}
    assert "email" not in body


def test_moderators_see_the_trust_level(as_member, moderator, other_member):
    assert as_member(moderator).get(f"/api/v1/members/{other_member.pk}/").json()["trust_level"] == 0


def test_a_members_only_profile_is_401_for_visitors_and_a_public_one_is_not(api, member, other_member):
    assert api.get(f"/api/v1/members/{other_member.pk}/").status_code == 401
    member.profile_visibility = "public"
    member.save()
    body = api.get(f"/api/v1/members/{member.pk}/").json()
    assert body["display_name"] == "Mia Member"
    assert body["relation"] is None


def test_a_member_who_blocked_me_is_404(as_member, member, other_member, moderator):
    member_block(blocker=other_member, blocked=member)
    response = as_member(member).get(f"/api/v1/members/{other_member.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert as_member(moderator).get(f"/api/v1/members/{other_member.pk}/").status_code == 200


# --- Me ---------------------------------------------------------------------------------------------------


def test_me_shows_my_settings(as_member, member):
    body = as_member(member).get("/api/v1/me/").json()
    assert body["email"] == "member@example.org"
    assert body["timezone"] == "Asia/Shanghai"


def test_me_changes_only_what_is_sent(as_member, member):
    response = as_member(member).patch("/api/v1/me/", {"bio": "I grow tomatoes 🍅", "language": "zh-hans"})
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.bio == "I grow tomatoes 🍅"
    assert member.language == "zh-hans"
    assert member.display_name == "Mia Member"


@pytest.mark.parametrize(
    "payload",
    [
        {"timezone": "Mars/Olympus"},
        {"language": "tlh"},
        {"display_name": "   "},
        {"display_name": "x" * 61},
        {"bio": "x" * 501},
        {"profile_visibility": "everyone"},
    ],
)
def test_me_refuses_bad_settings_field_by_field(as_member, member, payload):
    response = as_member(member).patch("/api/v1/me/", payload)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == set(payload)


def test_me_is_401_for_visitors(api, db):
    assert api.get("/api/v1/me/").status_code == 401
    assert api.patch("/api/v1/me/", {"bio": "x"}).status_code == 401


# --- Blocks and mutes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["blocks", "mutes"])
def test_add_list_and_remove_blocks_and_mutes(as_member, member, other_member, kind):
    client = as_member(member)
    added = client.post(f"/api/v1/me/{kind}/", {"member": other_member.pk})
    assert added.status_code == 201
    assert client.post(f"/api/v1/me/{kind}/", {"member": other_member.pk}).status_code == 200  # again
    listed = client.get(f"/api/v1/me/{kind}/").json()
    assert [row["member"]["id"] for row in listed["results"]] == [other_member.pk]
    assert client.delete(f"/api/v1/me/{kind}/{other_member.pk}/").status_code == 204
    assert client.delete(f"/api/v1/me/{kind}/{other_member.pk}/").status_code == 204  # idempotent
    assert client.get(f"/api/v1/me/{kind}/").json()["results"] == []
    assert not Block.objects.exists() and not Mute.objects.exists()


@pytest.mark.parametrize("kind", ["blocks", "mutes"])
def test_blocking_an_unknown_member_is_404(as_member, member, kind):
    response = as_member(member).post(f"/api/v1/me/{kind}/", {"member": 987654})
    assert response.status_code == 404


@pytest.mark.parametrize("kind", ["blocks", "mutes"])
def test_blocks_and_mutes_are_401_for_visitors(api, other_member, kind):
    assert api.get(f"/api/v1/me/{kind}/").status_code == 401
    assert api.post(f"/api/v1/me/{kind}/", {"member": other_member.pk}).status_code == 401


def test_my_blocks_are_mine_alone(as_member, member, other_member):
    member_block(blocker=other_member, blocked=MemberFactory())
    assert as_member(member).get("/api/v1/me/blocks/").json()["results"] == []


@pytest.mark.parametrize("kind", ["blocks", "mutes"])
@pytest.mark.parametrize("rows", [1, 50])
def test_block_and_mute_lists_query_count_does_not_grow(
    as_member, member, kind, rows, django_assert_num_queries
):
    for other in MemberFactory.create_batch(rows):
        (
            member_block(blocker=member, blocked=other)
            if kind == "blocks"
            else member_mute(muter=member, muted=other)
        )
    client = as_member(member)
    # 1 the member, 2 the page of blocks (or mutes) with the other member joined
    with django_assert_num_queries(2):
        response = client.get(f"/api/v1/me/{kind}/")
    assert len(response.json()["results"]) == min(rows, 30)
