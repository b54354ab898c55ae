"""Event pages: lists with pinned query counts, the event page and its RSVP box, the form, permissions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from content.models import RSVP, Event, InboxItem, RSVPStatus
from content.services.events import rsvp_set
from tests.factories import EventFactory, MemberFactory, MembershipFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def _detail(event):
    return reverse("content:event_detail", args=[event.pk])


def _rsvp(event):
    return reverse("content:event_rsvp", args=[event.pk])


def _form_data(**overrides):
    starts = timezone.localtime(timezone.now() + timedelta(days=10)).replace(tzinfo=None)
    data = {
        "title": "Tea tasting",
        "description": "Oolong and **pu'er**.",
        "timezone": "Asia/Shanghai",
        "starts_at": starts.strftime("%Y-%m-%dT19:00"),
        "ends_at": starts.strftime("%Y-%m-%dT21:00"),
        "location": "Tianzifang",
        "online_url": "",
        "capacity": "8",
        "rsvp_deadline": "",
    }
    return {**data, **overrides}


# --- lists ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 50])
def test_the_upcoming_list_costs_the_same_queries_for_one_event_and_fifty(
    member_client, member, django_assert_num_queries, rows
):
    space = SpaceFactory()
    # One organiser for all: every new member costs a password hash.
    events = EventFactory.create_batch(rows, space=space, organiser=MemberFactory())
    rsvp_set(event=events[0], member=member, going=True)
    # 1 the member, 2 count for the pager, 3 the page of events with their space, organiser and the
    # viewer's own RSVP (a subquery in the same SELECT), 4 their calendar token, 5 the unread count of
    # the inbox in the header (base template).
    with django_assert_num_queries(5):
        response = member_client.get(reverse("content:event_list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 20)
    assert "You are going" in response.text


@pytest.mark.parametrize("rows", [1, 50])
def test_a_space_list_for_a_visitor_costs_the_same_queries_for_one_event_and_fifty(
    client, django_assert_num_queries, rows
):
    space = SpaceFactory()
    EventFactory.create_batch(rows, space=space, organiser=MemberFactory())
    # 1 the space, 2 count for the pager, 3 the page of events.
    with django_assert_num_queries(3):
        response = client.get(reverse("content:space_event_list", args=[space.slug]))
    assert response.status_code == 200


def test_the_list_shows_only_upcoming_readable_events(client, member):
    public = EventFactory(title="Open picnic")
    members_only = EventFactory(title="Members dinner", space=SpaceFactory(visibility="members"))
    private_space = SpaceFactory(visibility="private")
    secret = EventFactory(title="Secret supper", space=private_space)
    past_start = timezone.now() - timedelta(days=3)
    EventFactory(title="Last week's walk", starts_at=past_start, ends_at=past_start + timedelta(hours=1))
    EventFactory(title="Deleted party", deleted_at=timezone.now())

    visitor = client.get(reverse("content:event_list")).text
    assert public.title in visitor
    assert members_only.title not in visitor
    assert secret.title not in visitor
    assert "Last week" not in visitor
    assert "Deleted party" not in visitor

    MembershipFactory(space=private_space, member=member)
    client.force_login(member)
    inside = client.get(reverse("content:event_list")).text
    assert all(title in inside for title in (public.title, members_only.title, secret.title))


def test_a_space_list_for_a_missing_or_private_space_is_404(client, member_client):
    private_space = SpaceFactory(visibility="private")
    EventFactory(space=private_space, title="Secret supper")
    assert client.get(reverse("content:space_event_list", args=["no-such-space"])).status_code == 404
    response = member_client.get(reverse("content:space_event_list", args=[private_space.slug]))
    assert response.status_code == 404
    assert "Secret supper" not in response.text


# --- the event page -------------------------------------------------------------------------------


def test_the_event_page_shows_times_in_the_viewers_time_zone_with_its_name(client, member):
    starts = timezone.now().replace(microsecond=0) + timedelta(days=5)
    event = EventFactory(starts_at=starts, ends_at=starts + timedelta(hours=2), timezone="Europe/London")
    member.timezone = "America/New_York"
    member.save(update_fields=["timezone"])

    visitor = client.get(_detail(event))
    assert "Times in Europe/London" in visitor.text
    assert timezone.localtime(starts, timezone=_zone("Europe/London")).isoformat() in visitor.text

    client.force_login(member)
    signed_in = client.get(_detail(event))
    assert "Times in America/New_York" in signed_in.text
    assert timezone.localtime(starts, timezone=_zone("America/New_York")).isoformat() in signed_in.text


def _zone(name):
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


def test_the_event_page_shows_the_attendee_count_and_the_waitlist_position(member_client, member):
    event = EventFactory(capacity=1)
    rsvp_set(event=event, member=MemberFactory(display_name="Seat Holder"), going=True)
    rsvp_set(event=event, member=MemberFactory(), going=True)
    rsvp_set(event=event, member=member, going=True)
    page = member_client.get(_detail(event)).text
    assert "1 of 1 seats taken" in page
    assert "2 on the waitlist" in page
    assert "You are on the waitlist, number 2." in page
    assert "Seat Holder" in page


def test_the_online_link_shows_only_for_members_going_and_the_organiser(client, member, other_member):
    event = EventFactory(online_url="https://meet.example.org/secret-room")
    rsvp_set(event=event, member=member, going=True)
    assert "secret-room" not in client.get(_detail(event)).text
    client.force_login(other_member)
    assert "secret-room" not in client.get(_detail(event)).text
    assert "secret-room" not in client.get(reverse("content:event_ical", args=[event.pk])).text
    client.force_login(member)
    assert "secret-room" in client.get(_detail(event)).text
    client.force_login(event.organiser)
    assert "secret-room" in client.get(_detail(event)).text


def test_a_private_space_event_is_404_for_outsiders_page_and_ics_without_the_title(
    client, member, other_member, operator
):
    space = SpaceFactory(visibility="private")
    MembershipFactory(space=space, member=member)
    event = EventFactory(space=space, title="Secret supper")
    urls = [
        _detail(event),
        reverse("content:event_ical", args=[event.pk]),
        reverse("content:event_edit", args=[event.pk]),
    ]
    for who in (None, other_member):
        if who:
            client.force_login(who)
        for url in urls[:2]:
            response = client.get(url)
            assert response.status_code == 404, url
            assert "Secret supper" not in response.text
    assert client.get(urls[2]).status_code == 404
    assert client.post(_rsvp(event), {"going": "1"}).status_code == 404
    assert client.post(reverse("content:event_delete", args=[event.pk])).status_code == 404
    assert not RSVP.objects.exists()

    for insider in (member, operator):
        client.force_login(insider)
        assert client.get(urls[0]).status_code == 200
        assert client.get(urls[1]).status_code == 200


def test_a_missing_event_is_404(member_client):
    assert member_client.get(reverse("content:event_detail", args=[999999])).status_code == 404
    assert member_client.get(reverse("content:event_ical", args=[999999])).status_code == 404


# --- RSVP -----------------------------------------------------------------------------------------


def test_rsvp_without_htmx_redirects_to_the_event(member_client, member):
    event = EventFactory(capacity=5)
    response = member_client.post(_rsvp(event), {"going": "1"})
    assert response.status_code == 302
    assert response["Location"] == _detail(event)
    assert RSVP.objects.get(event=event, member=member).status == RSVPStatus.GOING


def test_rsvp_with_htmx_returns_the_rsvp_box(member_client, member):
    event = EventFactory(capacity=1, online_url="https://meet.example.org/room")
    response = member_client.post(_rsvp(event), {"going": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="rsvp-box"')
    assert "You are going." in response.text
    assert "meet.example.org/room" in response.text
    # The attendee count on the rest of the page is swapped out of band.
    assert '<span id="event-attendee-count" hx-swap-oob="true">1 of 1 seats taken</span>' in response.text
    response = member_client.post(_rsvp(event), {"going": "0"}, headers={"HX-Request": "true"})
    assert "You are not going." in response.text
    assert "meet.example.org/room" not in response.text


def test_cancelling_through_the_page_promotes_the_next_member(client, member, other_member):
    event = EventFactory(capacity=1)
    rsvp_set(event=event, member=member, going=True)
    rsvp_set(event=event, member=other_member, going=True)
    client.force_login(member)
    client.post(_rsvp(event), {"going": "0"})
    assert RSVP.objects.get(event=event, member=other_member).status == RSVPStatus.GOING
    assert InboxItem.objects.filter(recipient=other_member, kind="event.promoted").exists()


def test_rsvp_after_the_deadline_gives_a_clear_message_not_an_error(member_client, member):
    event = EventFactory(rsvp_deadline=timezone.now() - timedelta(hours=1))
    response = member_client.post(_rsvp(event), {"going": "1"}, follow=True)
    assert response.status_code == 200
    assert "RSVPs for this event are closed." in response.text
    htmx = member_client.post(_rsvp(event), {"going": "1"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 200
    assert "RSVPs for this event are closed." in htmx.text
    assert not RSVP.objects.exists()


def test_a_visitor_must_log_in_to_rsvp(client):
    event = EventFactory()
    response = client.post(_rsvp(event), {"going": "1"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert "Log in to RSVP" in client.get(_detail(event)).text
    assert client.get(_rsvp(event)).status_code == 405


# --- create, edit, delete -------------------------------------------------------------------------


def test_a_member_creates_an_event_in_the_events_time_zone(member_client, member):
    space = SpaceFactory()
    page = member_client.get(reverse("content:event_create", args=[space.slug]))
    assert page.status_code == 200
    assert '<option value="Asia/Shanghai" selected>' in page.text  # the member's own time zone

    data = _form_data(timezone="Europe/London")
    response = member_client.post(reverse("content:event_create", args=[space.slug]), data)
    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(event)
    assert event.organiser == member
    local = timezone.localtime(event.starts_at, _zone("Europe/London"))
    assert (local.hour, local.minute) == (19, 0)
    assert event.capacity == 8
    assert "<strong>pu&#39;er</strong>" in event.description_html or "<strong>pu'er</strong>" in (
        event.description_html
    )


def test_an_event_that_ends_before_it_starts_gets_an_error_beside_ends_and_keeps_the_text(member_client):
    space = SpaceFactory()
    data = _form_data(title="My careful title")
    data["ends_at"] = data["starts_at"].replace("T19:00", "T18:00")
    response = member_client.post(reverse("content:event_create", args=[space.slug]), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"ends_at": ["The event must end after it starts."]}
    assert 'value="My careful title"' in response.text
    assert not Event.objects.exists()


@pytest.mark.parametrize("capacity", ["0", "-1"])
def test_a_capacity_below_one_gets_an_error_beside_capacity(member_client, capacity):
    space = SpaceFactory()
    response = member_client.post(
        reverse("content:event_create", args=[space.slug]), _form_data(capacity=capacity)
    )
    assert response.context["form"].errors == {
        "capacity": ["Capacity must be at least 1, or empty for no limit."]
    }


def test_garbage_dates_and_a_past_start_are_form_errors(member_client):
    space = SpaceFactory()
    url = reverse("content:event_create", args=[space.slug])
    response = member_client.post(url, _form_data(starts_at="next tuesday"))
    assert "starts_at" in response.context["form"].errors
    response = member_client.post(url, _form_data(starts_at="2001-01-01T10:00"))
    assert response.context["form"].errors["starts_at"] == ["The event must start in the future."]
    response = member_client.post(url, _form_data(timezone="Nowhere/Land"))
    assert "timezone" in response.context["form"].errors


def test_creating_in_a_missing_space_is_404_and_a_visitor_is_sent_to_log_in(client, member):
    space = SpaceFactory()
    response = client.get(reverse("content:event_create", args=[space.slug]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(member)
    assert client.get(reverse("content:event_create", args=["no-such-space"])).status_code == 404


def test_only_the_organiser_moderators_and_operators_may_edit(
    client, member, other_member, moderator, operator
):
    event = EventFactory(organiser=member)
    space_moderator = MembershipFactory(space=event.space, role="moderator").member
    url = reverse("content:event_edit", args=[event.pk])
    client.force_login(other_member)
    assert client.get(url).status_code == 403
    assert client.post(reverse("content:event_delete", args=[event.pk])).status_code == 403
    for who in (member, space_moderator, moderator, operator):
        client.force_login(who)
        assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_editing_keeps_the_wall_clock_time_and_raising_capacity_promotes(member_client, member):
    starts = timezone.now().replace(second=0, microsecond=0) + timedelta(days=4)
    event = EventFactory(organiser=member, capacity=1, starts_at=starts, ends_at=starts + timedelta(hours=1))
    waiting = MemberFactory()
    rsvp_set(event=event, member=MemberFactory(), going=True)
    rsvp_set(event=event, member=waiting, going=True)
    url = reverse("content:event_edit", args=[event.pk])
    form = member_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    for name in ("starts_at", "ends_at"):
        data[name] = data[name].strftime("%Y-%m-%dT%H:%M")
    data["capacity"] = "2"
    response = member_client.post(url, data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.starts_at == starts
    assert (event.going_count, event.waitlist_count) == (2, 0)
    assert RSVP.objects.get(event=event, member=waiting).status == RSVPStatus.GOING


def test_the_organiser_deletes_an_event_and_its_page_is_gone(member_client, member):
    event = EventFactory(organiser=member)
    response = member_client.post(reverse("content:event_delete", args=[event.pk]))
    assert response.status_code == 302
    assert member_client.get(_detail(event)).status_code == 404
    assert member_client.get(reverse("content:event_delete", args=[event.pk])).status_code == 405


def test_the_organiser_sees_the_waitlist_in_order_and_members_do_not(client, member, other_member):
    event = EventFactory(organiser=member, capacity=1)
    rsvp_set(event=event, member=other_member, going=True)
    for name in ("First Waiting", "Second Waiting"):
        rsvp_set(event=event, member=MemberFactory(display_name=name), going=True)
    client.force_login(member)
    page = client.get(_detail(event)).text
    assert page.index("First Waiting") < page.index("Second Waiting")
    client.force_login(other_member)
    assert "First Waiting" not in client.get(_detail(event)).text
