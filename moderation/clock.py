"""The response clock (LEGAL L19) and how serious each reason is.

Settings may override with MODERATION_RESPONSE_HOURS ({reason: hours}), MODERATION_TRIAGE_HOURS,
MODERATION_CLAIM_MINUTES and MODERATION_REPORTS_PER_DAY; they are read at call time, never at import.
"""

from datetime import timedelta

from django.conf import settings

from moderation.models import ReportReason

# 15 working days is about 21 calendar days; a working-day calendar (holidays) is not modelled yet.
DEFAULT_RESPONSE_HOURS: dict[str, int] = {
    ReportReason.ILLEGAL: 2,
    ReportReason.PRIVACY: 24,
}
DEFAULT_OTHER_RESPONSE_HOURS = 21 * 24
DEFAULT_TRIAGE_HOURS = 24
DEFAULT_CLAIM_MINUTES = 30
DEFAULT_REPORTS_PER_DAY = "20/day"

SEVERITY: dict[str, int] = {
    ReportReason.ILLEGAL: 100,
    ReportReason.PRIVACY: 60,
    ReportReason.HARASSMENT: 50,
    ReportReason.IP: 30,
    ReportReason.MISLEADING: 20,
    ReportReason.SPAM: 15,
    ReportReason.OTHER: 10,
    ReportReason.OFF_TOPIC: 5,
}


def response_time(reason: str) -> timedelta:
    configured = getattr(settings, "MODERATION_RESPONSE_HOURS", None) or {}
    hours = configured.get(reason, DEFAULT_RESPONSE_HOURS.get(reason, DEFAULT_OTHER_RESPONSE_HOURS))
    return timedelta(hours=hours)


def triage_time() -> timedelta:
    return timedelta(hours=getattr(settings, "MODERATION_TRIAGE_HOURS", DEFAULT_TRIAGE_HOURS))


def claim_time() -> timedelta:
    return timedelta(minutes=getattr(settings, "MODERATION_CLAIM_MINUTES", DEFAULT_CLAIM_MINUTES))


def reports_per_day() -> str:
    return getattr(settings, "MODERATION_REPORTS_PER_DAY", DEFAULT_REPORTS_PER_DAY)


def more_serious(a: str, b: str) -> str:
    return a if SEVERITY.get(a, 0) >= SEVERITY.get(b, 0) else b


def reporter_weight(*, trust_level: int, upheld: int, dismissed: int) -> int:
    """Points one reporter adds: 10 for a new member up to 40 for a regular, scaled by how often their
    earlier reports were upheld (Laplace-smoothed, so a first report counts as a neutral one)."""
    track_record = (upheld + 1) / (upheld + dismissed + 2)
    return round(10 * (1 + trust_level) * 2 * track_record)
