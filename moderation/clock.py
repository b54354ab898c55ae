"""The response clock (LEGAL L19) and how serious each reason is.

Illegal content and privacy violations run on hours; every other reason, and complaints, on 15
working days counted by privacy's calendar (weekends and settings.PRIVACY_HOLIDAYS skipped), the one
calendar the data-subject requests use too.

Settings may override with MODERATION_RESPONSE_HOURS ({reason: hours}), MODERATION_RESPONSE_WORKING_DAYS,
MODERATION_TRIAGE_HOURS, MODERATION_CLAIM_MINUTES and MODERATION_REPORTS_PER_DAY; they are read at call
time, never at import.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from moderation.models import ReportReason
from privacy.requests import working_days_after

DEFAULT_RESPONSE_HOURS: dict[str, int] = {
    ReportReason.ILLEGAL: 2,
    ReportReason.PRIVACY: 24,
}
DEFAULT_RESPONSE_WORKING_DAYS = 15
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


def response_working_days() -> int:
    return getattr(settings, "MODERATION_RESPONSE_WORKING_DAYS", DEFAULT_RESPONSE_WORKING_DAYS)


def response_due(*, reason: str, start: datetime) -> datetime:
    """L19: when a decision on a report of `reason` made at `start` is due. Hour-based reasons (illegal
    content, privacy violations, or any configured in MODERATION_RESPONSE_HOURS) count hours; the others
    15 working days."""
    configured = getattr(settings, "MODERATION_RESPONSE_HOURS", None) or {}
    hours = configured.get(reason, DEFAULT_RESPONSE_HOURS.get(reason))
    if hours is not None:
        return start + timedelta(hours=hours)
    return working_days_after(start=start, days=response_working_days())


def response_time(reason: str) -> timedelta:
    """How long from now a decision on `reason` may take (working days make it depend on today)."""
    now = timezone.now()
    return response_due(reason=reason, start=now) - now


def complaint_due(*, start: datetime) -> datetime:
    """L19: a complaint is answered within 15 working days."""
    return working_days_after(start=start, days=response_working_days())


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
