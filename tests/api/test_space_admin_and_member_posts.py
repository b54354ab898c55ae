"""Moderating a space over the API (join requests, deciding them, invitations) and a member's posts."""

import pytest

from content.models import InboxItem, SpaceMembership
from content.services.spaces import space_join
from members.services import member_block
from tests.api.helpers import error_of
from tests.factories import MemberFactory, MembershipFactory, PostFactory, SpaceFactory

WHO = ["member", "other_member", "space_moderator", "moderator", "operator", "anonymous"]

# The private space "inner": other_member is a plain member, space_moderator moderates it, the site
# moderator is not in it (so cannot even see it), member is an outsider.
MATRIX_PRIVATE = [
    ("member", 404),
    ("other_member", 403),
    ("space_moderator", 200),
    ("moderator", 404),
    ("operator", 200),
    ("anonymous", 401),
]
# The public space "garden": everyone reads it; its moderators, site moderators and operators moderate it.
MATRIX_PUBLIC = [
    ("member", 403),
    ("other_member", 403),
    ("space_moderator", 200),
    ("moderator", 200),
    ("operator", 200),
    ("anonymous", 401),
]


@pytest.fixture
def inner(private_space, other_member, space_moderator):
    MembershipFactory(space=private_space, member=other_member)
    MembershipFactory(space=private_space, member=space_moderator, role="moderator")
    return private_space


@pytest.fixture
def applicant(inner):
    applicant = MemberFactory(email="applicant@example.org", display_name="Ada Applicant")
    assert space_join(space=inner, member=applicant).status == "requested"
    return applicant


def requests_url(space):
    return f"/api/v1/spaces/{space.slug}/requests/"


def decide_url(space, member):
    return f"/api/v1/spaces/{space.slug}/requests/{member.pk}/"


def invitations_url(space):
    return f"/api/v1/spaces/{space.slug}/invitations/"


def member_posts_url(member):
    return f"/api/v1/members/{member.pk}/posts/"


# --- Join requests: the list ------------------------------------------------------------------------------


def test_moderators_see_pending_requests_oldest_first(as_member, space_moderator, inner, applicant):
    second = MemberFactory(display_name="Bo Second")
    space_join(space=inner, member=second)
    MembershipFactory(space=inner, status="invited")  # invited, not asking: not listed
    body = as_member(space_moderator).get(requests_url(inner)).json()
    assert [row["member"]["id"] for row in body["results"]] == [applicant.pk, second.pk]
    assert body["results"][0]["member"] == {
        "id": applicant.pk,
        "display_name": "Ada Applicant",
        "avatar_url": "",
    }
    assert body["results"][0]["requested_at"]
    assert "email" not in body["results"][0]["member"]
    assert body["next"] is None


def test_a_space_without_requests_lists_none(as_member, space_moderator, space):
    assert as_member(space_moderator).get(requests_url(space)).json() == {"results": [], "next": None}


@pytest.mark.parametrize(("who", "status"), MATRIX_PRIVATE)
def test_requests_of_a_private_space_are_for_its_moderators(as_member, cast, who, status, inner, applicant):
    response = as_member(cast[who]).get(requests_url(inner))
    assert response.status_code == status
    if status == 200:
        assert [row["member"]["id"] for row in response.json()["results"]] == [applicant.pk]
    else:
        error_of(response)


@pytest.mark.parametrize(("who", "status"), MATRIX_PUBLIC)
def test_requests_of_a_public_space_are_for_its_moderators(as_member, cast, who, status, space):
    response = as_member(cast[who]).get(requests_url(space))
    assert response.status_code == status


def test_request_list_errors_are_json(as_member, api, member, other_member, inner):
    outsider = error_of(as_member(member).get(requests_url(inner)))
    assert outsider == {"code": "not_found", "message": "Not found."}
    not_moderator = error_of(as_member(other_member).get(requests_url(inner)))
    assert not_moderator["code"] == "not_allowed"
    assert error_of(api.get(requests_url(inner)))["code"] == "not_authenticated"
    assert as_member(member).get("/api/v1/spaces/nowhere/requests/").status_code == 404


