import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from members.services import member_purge_unverified_signups
from members.trust import trust_levels_recompute

logger = logging.getLogger(__name__)


@shared_task(name="members.purge_unverified_signups")
def purge_unverified_signups() -> int:
    cutoff = timezone.now() - timedelta(days=settings.UNVERIFIED_SIGNUP_KEEP_DAYS)
    deleted = member_purge_unverified_signups(joined_before=cutoff)
    logger.info("purged %d unverified signups joined before %s", deleted, cutoff.isoformat())
    return deleted


@shared_task(name="members.recompute_trust_levels")
def recompute_trust_levels() -> int:
    changed = trust_levels_recompute()
    logger.info("trust levels: %d members changed level", changed)
    return changed
