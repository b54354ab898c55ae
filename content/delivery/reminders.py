"""Event reminders: 24 hours and 1 hour before an event, to the members going.

A periodic job writes one outbox row per event and reminder (the outbox's unique key makes a second
run harmless); the planner turns each into inbox items and reminder emails, which count against the
member's attention budget like any other non-transactional email.
"""

import logging
from datetime import datetime, timedelta

from django.utils import timezone

from content.delivery import outbox
from content.delivery.models import Outbox
from content.models import ContentStatus, Event

logger = logging.getLogger(__name__)

REMINDER_24H = "event.reminder_24h"
REMINDER_1H = "event.reminder_1h"
REMINDER_KINDS = (REMINDER_24H, REMINDER_1H)


def reminders_due(*, now: datetime) -> list[tuple[str, int]]:
    """(kind, event id) of every reminder whose time has come: events starting within the hour get the
    1-hour reminder, events starting within a day (and more than an hour away) the 24-hour one."""
    upcoming = Event.objects.filter(
        status=ContentStatus.PUBLISHED, deleted_at__isnull=True, starts_at__gt=now
    ).order_by("starts_at")
    soon = upcoming.filter(starts_at__lte=now + timedelta(hours=1)).values_list("pk", flat=True)
    tomorrow = upcoming.filter(
        starts_at__gt=now + timedelta(hours=1), starts_at__lte=now + timedelta(hours=24)
    ).values_list("pk", flat=True)
    return [(REMINDER_1H, pk) for pk in soon] + [(REMINDER_24H, pk) for pk in tomorrow]


def reminders_schedule(*, now: datetime | None = None) -> int:
    """Write the outbox rows of the reminders now due and ask a worker to plan the new ones; returns
    how many rows are new. Rows already written (an earlier run) are left to their planner."""
    now = now or timezone.now()
    due = reminders_due(now=now)
    if not due:
        return 0
    started = timezone.now()
    Outbox.objects.bulk_create(
        [Outbox(kind=kind, object_id=event_id) for kind, event_id in due], ignore_conflicts=True
    )
    new = list(
        Outbox.objects.filter(kind__in=REMINDER_KINDS, created_at__gte=started, planned_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for outbox_id in new:
        if not outbox.outbox_kick(outbox_id=outbox_id):
            break  # the broker is down: the relay plans them a minute from now
    logger.info("content.delivery.reminders_scheduled new=%s", len(new))
    return len(new)