def test_request_list_pages_by_cursor(as_member, space_moderator, inner):
    for applicant in MemberFactory.create_batch(35):
        space_join(space=inner, member=applicant)
    client = as_member(space_moderator)
    first = client.get(requests_url(inner)).json()
    assert len(first["results"]) == 30
    assert first["next"].startswith("http://testserver/api/v1/spaces/inner/requests/?after=")
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    ids = {row["member"]["id"] for row in first["results"] + second["results"]}
    assert len(ids) == 35


@pytest.mark.parametrize("rows", [1, 50])
def test_request_list_query_count_does_not_grow(
    as_member, space_moderator, inner, rows, django_assert_num_queries
):
    for applicant in MemberFactory.create_batch(rows):
        space_join(space=inner, member=applicant)
    client = as_member(space_moderator)
    # 1 the member (session), 2 the space (readable by me), 3 am I a site moderator (groups),
    # 4 do I moderate this space, 5 the page of requests with the members joined
    with django_assert_num_queries(5):
        response = client.get(requests_url(inner))
    assert len(response.json()["results"]) == min(rows, 30)


# --- Join requests: deciding -------------------------------------------------------------------------------


def test_approving_a_request_lets_the_member_in(as_member, space_moderator, inner, applicant):
    inner.refresh_from_db()
    count = inner.member_count
    response = as_member(space_moderator).post(decide_url(inner, applicant), {"approve": True})
    assert response.status_code == 200
    assert response.json() == {
        "member_id": applicant.pk,
        "approved": True,
        "membership": {"status": "active", "role": "member", "notification_level": "digest"},
    }
    inner.refresh_from_db()
    assert inner.member_count == count + 1
    assert InboxItem.objects.get(recipient=applicant).kind == "space.request_approved"
    assert as_member(applicant).get(f"/api/v1/spaces/{inner.slug}/").status_code == 200
    assert as_member(space_moderator).get(requests_url(inner)).json()["results"] == []


def test_declining_a_request_removes_it(as_member, space_moderator, inner, applicant):
    response = as_member(space_moderator).post(decide_url(inner, applicant), {"approve": False})
    assert response.status_code == 200
    assert response.json() == {"member_id": applicant.pk, "approved": False, "membership": None}
    assert not SpaceMembership.objects.filter(space=inner, member=applicant).exists()
    assert InboxItem.objects.get(recipient=applicant).kind == "space.request_declined"
    assert as_member(applicant).get(f"/api/v1/spaces/{inner.slug}/").status_code == 404


def test_a_decided_or_missing_request_is_404(as_member, space_moderator, other_member, inner, applicant):
    client = as_member(space_moderator)
    assert client.post(decide_url(inner, applicant), {"approve": True}).status_code == 200
    again = client.post(decide_url(inner, applicant), {"approve": False})
    assert again.status_code == 404
    assert error_of(again) == {"code": "not_found", "message": "This member has no pending request to join."}
    assert SpaceMembership.objects.get(space=inner, member=applicant).status == "active"  # unchanged
    # An active member has no request to decide, nor has an unknown id.
    assert client.post(decide_url(inner, other_member), {"approve": False}).status_code == 404
    assert client.post(f"{requests_url(inner)}987654/", {"approve": True}).status_code == 404
    assert SpaceMembership.objects.filter(space=inner, member=other_member, status="active").exists()


@pytest.mark.parametrize(("who", "status"), MATRIX_PRIVATE)
def test_deciding_a_request_is_for_the_moderators(as_member, cast, who, status, inner, applicant):
    response = as_member(cast[who]).post(decide_url(inner, applicant), {"approve": True})
    assert response.status_code == status
    if status != 200:
        error_of(response)
    membership = SpaceMembership.objects.get(space=inner, member=applicant)
    assert membership.status == ("active" if status == 200 else "requested")
    assert InboxItem.objects.filter(recipient=applicant).exists() == (status == 200)


@pytest.mark.parametrize(("who", "status"), MATRIX_PUBLIC)
def test_deciding_in_a_public_space_is_for_its_moderators(as_member, cast, who, status, space):
    asker = MembershipFactory(space=space, status="requested").member
    response = as_member(cast[who]).post(decide_url(space, asker), {"approve": False})
    assert response.status_code == status
    assert SpaceMembership.objects.filter(space=space, member=asker).exists() == (status != 200)


def test_a_member_cannot_answer_their_own_request(as_member, inner, applicant):
    response = as_member(applicant).post(decide_url(inner, applicant), {"approve": True})
    assert response.status_code == 404  # the space is still closed to them
    assert SpaceMembership.objects.get(space=inner, member=applicant).status == "requested"


