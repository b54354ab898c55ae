"""The Celery app, its reliability settings and every periodic schedule.

Reliability rests on PostgreSQL state (outbox and delivery rows) rather than on redelivery, but the
worker still acknowledges late and rejects on a lost child so a crash re-queues the one message in hand.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")

app = Celery("community")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    beat_scheduler="django_celery_beat.schedulers:DatabaseScheduler",
    timezone="UTC",
    # All periodic work, in one place. django-celery-beat copies these into the database on start,
    # where operators can see them, pause them or change their timing in the admin.
    beat_schedule={
        # Every retention category of the schedule (unverified signups included), daily.
        "privacy.apply_retention": {"task": "privacy.apply_retention", "schedule": crontab(minute=7, hour=4)},
        # export archives whose build task never reached a worker
        "privacy.retry_exports": {"task": "privacy.retry_exports", "schedule": crontab(minute="*/10")},
        # L9: accounts past their 7-day grace period. Hourly rather than daily, so nothing waits up to a
        # day past the date the member was shown, and a claim whose worker died is retried within hours.
        "privacy.complete_deletions": {"task": "privacy.complete_deletions", "schedule": crontab(minute=23)},
        # L11: the access log's queued rows into the table (one INSERT per 5,000 rows), and its monthly
        # partitions made ahead of time (this month and the next two).
        "privacy.flush_access_log": {"task": "privacy.flush_access_log", "schedule": 10.0},
        "privacy.access_log_partitions": {
            "task": "privacy.access_log_partitions",
            "schedule": crontab(minute=51, hour=3),
        },
        "members.recompute_trust_levels": {
            "task": "members.recompute_trust_levels",
            "schedule": crontab(minute=41, hour=2),
        },
        # Delivery engine: state lives in PostgreSQL, so each run only picks up what is due.
        "content.relay_outbox": {"task": "content.relay_outbox", "schedule": 30.0},
        "content.dispatch_email": {"task": "content.dispatch_email", "schedule": 5.0},
        # every 5 minutes: a reminder goes out at most 5 minutes after its moment
        "content.schedule_event_reminders": {
            "task": "content.schedule_event_reminders",
            "schedule": crontab(minute="*/5"),
        },
        # every quarter hour: each member's digest goes out during their local digest hour
        "content.compose_digests": {"task": "content.compose_digests", "schedule": crontab(minute="*/15")},
        # questions unanswered for 3 days: one notice to each asker (a unique row makes it once)
        "content.remind_unanswered": {
            "task": "content.remind_unanswered",
            "schedule": crontab(minute=17, hour=9),
        },
        # idempotency records past their time (an API Idempotency-Key: 24 hours, a form's token: 10 min)
        "community.purge_idempotency_records": {
            "task": "community.purge_idempotency_records",
            "schedule": crontab(minute=37),
        },
        # L22: content hidden by an IP notice comes back 15 days after the counter-notice unless the
        # rights holder took it further (daily; the job settles every notice that is due)
        "moderation.ip_notices_restore": {
            "task": "moderation.ip_notices_restore",
            "schedule": crontab(minute=17, hour=5),
        },
    },
)
app.autodiscover_tasks()
