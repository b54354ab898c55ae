"""Events and RSVPs: create, change and cancel events; RSVP with a fair, first-come waitlist.

Every RSVP change locks the event row (SELECT ... FOR UPDATE) before it reads the counts, so two members
taking the last seat at the same moment are served one after the other: one gets the seat, the other the
waitlist. `Event.going_count` / `waitlist_count` are only changed under that lock.
"""

import logging
import zoneinfo
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from community.idempotency import FORM_TTL, once
from content.delivery.notices import notices_send
from content.delivery.outbox import outbox_enqueue
from content.exceptions import (
    AccountRestricted,
    ConsentRequired,
    ContentError,
    NotAllowed,
    NotFound,
    RSVPClosed,
)
from content.models import RSVP, CalendarToken, Event, InboxItem, RSVPStatus, Space
from content.models.events import new_calendar_token
from content.rendering import render_markdown
from content.search import search_index_touch
from content.selectors.visibility import can_participate, events_readable, is_space_moderator
from content.services.limits import check_required_consents, check_standing
from members.models import Member

logger = logging.getLogger(__name__)


class EventInvalid(ContentError):
    """Bad input for an event; `field` names the form field the message belongs beside."""

    code = "event_invalid"
    status = 400
    default_message = _("Please check the event's details.")
    field: str | None = None

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class EventEndsBeforeStart(EventInvalid):
    code = "event_ends_before_start"
    default_message = _("The event must end after it starts.")
    field = "ends_at"


class EventCapacityInvalid(EventInvalid):
    code = "event_capacity_invalid"
    default_message = _("Capacity must be at least 1, or empty for no limit.")
    field = "capacity"


class EventTimezoneInvalid(EventInvalid):
    code = "event_timezone_invalid"
    default_message = _("Choose a time zone from the list.")
    field = "timezone"


class EventStartsInPast(EventInvalid):
    code = "event_starts_in_past"
    default_message = _("The event must start in the future.")
    field = "starts_at"


class OrganiserRestricted(EventInvalid):
    """A suspension or posting limit (L20) met while creating an event. An EventInvalid, so the event
    form shows it beside the fields with the text kept; the API sees the standing error's code, status
    and end (retry_at)."""

    def __init__(self, restricted: AccountRestricted) -> None:
        super().__init__(restricted.message)
        self.code, self.status, self.retry_at = restricted.code, restricted.status, restricted.retry_at


class EventDeadlineInvalid(EventInvalid):
    code = "event_deadline_invalid"
    default_message = _("The RSVP deadline must be before the event starts.")
    field = "rsvp_deadline"


EDITABLE_FIELDS = (
    "title",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "location",
    "online_url",
    "capacity",
    "rsvp_deadline",
)


def event_url(event: Event) -> str:
    return reverse("content:event_detail", args=[event.pk])


def _check_event_fields(
    *,
    starts_at: datetime,
    ends_at: datetime,
    timezone_name: str,
    capacity: int | None,
    rsvp_deadline: datetime | None,
) -> None:
    for value in (starts_at, ends_at, rsvp_deadline):
        if value is not None and timezone.is_naive(value):
            raise ValueError("Event times must be timezone-aware.")
    if ends_at <= starts_at:
        raise EventEndsBeforeStart()
    if capacity is not None and capacity < 1:
        raise EventCapacityInvalid()
    if timezone_name not in zoneinfo.available_timezones():
        raise EventTimezoneInvalid()
    if rsvp_deadline is not None and rsvp_deadline > starts_at:
        raise EventDeadlineInvalid()


def event_can_manage(*, event: Event, member: Member) -> bool:
    """The organiser, the space's moderators, site moderators and operators may change an event."""
    if not member.is_authenticated:
        return False
    return event.organiser_id == member.pk or is_space_moderator(member=member, space=event.space)


