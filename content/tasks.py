"""Celery tasks of the content app: take ids, call a service, nothing else."""

from celery import shared_task

from content.delivery.outbox import outbox_kick, outbox_relay
from content.delivery.planner import deliveries_plan


@shared_task(name="content.plan_deliveries", ignore_result=True)
def plan_deliveries(outbox_id: int) -> int:
    emails = deliveries_plan(outbox_id=outbox_id)
    if emails:
        dispatch_email.apply_async(retry=False)
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
        dispatch_email.apply_async(retry=False)
    return composed


__all__ = ["compose_digests", "dispatch_email", "outbox_kick", "plan_deliveries", "relay_outbox"]
