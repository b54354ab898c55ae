"""An event with two seats, in headless Chromium: two members take the seats, a third waits, one cancels,
the third gets the seat (and an inbox item), the iCal file downloads; English and Chinese, phone and
desktop."""

from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from content.models import RSVP, InboxItem, RSVPStatus
from tests.factories import PASSWORD, EventFactory, MemberFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, email):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} is {width}px wide on a {viewport}px screen"


def test_a_freed_seat_goes_to_the_first_member_on_the_waitlist(live_server, page, shoot):
    space = SpaceFactory(name="Board games")
    starts = timezone.now() + timedelta(days=6)
    event = EventFactory(
        space=space,
        title="Go tournament",
        capacity=2,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        online_url="https://meet.example.org/go-night",
    )
    ana, bo, chen = (
        MemberFactory(email="ana@example.org", display_name="Ana"),
        MemberFactory(email="bo@example.org", display_name="Bo"),
        MemberFactory(email="chen@example.org", display_name="陈晨", timezone="Europe/Berlin"),
    )
    event_url = f"{live_server.url}/e/{event.pk}/"

    for member in (ana, bo):
        _log_in(page, live_server, member.email)
        page.goto(event_url)
        expect(page.get_by_text("meet.example.org/go-night")).to_have_count(0)
        page.get_by_role("button", name="I'm going").click()
        expect(page.get_by_text("You are going.")).to_be_visible()
        expect(page.get_by_role("link", name="https://meet.example.org/go-night")).to_be_visible()
    # The count in the event's facts follows the RSVP box without a reload (htmx out-of-band swap).
    expect(page.locator("#event-attendee-count")).to_have_text("2 of 2 seats taken")

    _log_in(page, live_server, chen.email)
    page.goto(event_url)
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("You are on the waitlist, number 1.")).to_be_visible()
    expect(page.get_by_text("meet.example.org/go-night")).to_have_count(0)
    expect(page.get_by_text("Times in Europe/Berlin")).to_be_visible()
    shoot("01-waitlisted-phone")
    _no_sideways_scroll(page)

    _log_in(page, live_server, ana.email)
    page.goto(event_url)
    page.get_by_role("button", name="Cancel my seat").click()
    expect(page.get_by_text("You are not going.")).to_be_visible()

    assert RSVP.objects.get(event=event, member=chen).status == RSVPStatus.GOING
    item = InboxItem.objects.get(recipient=chen, kind="event.promoted")
    assert item.url == f"/e/{event.pk}/"
    assert item.data == {"event_id": event.pk, "title": "Go tournament"}

    _log_in(page, live_server, chen.email)
    page.goto(event_url)
    expect(page.get_by_text("You are going.")).to_be_visible()
    expect(page.get_by_role("link", name="https://meet.example.org/go-night")).to_be_visible()
    shoot("02-promoted-phone-en")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename == f"event-{event.pk}.ics"
    calendar = icalendar.Calendar.from_ical(download.path().read_bytes())
    (vevent,) = calendar.walk("VEVENT")
    assert vevent["SUMMARY"] == "Go tournament"
    assert vevent.decoded("DTSTART") == event.starts_at.replace(microsecond=0)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    _no_sideways_scroll(page)
    shoot("03-promoted-desktop-en")

    page.get_by_label("Language").select_option("zh-hans")  # submits by itself (static/js/site.js)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="Go tournament")).to_be_visible()
    shoot("04-promoted-desktop-zh")
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    _no_sideways_scroll(page)
    shoot("05-promoted-phone-zh")


def test_the_event_list_and_form_fit_a_phone(live_server, page, shoot):
    space = SpaceFactory(slug="walks", name="Walks")
    member = MemberFactory(email="walker@example.org")
    EventFactory(space=space, title="A very long event title that must wrap nicely on a small phone screen")
    _log_in(page, live_server, member.email)
    page.goto(f"{live_server.url}/s/walks/events/")
    _no_sideways_scroll(page)
    shoot("01-space-events-phone")

    page.get_by_role("link", name="New event").click()
    page.get_by_label("Title").fill("Evening walk")
    page.get_by_label("Starts").fill("2031-06-01T19:00")
    page.get_by_label("Ends").fill("2031-06-01T18:00")
    page.get_by_role("button", name="Publish event").click()
    expect(page.get_by_text("The event must end after it starts.")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Evening walk")
    _no_sideways_scroll(page)
    shoot("02-form-error-phone")

    page.get_by_label("Ends").fill("2031-06-01T21:00")
    page.get_by_role("button", name="Publish event").click()
    expect(page.get_by_role("heading", name="Evening walk")).to_be_visible()
    expect(page.get_by_text("Times in Asia/Shanghai")).to_be_visible()