def test_deciding_needs_a_boolean(as_member, space_moderator, inner, applicant):
    client = as_member(space_moderator)
    for payload in [{}, {"approve": "perhaps"}]:
        response = client.post(decide_url(inner, applicant), payload)
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "invalid"
        assert set(error["fields"]) == {"approve"}
    assert SpaceMembership.objects.get(space=inner, member=applicant).status == "requested"


def test_decide_answers_other_methods_with_a_json_405(as_member, space_moderator, inner, applicant):
    response = as_member(space_moderator).get(decide_url(inner, applicant))
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert response["Allow"] == "POST, OPTIONS"


# --- Invitations -----------------------------------------------------------------------------------------


def test_a_moderator_invites_a_member_by_email(as_member, space_moderator, member, inner):
    response = as_member(space_moderator).post(invitations_url(inner), {"email": " MEMBER@example.org "})
    assert response.status_code == 201
    assert response.json() == {
        "member": {"id": member.pk, "display_name": "Mia Member", "avatar_url": ""},
        "status": "invited",
        "role": "member",
    }
    membership = SpaceMembership.objects.get(space=inner, member=member)
    assert membership.invited_by == space_moderator
    assert InboxItem.objects.get(recipient=member).kind == "space.invited"
    # Accepting is joining.
    assert as_member(member).post(f"/api/v1/spaces/{inner.slug}/join/").json()["status"] == "active"


def test_inviting_someone_who_asked_lets_them_in(as_member, space_moderator, inner, applicant):
    response = as_member(space_moderator).post(invitations_url(inner), {"email": applicant.email})
    assert response.status_code == 201
    assert response.json()["status"] == "active"
    assert as_member(space_moderator).get(requests_url(inner)).json()["results"] == []


def test_inviting_an_unknown_address_is_404_with_the_reason(as_member, space_moderator, inner):
    response = as_member(space_moderator).post(invitations_url(inner), {"email": "nobody@example.org"})
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "No member has that email address."}
    assert not InboxItem.objects.exists()


def test_an_invalid_address_is_400_by_field(as_member, space_moderator, inner):
    response = as_member(space_moderator).post(invitations_url(inner), {"email": "not an address"})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"email"}


@pytest.mark.parametrize(("who", "status"), MATRIX_PRIVATE)
def test_inviting_is_for_the_moderators(as_member, cast, who, status, inner):
    invitee = MemberFactory(email="invitee@example.org")
    response = as_member(cast[who]).post(invitations_url(inner), {"email": invitee.email})
    assert response.status_code == (201 if status == 200 else status)
    if status != 200:
        error_of(response)
    assert SpaceMembership.objects.filter(space=inner, member=invitee).exists() == (status == 200)


@pytest.mark.parametrize(("who", "status"), MATRIX_PUBLIC)
def test_inviting_to_a_public_space_is_for_its_moderators(as_member, cast, who, status, space):
    invitee = MemberFactory(email="invitee@example.org")
    response = as_member(cast[who]).post(invitations_url(space), {"email": invitee.email})
    assert response.status_code == (201 if status == 200 else status)


