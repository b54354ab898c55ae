"""Reading events: always from `events_readable`, so a private space's events never reach outsiders."""

from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

from content.exceptions import NotFound
from content.models import RSVP, CalendarToken, Event, RSVPStatus, Space
from content.selectors.visibility import Viewer, events_readable, is_space_moderator
from members.models import Member


def _with_viewer_rsvp(queryset: QuerySet[Event], *, viewer: Viewer) -> QuerySet[Event]:
    """`viewer_rsvp`: the viewer's own RSVP status (or None), as a subquery in the same SELECT."""
    if not viewer.is_authenticated:
        return queryset.annotate(viewer_rsvp=Value(None, output_field=CharField()))
    own = RSVP.objects.filter(event_id=OuterRef("pk"), member_id=viewer.pk).values("status")[:1]
    return queryset.annotate(viewer_rsvp=Subquery(own, output_field=CharField()))


def event_list(*, viewer: Viewer, space: Space | None = None, upcoming: bool = True) -> QuerySet[Event]:
    """Events the viewer may read, soonest first, each with `viewer_rsvp`. Upcoming means not yet
    over (an event in progress still shows)."""
    events = events_readable(viewer=viewer).select_related("space", "organiser")
    if space is not None:
        events = events.filter(space_id=space.pk)
    if upcoming:
        events = events.filter(ends_at__gt=timezone.now()).order_by("starts_at", "id")
    else:
        events = events.order_by("-starts_at", "-id")
    return _with_viewer_rsvp(events, viewer=viewer)


def event_get(*, viewer: Viewer, pk: int) -> Event:
    event = (
        _with_viewer_rsvp(events_readable(viewer=viewer), viewer=viewer)
        .select_related("space", "organiser")
        .filter(pk=pk)
        .first()
    )
    if event is None:
        raise NotFound()
    return event


def event_attendees(*, event: Event) -> QuerySet[RSVP]:
    """Members going, in the order they took their seat."""
    return (
        RSVP.objects.filter(event_id=event.pk, status=RSVPStatus.GOING)
        .select_related("member")
        .order_by("updated_at", "id")
    )


def event_waitlist(*, event: Event) -> QuerySet[RSVP]:
    """The waitlist, first come first served: the head is promoted when a seat frees up."""
    return (
        RSVP.objects.filter(event_id=event.pk, status=RSVPStatus.WAITLISTED)
        .select_related("member")
        .order_by("waitlisted_at", "id")
    )


def rsvp_waitlist_position(*, event: Event, member: Viewer) -> int | None:
    """1 for the head of the waitlist; None when the member is not waiting."""
    if not member.is_authenticated:
        return None
    own = RSVP.objects.filter(event_id=event.pk, member_id=member.pk, status=RSVPStatus.WAITLISTED).first()
    if own is None:
        return None
    ahead = RSVP.objects.filter(event_id=event.pk, status=RSVPStatus.WAITLISTED).filter(
        Q(waitlisted_at__lt=own.waitlisted_at) | Q(waitlisted_at=own.waitlisted_at, id__lt=own.id)
    )
    return ahead.count() + 1


def event_online_url_visible(*, event: Event, viewer: Viewer, rsvp_status: str | None) -> bool:
    """The online link is for members who are going, the organiser and the moderators."""
    if not event.online_url or not viewer.is_authenticated:
        return False
    if rsvp_status == RSVPStatus.GOING or event.organiser_id == viewer.pk:
        return True
    return is_space_moderator(member=viewer, space=event.space)


def event_rsvp_open(*, event: Event) -> bool:
    now = timezone.now()
    if event.starts_at <= now:
        return False
    return event.rsvp_deadline is None or event.rsvp_deadline > now


def calendar_token_of(*, member: Viewer) -> CalendarToken | None:
    if not member.is_authenticated:
        return None
    return CalendarToken.objects.filter(member_id=member.pk).first()


def calendar_member_by_token(*, token: str) -> Member | None:
    found = CalendarToken.objects.filter(token=token).select_related("member").first()
    if found is None or not found.member.is_active:
        return None
    return found.member


def member_calendar_events(*, member: Member) -> QuerySet[Event]:
    """Events the member is going to and may still read (leaving a private space drops its events)."""
    going = RSVP.objects.filter(member_id=member.pk, status=RSVPStatus.GOING).values("event_id")
    return events_readable(viewer=member).filter(pk__in=going).select_related("space").order_by("starts_at")


__all__ = [
    "calendar_member_by_token",
    "calendar_token_of",
    "event_attendees",
    "event_get",
    "event_list",
    "event_online_url_visible",
    "event_rsvp_open",
    "event_waitlist",
    "member_calendar_events",
    "rsvp_waitlist_position",
]
