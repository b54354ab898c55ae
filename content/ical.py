"""iCalendar (RFC 5545) files: one event, and a member's personal feed of the events they are going to.

Times are written in UTC (a trailing Z), which every calendar program understands without the VTIMEZONE
blocks a local time would need. The UID stays the same for the life of an event, so a calendar updates
the entry it already has instead of adding a second one.
"""

import html
from datetime import UTC, datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils.html import strip_tags

from content.models import Event
from content.selectors.events import member_calendar_events
from content.services.events import event_url
from members.models import Member

PRODID = "-//Commons community//Events//EN"


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def event_uid(event: Event) -> str:
    return f"event-{event.pk}@{_host()}"


def _plain_text(event: Event) -> str:
    # The rendered HTML is already sanitised; dropping its tags leaves what a reader sees.
    return html.unescape(strip_tags(event.description_html)).strip()


def _calendar(name: str | None = None) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _vevent(event: Event, *, include_online_url: bool) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", datetime.now(tz=UTC))
    vevent.add("dtstart", event.starts_at.astimezone(UTC))
    vevent.add("dtend", event.ends_at.astimezone(UTC))
    vevent.add("summary", event.title)
    description = _plain_text(event)
    if include_online_url and event.online_url:
        description = f"{description}\n\n{event.online_url}".strip()
    if description:
        vevent.add("description", description)
    if event.location:
        vevent.add("location", event.location)
    vevent.add("url", settings.SITE_URL + event_url(event))
    return vevent


def event_to_ical(event: Event, *, include_online_url: bool = False) -> bytes:
    """One event as a .ics file. The online link goes in only when the caller says the reader may see
    it (members who are going, the organiser, moderators)."""
    calendar = _calendar()
    calendar.add_component(_vevent(event, include_online_url=include_online_url))
    return calendar.to_ical()


def member_calendar(member: Member) -> bytes:
    """The member's personal feed: every readable event they are going to, with its online link."""
    calendar = _calendar(f"{settings.COMMUNITY_NAME}: {member.display_name}")
    for event in member_calendar_events(member=member):
        calendar.add_component(_vevent(event, include_online_url=True))
    return calendar.to_ical()
