"""Moderation's Celery tasks: each loads by id or date and calls a service."""

from celery import shared_task

from moderation.ip_notices import ip_notices_restore_due


@shared_task(name="moderation.ip_notices_restore")
def ip_notices_restore() -> int:
    """LEGAL L22: publish again the content of notices countered 15 days ago and not taken further."""
    return ip_notices_restore_due()
