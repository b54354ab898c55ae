"""Events over the API: lists, detail, create, edit, delete, RSVP with the waitlist."""

from datetime import timedelta

import pytest
from django.utils import timezone

from content.models import RSVP, Event
from tests.factories import EventFactory, MembershipFactory

MATRIX_ORGANISER_OR_MODERATOR = [
    ("member", 200),  # the organiser
    ("other_member", 403),
    ("space_moderator", 200),
    ("moderator", 200),
    ("operator", 200),
    ("anonymous", 401),
]


@pytest.fixture
def event(member, space):
    return EventFactory(space=space, organiser=member, capacity=1, online_url="https://meet.example.org/x")


def _new_event(**changes):
    starts = timezone.now() + timedelta(days=3)
    return {
        "title": "Seed swap 🌱",
        "description": "Bring *seeds*.",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "timezone": "Asia/Shanghai",
        "location": "Library",
        **changes,
    }


def test_upcoming_lists_only_future_readable_events(api, space, private_space):
    soon = EventFactory(space=space)
    EventFactory(space=private_space)
    past_start = timezone.now() - timedelta(days=2)
    EventFactory(space=space, starts_at=past_start, ends_at=past_start + timedelta(hours=1))
    body = api.get("/api/v1/events/").json()
    assert [e["id"] for e in body["results"]] == [soon.pk]
    assert body["next"] is None
    assert "online_url" not in body["results"][0]


def test_event_lists_page_by_cursor(api, space):
    EventFactory.create_batch(32, space=space)
    first = api.get(f"/api/v1/spaces/{space.slug}/events/").json()
    assert len(first["results"]) == 30
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 2
    assert {e["id"] for e in first["results"]}.isdisjoint({e["id"] for e in second["results"]})


@pytest.mark.parametrize("rows", [1, 50])
def test_event_list_query_count_does_not_grow(as_member, member, space, rows, django_assert_num_queries):
    EventFactory.create_batch(rows, space=space)
    client = as_member(member)
    # 1 the member, 2 the page of events with space, organiser and my RSVP (a subquery)
    with django_assert_num_queries(2):
        response = client.get("/api/v1/events/")
    assert len(response.json()["results"]) == min(rows, 30)


@pytest.mark.parametrize("rows", [1, 50])
def test_space_event_list_query_count_does_not_grow(
    as_member, member, space, rows, django_assert_num_queries
):
    EventFactory.create_batch(rows, space=space)
    client = as_member(member)
    # 1 the member, 2 the space, 3 the page of events with space, organiser and my RSVP
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/spaces/{space.slug}/events/")
    assert len(response.json()["results"]) == min(rows, 30)


@pytest.mark.parametrize(
    ("who", "status"), [("member", 404), ("other_member", 200), ("operator", 200), ("anonymous", 404)]
)
def test_private_events_are_404_for_outsiders(as_member, cast, who, status, private_space, other_member):
    MembershipFactory(space=private_space, member=other_member)
    secret = EventFactory(space=private_space)
    client = as_member(cast[who])
    assert client.get(f"/api/v1/events/{secret.pk}/").status_code == status
    assert client.get(f"/api/v1/spaces/{private_space.slug}/events/").status_code == status
    if cast[who] is not None and status == 404:
        assert client.put(f"/api/v1/events/{secret.pk}/rsvp/", {"going": True}).status_code == 404
        assert client.post(f"/api/v1/spaces/{private_space.slug}/events/", _new_event()).status_code == 404


def test_the_online_link_is_only_for_those_going_and_the_organiser(as_member, member, other_member, event):
    assert as_member(member).get(f"/api/v1/events/{event.pk}/").json()["online_url"] == event.online_url
    other = as_member(other_member)
    assert other.get(f"/api/v1/events/{event.pk}/").json()["online_url"] == ""
    other.put(f"/api/v1/events/{event.pk}/rsvp/", {"going": True})
    detail = other.get(f"/api/v1/events/{event.pk}/").json()
    assert detail["online_url"] == event.online_url
    assert detail["viewer_rsvp"] == "going"
    assert detail["can_manage"] is False


