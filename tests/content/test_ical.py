"""iCal: one event's file, the personal feed behind a secret token, and resetting that token."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.urls import reverse

from content.ical import event_to_ical, event_uid, member_calendar
from content.models import CalendarToken
from content.services.events import calendar_token_reset, rsvp_set
from tests.factories import EventFactory, MemberFactory, MembershipFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def _events(body: bytes) -> list:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


def _event(**kwargs):
    starts = datetime(2030, 5, 4, 11, 30, tzinfo=UTC)
    return EventFactory(
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        description="Bring **tea** & cups.",
        description_html="<p>Bring <strong>tea</strong> &amp; cups.</p>",
        **kwargs,
    )


def test_an_event_becomes_an_ical_file_with_utc_times_plain_text_and_a_stable_uid():
    event = _event(title="Tea & talk", location="Yu Garden")
    body = event_to_ical(event)
    (vevent,) = _events(body)
    assert vevent["SUMMARY"] == "Tea & talk"
    assert vevent["DESCRIPTION"] == "Bring tea & cups."
    assert vevent["LOCATION"] == "Yu Garden"
    assert vevent["URL"].endswith(f"/e/{event.pk}/")
    assert vevent.decoded("DTSTART") == datetime(2030, 5, 4, 11, 30, tzinfo=UTC)
    assert b"DTSTART:20300504T113000Z" in body
    assert b"DTEND:20300504T133000Z" in body
    assert vevent["UID"] == event_uid(event)
    assert _events(event_to_ical(event))[0]["UID"] == vevent["UID"]
    assert b"PRODID" in body
    assert b"VERSION:2.0" in body


def test_the_online_link_goes_into_the_file_only_when_asked():
    event = _event(online_url="https://meet.example.org/room")
    assert b"meet.example.org" not in event_to_ical(event)
    assert b"meet.example.org" in event_to_ical(event, include_online_url=True)


def test_the_event_download_is_an_attachment_for_anyone_who_may_read_it(client):
    event = _event()
    response = client.get(reverse("content:event_ical", args=[event.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="event-{event.pk}.ics"'
    assert _events(response.content)[0]["SUMMARY"] == event.title


def test_the_personal_feed_lists_only_readable_events_the_member_is_going_to(member, other_member):
    private_space = SpaceFactory(visibility="private")
    membership = MembershipFactory(space=private_space, member=member)
    going = _event(title="Going")
    waiting_full = _event(title="Full", capacity=1)
    rsvp_set(event=waiting_full, member=other_member, going=True)
    not_going = _event(title="Not going")
    private = _event(title="Private", space=private_space)
    for event in (going, waiting_full, private):
        rsvp_set(event=event, member=member, going=True)
    rsvp_set(event=not_going, member=member, going=False)

    assert sorted(e["SUMMARY"] for e in _events(member_calendar(member))) == ["Going", "Private"]

    membership.delete()  # left the private space: its events leave the feed too
    assert [e["SUMMARY"] for e in _events(member_calendar(member))] == ["Going"]


def test_the_feed_url_needs_no_login_and_resetting_the_token_makes_the_old_url_404(client, member):
    event = _event(title="Going")
    rsvp_set(event=event, member=member, going=True)
    old = calendar_token_reset(member=member).token
    old_url = reverse("content:calendar_feed", args=[old])

    response = client.get(old_url)
    assert response.status_code == 200
    assert [e["SUMMARY"] for e in _events(response.content)] == ["Going"]

    client.force_login(member)
    assert client.post(reverse("content:calendar_token_reset")).status_code == 302
    new = CalendarToken.objects.get(member=member).token
    assert new != old
    client.logout()
    assert client.get(old_url).status_code == 404
    assert client.get(reverse("content:calendar_feed", args=[new])).status_code == 200
    assert client.get(reverse("content:calendar_feed", args=["made-up"])).status_code == 404


def test_the_calendar_link_is_created_from_the_list_page_and_a_visitor_cannot_reset(client, member):
    client.force_login(member)
    page = client.get(reverse("content:event_list")).text
    assert "Create my calendar link" in page
    client.post(reverse("content:calendar_token_reset"))
    token = CalendarToken.objects.get(member=member).token
    assert token in client.get(reverse("content:event_list")).text
    client.logout()
    response = client.post(reverse("content:calendar_token_reset"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.get(reverse("content:calendar_token_reset")).status_code == 405
    assert CalendarToken.objects.get(member=member).token == token


def test_a_deactivated_members_feed_is_404(client):
    member = MemberFactory()
    token = calendar_token_reset(member=member).token
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(reverse("content:calendar_feed", args=[token])).status_code == 404
