"""Writing outbox rows inside the publishing transaction, and the after-commit kick."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from content.delivery.models import Outbox

logger = logging.getLogger(__name__)


def outbox_enqueue(*, kind: str, object_id: int) -> Outbox:
    """Record "plan deliveries for kind/object_id" in the caller's transaction; after the commit, ask a
    worker to plan at once. Enqueuing the same thing twice is harmless (one row per kind and object)."""
    # One statement, and no error on a repeat (a member promoted from a waitlist twice): the caller's
    # transaction must never break here. PostgreSQL returns the id of the new or existing row.
    (row,) = Outbox.objects.bulk_create(
        [Outbox(kind=kind, object_id=object_id)],
        update_conflicts=True,
        unique_fields=["kind", "object_id"],
        update_fields=["kind"],
    )
    transaction.on_commit(lambda: outbox_kick(outbox_id=row.pk))
    return row


def task_kick(task, *args) -> bool:
    """Publish a task without retries and with a short connection timeout. A broker outage must never
    fail or slow down the request that caused it: a periodic job picks the work up later."""
    try:
        # The URL is read now, not at import, so a settings override (and a broker moved at run time)
        # applies; Celery's own retry loop is off, so a dead broker costs one refused connection.
        with task.app.connection_for_write(
            settings.CELERY_BROKER_URL,
            connect_timeout=1,
            # kombu would otherwise retry the first connection with pauses of a second
            transport_options={"socket_connect_timeout": 1, "socket_timeout": 1, "max_retries": 0},
        ) as connection:
            task.apply_async(args=list(args), connection=connection, retry=False)
    except Exception:  # any broker failure at all: log it, the periodic job covers it
        logger.warning("content.delivery.kick_failed task=%s args=%s", task.name, args, exc_info=True)
        return False
    return True


def outbox_kick(*, outbox_id: int) -> bool:
    """Ask a worker to plan this row now; when the broker is down, the relay picks the row up later."""
    from content.tasks import plan_deliveries

    return task_kick(plan_deliveries, outbox_id)


def dispatcher_kick() -> bool:
    """Ask a worker to send due emails now rather than at the next beat (which covers a failure)."""
    from content.tasks import dispatch_email

    return task_kick(dispatch_email)


def outbox_relay(*, limit: int = 200) -> int:
    """Re-publish rows still unplanned a minute (DELIVERY_RELAY_AFTER_SECONDS) after their commit
    (broker down, crash after commit)."""
    cutoff = timezone.now() - timedelta(seconds=getattr(settings, "DELIVERY_RELAY_AFTER_SECONDS", 60))
    ids = list(
        Outbox.objects.filter(planned_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for outbox_id in ids:
        if not outbox_kick(outbox_id=outbox_id):
            break
    return len(ids)
