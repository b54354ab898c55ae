import logging

from celery import shared_task

from privacy.export import build_export, retry_exports  # noqa: F401  (registers the export tasks)
from privacy.retention import retention_apply

logger = logging.getLogger(__name__)


@shared_task(name="privacy.apply_retention")
def apply_retention() -> int:
    runs = retention_apply()
    return sum(run.rows_affected for run in runs)