def test_a_member_creates_an_event(as_member, member, space):
    response = as_member(member).post(f"/api/v1/spaces/{space.slug}/events/", _new_event(capacity=10))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Seed swap 🌱"
    assert body["organiser"]["id"] == member.pk
    assert body["can_manage"] is True
    assert "<em>seeds</em>" in body["description_html"]
    assert Event.objects.get(pk=body["id"]).capacity == 10


def test_an_event_ending_before_it_starts_names_the_field(as_member, member, space):
    payload = _new_event()
    payload["ends_at"] = payload["starts_at"]
    response = as_member(member).post(f"/api/v1/spaces/{space.slug}/events/", payload)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "event_ends_before_start"
    assert list(error["fields"]) == ["ends_at"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10**12}, "capacity"),
        ({"starts_at": "tomorrow-ish"}, "starts_at"),
        ({"title": "x" * 201}, "title"),
        ({"online_url": "not a url"}, "online_url"),
    ],
)
def test_bad_event_fields_are_field_errors(as_member, member, space, changes, field):
    response = as_member(member).post(f"/api/v1/spaces/{space.slug}/events/", _new_event(**changes))
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Event.objects.exists()


def test_anonymous_cannot_create_events(api, space):
    assert api.post(f"/api/v1/spaces/{space.slug}/events/", _new_event()).status_code == 401


@pytest.mark.parametrize(("who", "status"), MATRIX_ORGANISER_OR_MODERATOR)
def test_edit_is_for_the_organiser_and_moderators(as_member, cast, who, status, event):
    response = as_member(cast[who]).patch(f"/api/v1/events/{event.pk}/", {"location": "Park"})
    assert response.status_code == status
    event.refresh_from_db()
    assert (event.location == "Park") == (status == 200)


@pytest.mark.parametrize(("who", "status"), MATRIX_ORGANISER_OR_MODERATOR)
def test_delete_is_for_the_organiser_and_moderators(as_member, cast, who, status, event):
    response = as_member(cast[who]).delete(f"/api/v1/events/{event.pk}/")
    assert response.status_code == (204 if status == 200 else status)
    event.refresh_from_db()
    assert (event.deleted_at is not None) == (status == 200)


def test_rsvp_is_idempotent_and_the_waitlist_is_first_come(as_member, other_member, operator, event):
    first = as_member(other_member)
    going = first.put(f"/api/v1/events/{event.pk}/rsvp/", {"going": True}).json()
    assert going == {"status": "going", "waitlist_position": None, "going_count": 1, "waitlist_count": 0}
    again = first.put(f"/api/v1/events/{event.pk}/rsvp/", {"going": True}).json()
    assert again == going
    assert RSVP.objects.count() == 1
    waiting = as_member(operator).put(f"/api/v1/events/{event.pk}/rsvp/", {"going": True}).json()
    assert waiting["status"] == "waitlisted"
    assert waiting["waitlist_position"] == 1
    left = first.put(f"/api/v1/events/{event.pk}/rsvp/", {"going": False}).json()
    assert left["status"] == "not_going"
    assert left["going_count"] == 1  # the seat went to the waitlist
    assert RSVP.objects.get(member=operator).status == "going"


def test_rsvp_after_the_deadline_is_409_rsvp_closed(as_member, other_member, space):
    event = EventFactory(space=space, rsvp_deadline=timezone.now() - timedelta(minutes=1))
    response = as_member(other_member).put(f"/api/v1/events/{event.pk}/rsvp/", {"going": True})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "rsvp_closed"


def test_anonymous_cannot_rsvp(api, event):
    assert api.put(f"/api/v1/events/{event.pk}/rsvp/", {"going": True}).status_code == 401


def test_rsvp_needs_a_boolean(as_member, other_member, event):
    response = as_member(other_member).put(f"/api/v1/events/{event.pk}/rsvp/", {"going": "maybe"})
    assert response.status_code == 400
    assert "going" in response.json()["error"]["fields"]