def test_non_moderators_cannot_probe_email_addresses(as_member, other_member, inner):
    """Whether an address belongs to a member is told to moderators only."""
    response = as_member(other_member).post(invitations_url(inner), {"email": "nobody@example.org"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "not_allowed"


# --- A member's posts ------------------------------------------------------------------------------------


@pytest.fixture
def author(other_member):
    """other_member, with a public profile so visitors can see it."""
    other_member.profile_visibility = "public"
    other_member.save()
    return other_member


def test_a_members_posts_newest_first_only_theirs(as_member, member, author, space):
    older = PostFactory(space=space, author=author, title="Older")
    newer = PostFactory(space=space, author=author, title="Newer")
    PostFactory(space=space, author=member)  # someone else's
    PostFactory(space=space, author=author, deleted_at=older.created_at)  # deleted
    body = as_member(member).get(member_posts_url(author)).json()
    assert [p["id"] for p in body["results"]] == [newer.pk, older.pk]
    assert body["results"][0]["author"]["id"] == author.pk
    assert body["results"][0]["space"] == {"slug": "garden", "name": "Garden"}
    assert body["next"] is None


def test_a_members_posts_page_by_cursor_without_repeats(as_member, member, author, space):
    PostFactory.create_batch(35, space=space, author=author)
    client = as_member(member)
    first = client.get(member_posts_url(author)).json()
    assert len(first["results"]) == 30
    assert first["next"].startswith(f"http://testserver/api/v1/members/{author.pk}/posts/?after=")
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert len({p["id"] for p in first["results"] + second["results"]}) == 35


@pytest.mark.parametrize(
    ("who", "sees_private"),
    [
        ("member", False),  # an outsider to the private space
        ("other_member", True),  # the author, a member of it
        ("space_moderator", True),  # moderates it
        ("moderator", False),  # a site moderator is not a member of every private space
        ("operator", True),
        ("anonymous", False),
    ],
)
def test_private_space_posts_never_reach_outsiders(as_member, cast, who, sees_private, author, inner, space):
    public = PostFactory(space=space, author=author)
    secret = PostFactory(space=inner, author=author, title="Inner news")
    members_only = PostFactory(space=SpaceFactory(visibility="members"), author=author)
    response = as_member(cast[who]).get(member_posts_url(author))
    assert response.status_code == 200
    ids = {p["id"] for p in response.json()["results"]}
    expected = {public.pk} if who == "anonymous" else {public.pk, members_only.pk}
    if sees_private:
        expected.add(secret.pk)
    assert ids == expected
    assert ("Inner news" in response.content.decode()) == sees_private


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),
        ("other_member", 200),  # themselves
        ("space_moderator", 200),
        ("moderator", 200),
        ("operator", 200),
        ("anonymous", 401),  # a members-only profile
    ],
)
def test_a_members_only_profile_hides_its_posts_from_visitors(
    as_member, cast, who, status, other_member, space
):
    PostFactory(space=space, author=other_member)
    response = as_member(cast[who]).get(member_posts_url(other_member))
    assert response.status_code == status
    if status == 401:
        assert error_of(response) == {"code": "not_authenticated", "message": "Sign in to see this profile."}
    else:
        assert len(response.json()["results"]) == 1


def test_a_member_who_blocked_me_hides_their_posts(as_member, member, moderator, author, space):
    PostFactory(space=space, author=author)
    member_block(blocker=author, blocked=member)
    response = as_member(member).get(member_posts_url(author))
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "Not found."}
    assert len(as_member(moderator).get(member_posts_url(author)).json()["results"]) == 1
    # Blocking works one way: the author still sees the posts of the member they blocked.
    assert as_member(author).get(member_posts_url(member)).status_code == 200


def test_unknown_and_deactivated_members_are_404(as_member, member, moderator, author):
    assert error_of(as_member(member).get("/api/v1/members/987654/posts/"))["code"] == "not_found"
    author.is_active = False
    author.save()
    assert as_member(member).get(member_posts_url(author)).status_code == 404
    assert as_member(moderator).get(member_posts_url(author)).status_code == 200


def test_posts_waiting_for_review_show_only_to_their_author(as_member, member, author, space):
    PostFactory(space=space, author=author, status="pending_review")
    assert len(as_member(author).get(member_posts_url(author)).json()["results"]) == 1
    assert as_member(member).get(member_posts_url(author)).json()["results"] == []


@pytest.mark.parametrize("rows", [1, 50])
def test_member_posts_query_count_does_not_grow(
    as_member, member, author, space, rows, django_assert_num_queries
):
    PostFactory.create_batch(rows, space=space, author=author)
    client = as_member(member)
    # 1 the member (session), 2 the author, 3 am I a site moderator (groups), 4 did the author block me,
    # 5 the page of posts with space and author (readable spaces as a subquery), 6 reaction counts,
    # 7 my reactions, 8 whom I muted
    with django_assert_num_queries(8):
        response = client.get(member_posts_url(author))
    assert len(response.json()["results"]) == min(rows, 30)


@pytest.mark.parametrize("rows", [1, 50])
def test_member_posts_query_count_for_visitors_does_not_grow(
    api, author, space, rows, django_assert_num_queries
):
    PostFactory.create_batch(rows, space=space, author=author)
    # 1 the author, 2 the page of posts with space and author, 3 reaction counts
    with django_assert_num_queries(3):
        response = api.get(member_posts_url(author))
    assert len(response.json()["results"]) == min(rows, 30)
