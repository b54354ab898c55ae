"""Celery tasks of the content app: take ids, call a service, nothing else."""

import logging

from celery import shared_task
from django.conf import settings

from content.delivery.outbox import dispatcher_kick, outbox_kick, outbox_relay
from content.delivery.planner import deliveries_plan

logger = logging.getLogger(__name__)


@shared_task(name="content.plan_deliveries", ignore_result=True)
def plan_deliveries(outbox_id: int) -> int:
    emails = deliveries_plan(outbox_id=outbox_id, batch_size=settings.DELIVERY_PLAN_BATCH)
    if emails:
        dispatcher_kick()
    return emails


@shared_task(name="content.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    return outbox_relay()


@shared_task(name="content.dispatch_email", ignore_result=True)
def dispatch_email() -> int:
    from content.delivery.dispatcher import deliveries_dispatch

    return deliveries_dispatch()


@shared_task(name="content.schedule_event_reminders", ignore_result=True)
def schedule_event_reminders() -> int:
    from content.delivery.reminders import reminders_schedule

    return reminders_schedule()


@shared_task(name="content.compose_digests", ignore_result=True)
def compose_digests() -> int:
    from content.delivery.digest import digests_compose

    composed = digests_compose()
    if composed:
        dispatcher_kick()
    return composed


@shared_task(name="content.remind_unanswered", ignore_result=True)
def remind_unanswered() -> int:
    from content.services.questions import questions_remind_unanswered

    return questions_remind_unanswered()


__all__ = [
    "compose_digests",
    "dispatch_email",
    "outbox_kick",
    "plan_deliveries",
    "relay_outbox",
    "remind_unanswered",
    "schedule_event_reminders",
]
