"""Celery tasks of the content app: take ids, call a service, nothing else."""

import logging

from celery import shared_task

from content.delivery.outbox import outbox_kick, outbox_relay
from content.delivery.planner import deliveries_plan

logger = logging.getLogger(__name__)


def _kick_dispatcher() -> None:
    """Send due emails now rather than at the next beat; the beat covers a failure."""
    try:
        dispatch_email.apply_async(retry=False)
    except Exception:  # the broker is down: the periodic dispatcher will find the rows
        logger.warning("content.delivery.dispatch_kick_failed", exc_info=True)


@shared_task(name="content.plan_deliveries", ignore_result=True)
def plan_deliveries(outbox_id: int) -> int:
    emails = deliveries_plan(outbox_id=outbox_id)
    if emails:
        _kick_dispatcher()
    return emails


@shared_task(name="content.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    return outbox_relay()


@shared_task(name="content.dispatch_email", ignore_result=True)
def dispatch_email() -> int:
    from content.delivery.dispatcher import deliveries_dispatch

    return deliveries_dispatch()


@shared_task(name="content.compose_digests", ignore_result=True)
def compose_digests() -> int:
    from content.delivery.digest import digests_compose

    composed = digests_compose()
    if composed:
        _kick_dispatcher()
    return composed


__all__ = ["compose_digests", "dispatch_email", "outbox_kick", "plan_deliveries", "relay_outbox"]
