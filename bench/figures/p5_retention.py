"""P5: the retention purge of expired access-log rows (privacy's handler for the "access_logs"
category) against one raw DELETE of the same rows. Measured only once privacy has an access log
(privacy.AccessLog) with a retention handler; until then the figure says so."""

from django.apps import apps

from bench.context import Context
from bench.report import Figure, not_measured
from privacy.registry import retention_handlers

WHAT = "retention purge of expired access-log rows"
TARGET = ">= 0.50 of raw DELETE; batch <= 1 s"


def access_log_ready() -> str:
    """Empty when the access log and its retention handler exist; otherwise what is missing."""
    try:
        apps.get_model("privacy", "AccessLog")
    except LookupError:
        return "access log not built yet (no privacy.AccessLog model)"
    if not retention_handlers("access_logs"):
        return "access log has no retention handler for 'access_logs' yet"
    return ""


def measure(context: Context) -> list[Figure]:
    missing = access_log_ready()
    if missing:
        return [not_measured(id="P5", what=WHAT, target=TARGET, why=missing)]
    # The model exists but this harness does not know its columns or partitions yet: say so rather
    # than guess (see bench/README.md, "P5").
    return [
        not_measured(
            id="P5",
            what=WHAT,
            target=TARGET,
            why="privacy.AccessLog exists but the harness has no seeding for it yet",
        )
    ]
