"""Demo events for `seed_demo`: a few upcoming events, one of them full with a waitlist. Idempotent: an
event is found by its title, and RSVPs go through `rsvp_set`, which changes nothing the second time."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from content.models import Event, Space
from content.selectors.visibility import can_participate
from content.services.events import event_create, rsvp_set
from members.models import Member

# title, space index, days from today, local start hour, hours long, time zone, place, online, capacity,
# how many members say they are going
DEMO_EVENTS = [
    ("Board games night", 0, 5, 19, 3, "Asia/Shanghai", "Xuhui library, room 2", "", 3, 5),
    (
        "Newcomers' video call",
        0,
        3,
        20,
        1,
        "Asia/Shanghai",
        "",
        "https://meet.example.org/newcomers",
        None,
        4,
    ),
    ("Hiking in the western hills", 1, 12, 8, 8, "Asia/Shanghai", "Xiangshan park, east gate", "", 15, 6),
    ("Writing workshop", 1, 20, 18, 2, "Europe/London", "The Old Library, London", "", 12, 2),
]

DESCRIPTIONS = {
    "Board games night": "Bring a game or learn a new one. **Only three tables**, so seats are limited.",
    "Newcomers' video call": "Meet the moderators and ask anything about the community.",
    "Hiking in the western hills": "A day walk, about 12 km. Bring water and lunch.",
    "Writing workshop": "Short exercises and friendly feedback. Beginners welcome.",
}


def seed_demo_events(*, spaces: list[Space], members: list[Member]) -> None:
    if not spaces or not members:
        return
    today = timezone.now().date()
    for title, space_index, days, hour, hours, tz, place, online, capacity, going in DEMO_EVENTS:
        space = spaces[space_index % len(spaces)]
        participants = [m for m in members if can_participate(member=m, space=space)]
        if not participants:
            continue
        organiser, attendees = participants[0], participants[1 : 1 + going]
        event = Event.objects.filter(title=title, deleted_at__isnull=True).first()
        if event is None:
            starts_at = datetime.combine(today + timedelta(days=days), time(hour), tzinfo=ZoneInfo(tz))
            event = event_create(
                organiser=organiser,
                space=space,
                title=title,
                description=DESCRIPTIONS[title],
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=hours),
                timezone=tz,
                location=place,
                online_url=online,
                capacity=capacity,
                rsvp_deadline=None,
            )
        if event.starts_at <= timezone.now():
            continue  # an old demo database: the event is over, RSVPs are closed
        for member in attendees:
            rsvp_set(event=event, member=member, going=True)