def event_create(
    *,
    organiser: Member,
    space: Space,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    location: str = "",
    online_url: str = "",
    capacity: int | None = None,
    rsvp_deadline: datetime | None = None,
    submission_token: str = "",
) -> Event:
    """`submission_token` is the event form's one-time token: the same token again (a double click)
    gets the event it first made instead of a second one."""
    if submission_token:
        return once(
            scope="form.event",
            owner_id=organiser.pk,
            key=submission_token,
            ttl=FORM_TTL,
            action=lambda: event_create(
                organiser=organiser,
                space=space,
                title=title,
                description=description,
                starts_at=starts_at,
                ends_at=ends_at,
                timezone=timezone,
                location=location,
                online_url=online_url,
                capacity=capacity,
                rsvp_deadline=rsvp_deadline,
            ),
            remember=lambda event: event.pk,
            recall=lambda pk: Event.objects.filter(pk=pk, deleted_at__isnull=True).first(),
        )
    if not can_participate(member=organiser, space=space):
        raise NotAllowed()
    try:
        check_standing(member=organiser, publishing=True)
        check_required_consents(member=organiser)
    except (AccountRestricted, ConsentRequired) as restricted:
        raise OrganiserRestricted(restricted) from restricted
    if starts_at <= now():  # `timezone` is a parameter here
        raise EventStartsInPast()
    _check_event_fields(
        starts_at=starts_at,
        ends_at=ends_at,
        timezone_name=timezone,
        capacity=capacity,
        rsvp_deadline=rsvp_deadline,
    )
    with transaction.atomic():
        event = Event.objects.create(
            space=space,
            organiser=organiser,
            title=title.strip(),
            description=description,
            description_html=render_markdown(description),
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=timezone,
            location=location.strip(),
            online_url=online_url,
            capacity=capacity,
            rsvp_deadline=rsvp_deadline,
        )
        transaction.on_commit(lambda: search_index_touch(event_ids=[event.pk]))
    logger.info("content.event.created event=%s by=%s", event.pk, organiser.pk)
    return event


