import logging

from celery import shared_task

from privacy.deletion import deletions_complete_due
from privacy.export import build_export, retry_exports  # noqa: F401  (registers the export tasks)
from privacy.retention import retention_apply

logger = logging.getLogger(__name__)


@shared_task(name="privacy.apply_retention")
def apply_retention() -> int:
    runs = retention_apply()
    return sum(run.rows_affected for run in runs)


@shared_task(name="privacy.complete_deletions")
def complete_deletions() -> int:
    """LEGAL L9: erase every account whose 7-day grace period has passed."""
    return deletions_complete_due()
