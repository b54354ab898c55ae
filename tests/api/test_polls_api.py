"""Polls through the API: read, add one to your post, vote, change, take back; the same rules and the
same sentences as the pages, errors in the one JSON shape."""

from datetime import timedelta

import pytest
from django.utils import timezone

from content.models import Poll, PollOption, PollVote
from content.services.polls import poll_check, poll_create, poll_vote
from tests.api.helpers import error_of
from tests.factories import MembershipFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def poll(space, member):
    post = PostFactory(space=space, author=member, title="Lunch?")
    return poll_create(post=post, by=member, spec=poll_check(options=["Noodles", "Dumplings", "Rice"]))


def ids(poll):
    return list(PollOption.objects.filter(poll=poll).order_by("position").values_list("pk", flat=True))


def test_a_poll_hides_its_results_until_you_vote(as_member, poll, other_member):
    body = as_member(other_member).get(f"/api/v1/polls/{poll.pk}/").json()
    assert body["results_visible"] is False and body["can_vote"] is True
    assert body["voter_count"] is None
    assert [option["label"] for option in body["options"]] == ["Noodles", "Dumplings", "Rice"]
    assert all(option["votes"] is None and option["percent"] is None for option in body["options"])


def test_a_member_votes_changes_and_takes_the_vote_back(as_member, poll, other_member):
    client = as_member(other_member)
    first, second, _third = ids(poll)
    response = client.post(f"/api/v1/polls/{poll.pk}/vote/", {"option_ids": [first]})
    assert response.status_code == 200
    body = response.json()
    assert body["has_voted"] and body["results_visible"] and body["my_choices"] == [first]
    assert body["voter_count"] == 1
    assert [(o["votes"], o["percent"]) for o in body["options"]] == [(1, 100), (0, 0), (0, 0)]
    assert body["options"][0]["voters"] == [other_member.display_name]

    body = client.post(f"/api/v1/polls/{poll.pk}/vote/", {"option_ids": [second]}).json()
    assert body["my_choices"] == [second]
    assert [o["votes"] for o in body["options"]] == [0, 1, 0]

    assert client.delete(f"/api/v1/polls/{poll.pk}/vote/").status_code == 204
    assert not PollVote.objects.filter(poll=poll).exists()
    assert client.delete(f"/api/v1/polls/{poll.pk}/vote/").status_code == 204  # nothing to take back


def test_a_posts_poll_is_found_from_the_post(api, poll):
    assert api.get(f"/api/v1/posts/{poll.post_id}/poll/").json()["id"] == poll.pk
    response = api.get(f"/api/v1/posts/{PostFactory(space=poll.post.space).pk}/poll/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("option_ids", "code"),
    [([], "invalid"), (["x"], "invalid"), ([999999], "poll_invalid")],
)
def test_a_bad_choice_is_refused_beside_the_field(as_member, poll, other_member, option_ids, code):
    response = as_member(other_member).post(f"/api/v1/polls/{poll.pk}/vote/", {"option_ids": option_ids})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == code
    assert any(name.startswith("option_ids") for name in error["fields"])


def test_two_options_in_a_single_choice_poll_are_refused(as_member, poll, other_member):
    response = as_member(other_member).post(f"/api/v1/polls/{poll.pk}/vote/", {"option_ids": ids(poll)[:2]})
    assert response.status_code == 400
    assert error_of(response)["message"] == "This poll takes one choice only."


def test_voting_after_the_poll_closed_is_a_409(as_member, poll, other_member):
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    response = as_member(other_member).post(f"/api/v1/polls/{poll.pk}/vote/", {"option_ids": ids(poll)[:1]})
    assert response.status_code == 409
    assert error_of(response)["code"] == "poll_closed"
    body = as_member(other_member).get(f"/api/v1/polls/{poll.pk}/").json()
    assert body["is_closed"] and body["results_visible"] and not body["can_vote"]


def test_visitors_must_sign_in_to_vote(api, poll):
    response = api.post(f"/api/v1/polls/{poll.pk}/vote/", {"option_ids": ids(poll)[:1]})
    assert response.status_code == 401
    error_of(response)


def test_a_private_poll_is_a_404_for_outsiders(as_member, private_space, member, other_member):
    MembershipFactory(space=private_space, member=member)
    post = PostFactory(space=private_space, author=member)
    poll = poll_create(post=post, by=member, spec=poll_check(options=["a", "b"]))
    for path in (f"/api/v1/polls/{poll.pk}/", f"/api/v1/posts/{post.pk}/poll/"):
        assert as_member(other_member).get(path).status_code == 404
    response = as_member(other_member).post(f"/api/v1/polls/{poll.pk}/vote/", {"option_ids": ids(poll)[:1]})
    assert response.status_code == 404
    assert as_member(member).get(f"/api/v1/polls/{poll.pk}/").status_code == 200


def test_an_anonymous_poll_names_no_voter_to_anyone(as_member, space, member, other_member, operator):
    post = PostFactory(space=space, author=member)
    poll = poll_create(post=post, by=member, spec=poll_check(options=["a", "b"], is_anonymous=True))
    poll_vote(
        poll=Poll.objects.select_related("post__space").get(pk=poll.pk),
        member=other_member,
        option_ids=ids(poll)[:1],
    )
    body = as_member(operator).post(f"/api/v1/polls/{poll.pk}/vote/", {"option_ids": ids(poll)[1:]}).json()
    assert body["is_anonymous"] is True
    assert [o["votes"] for o in body["options"]] == [1, 1]
    assert all(o["voters"] == [] for o in body["options"])


def test_the_author_adds_a_poll_to_their_post(as_member, space, member):
    post = PostFactory(space=space, author=member)
    closes = (timezone.now() + timedelta(days=2)).isoformat()
    response = as_member(member).post(
        f"/api/v1/posts/{post.pk}/poll/",
        {
            "options": ["Yes", "No"],
            "allows_multiple": False,
            "results_after_close": True,
            "closes_at": closes,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["results_after_close"] is True and [o["label"] for o in body["options"]] == ["Yes", "No"]
    again = as_member(member).post(f"/api/v1/posts/{post.pk}/poll/", {"options": ["A", "B"]})
    assert again.status_code == 409
    assert error_of(again)["code"] == "poll_exists"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"options": ["Only one"]}, "options"),
        ({"options": [f"Option {n}" for n in range(21)]}, "options"),
        ({"options": ["Same", "same"]}, "options"),
        ({"options": ["a", "b"], "closes_at": "2020-01-01T00:00:00Z"}, "closes_at"),
    ],
)
def test_bad_poll_input_is_refused_with_the_field_named(as_member, space, member, payload, field):
    post = PostFactory(space=space, author=member)
    response = as_member(member).post(f"/api/v1/posts/{post.pk}/poll/", payload)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "poll_invalid"
    assert field in error["fields"]
    assert not Poll.objects.exists()


def test_only_the_author_adds_a_poll(as_member, space, member, other_member):
    post = PostFactory(space=space, author=member)
    response = as_member(other_member).post(f"/api/v1/posts/{post.pk}/poll/", {"options": ["a", "b"]})
    assert response.status_code == 403
    assert error_of(response)["code"] == "not_allowed"


def test_the_schema_lists_the_poll_operations(api):
    schema = api.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/polls/{id}/vote/",
        "/api/v1/posts/{id}/poll/",
        "/api/v1/posts/{id}/accepted-answer/",
    ):
        assert path in schema["paths"], path
    assert "poll_vote" in {op["operationId"] for op in schema["paths"]["/api/v1/polls/{id}/vote/"].values()}