def event_update(*, event: Event, by: Member, **changes: Any) -> Event:
    """Change an event's details. Raising the capacity promotes members from the waitlist, first come
    first served; lowering it below the number going keeps everyone who already has a seat."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"event_update() got unexpected fields: {sorted(unknown)}")
    if not event_can_manage(event=event, member=by):
        raise NotAllowed()
    with transaction.atomic():
        locked = Event.objects.select_for_update().select_related("space").get(pk=event.pk)
        if locked.deleted_at is not None:
            raise NotFound()
        before = {name: getattr(locked, name) for name in ATTENDEES_TOLD_OF}
        for name, value in changes.items():
            if name in ("title", "location") and isinstance(value, str):
                value = value.strip()
            setattr(locked, name, value)
        _check_event_fields(
            starts_at=locked.starts_at,
            ends_at=locked.ends_at,
            timezone_name=locked.timezone,
            capacity=locked.capacity,
            rsvp_deadline=locked.rsvp_deadline,
        )
        update_fields = list(changes)
        if "description" in changes:
            locked.description_html = render_markdown(locked.description)
            update_fields.append("description_html")
        promoted = _promote_from_waitlist(locked)
        if promoted:
            update_fields += ["going_count", "waitlist_count"]
        if update_fields:
            locked.save(update_fields=update_fields)
        if {"title", "description", "location"} & set(changes):
            transaction.on_commit(lambda: search_index_touch(event_ids=[locked.pk]))
        if any(before[name] != getattr(locked, name) for name in ATTENDEES_TOLD_OF):
            _tell_attendees(event=locked, by=by, kind="event.changed")
    logger.info("content.event.updated event=%s by=%s fields=%s", locked.pk, by.pk, sorted(changes))
    return locked


def event_delete(*, event: Event, by: Member) -> bool:
    """Soft delete. Returns False when the event was already deleted (idempotent)."""
    if not event_can_manage(event=event, member=by):
        raise NotAllowed()
    with transaction.atomic():
        changed = Event.objects.filter(pk=event.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())
        if changed:
            _tell_attendees(event=event, by=by, kind="event.cancelled")
    if changed:
        logger.info("content.event.deleted event=%s by=%s", event.pk, by.pk)
    return bool(changed)


# a change to any of these is news for everyone going or waiting (a transactional notice)
ATTENDEES_TOLD_OF = {"starts_at", "ends_at", "timezone", "location", "online_url"}


def _tell_attendees(*, event: Event, by: Member, kind: str) -> int:
    attendees = (
        RSVP.objects.filter(event_id=event.pk, status__in=[RSVPStatus.GOING, RSVPStatus.WAITLISTED])
        .exclude(member_id=by.pk)
        .values_list("member_id", flat=True)
    )
    return notices_send(
        recipient_ids=list(attendees),
        kind=kind,
        url=event_url(event),
        data={
            "event_id": event.pk,
            "title": event.title,
            "starts_at": event.starts_at.isoformat(),
            "location": event.location,
        },
    )


def _seats_free(event: Event) -> bool:
    return event.capacity is None or event.going_count < event.capacity


def _promote_from_waitlist(event: Event) -> list[RSVP]:
    """Give free seats to the longest-waiting members. The caller holds the event row's lock and saves
    the counts."""
    promoted: list[RSVP] = []
    while _seats_free(event):
        first = (
            RSVP.objects.select_for_update()
            .filter(event_id=event.pk, status=RSVPStatus.WAITLISTED)
            .order_by("waitlisted_at", "id")
            .first()
        )
        if first is None:
            break
        first.status = RSVPStatus.GOING
        first.waitlisted_at = None
        first.save(update_fields=["status", "waitlisted_at", "updated_at"])
        event.going_count += 1
        event.waitlist_count -= 1
        InboxItem.objects.create(
            recipient_id=first.member_id,
            kind="event.promoted",
            url=event_url(event),
            data={"event_id": event.pk, "title": event.title},
        )
        outbox_enqueue(kind="event.promoted", object_id=first.pk)
        logger.info("content.event.promoted event=%s member=%s", event.pk, first.member_id)
        promoted.append(first)
    return promoted


def rsvp_set(*, event: Event, member: Member, going: bool) -> RSVP:
    """Say you are going (a seat if one is free, else the end of the waitlist) or not going (your seat
    goes to the first member on the waitlist, who is told in their inbox). Idempotent."""
    if not events_readable(viewer=member).filter(pk=event.pk).exists():
        raise NotFound()
    if not can_participate(member=member, space=event.space):
        raise NotAllowed()
    if going:  # a suspended member may still give their seat back
        check_standing(member=member, publishing=False)
        check_required_consents(member=member)
    with transaction.atomic():
        # The lock serialises every RSVP of this event: counts read below cannot change under us.
        locked = Event.objects.select_for_update().get(pk=event.pk)
        now = timezone.now()
        if locked.starts_at <= now or (locked.rsvp_deadline is not None and locked.rsvp_deadline <= now):
            raise RSVPClosed()
        rsvp = RSVP.objects.filter(event_id=locked.pk, member_id=member.pk).first()
        previous = rsvp.status if rsvp else None
        if going and previous in (RSVPStatus.GOING, RSVPStatus.WAITLISTED):
            return rsvp
        if not going and previous == RSVPStatus.NOT_GOING:
            return rsvp
        if rsvp is None:
            rsvp = RSVP(event_id=locked.pk, member_id=member.pk)

        if going:
            if _seats_free(locked):
                rsvp.status, rsvp.waitlisted_at = RSVPStatus.GOING, None
                locked.going_count += 1
            else:
                rsvp.status, rsvp.waitlisted_at = RSVPStatus.WAITLISTED, now
                locked.waitlist_count += 1
        else:
            rsvp.status, rsvp.waitlisted_at = RSVPStatus.NOT_GOING, None
            if previous == RSVPStatus.GOING:
                locked.going_count -= 1
            elif previous == RSVPStatus.WAITLISTED:
                locked.waitlist_count -= 1
        rsvp.save()
        _promote_from_waitlist(locked)
        locked.save(update_fields=["going_count", "waitlist_count"])
    event.going_count, event.waitlist_count = locked.going_count, locked.waitlist_count
    logger.info("content.event.rsvp event=%s member=%s status=%s", locked.pk, member.pk, rsvp.status)
    return rsvp


def calendar_token_reset(*, member: Member) -> CalendarToken:
    """Create the member's calendar feed secret, or replace it: the old feed URL stops working."""
    token, created = CalendarToken.objects.get_or_create(member=member)
    if not created:
        token.token = new_calendar_token()
        token.save(update_fields=["token"])
    logger.info("content.calendar.token_reset member=%s", member.pk)
    return token


__all__ = [
    "EventCapacityInvalid",
    "EventDeadlineInvalid",
    "EventEndsBeforeStart",
    "EventInvalid",
    "EventTimezoneInvalid",
    "calendar_token_reset",
    "event_can_manage",
    "event_create",
    "event_delete",
    "event_update",
    "event_url",
    "rsvp_set",
]
