import logging

from celery import shared_task

from privacy.access_log import access_log_flush, access_log_partitions_ensure
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


@shared_task(name="privacy.flush_access_log")
def flush_access_log() -> int:
    """LEGAL L11: move the queued access-log rows into the table (one bulk INSERT per 5,000 rows)."""
    return access_log_flush()


@shared_task(name="privacy.access_log_partitions")
def access_log_partitions() -> int:
    """Create the access log's monthly partitions ahead of time (this month and the next two)."""
    return len(access_log_partitions_ensure())
