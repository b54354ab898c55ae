"""The request desk (LEGAL L8, L10): requests that need a person, with a deadline and a status."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy.models import DataRequest, DataRequestKind, DataRequestStatus

WORKING_DAYS = 15
DETAILS_MAX = 5000


class DataRequestInvalid(Exception):
    """A request or a decision that cannot be recorded; `field` names the form field to blame."""

    def __init__(self, *, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _holidays() -> set[date]:
    days = set()
    for item in getattr(settings, "PRIVACY_HOLIDAYS", []):
        days.add(date.fromisoformat(item) if isinstance(item, str) else item)
    return days


def working_days_after(*, start: datetime, days: int = WORKING_DAYS) -> datetime:
    """`days` working days after `start` (Saturdays, Sundays and settings.PRIVACY_HOLIDAYS skipped),
    at the same time of day, but never later than the 30-day hard stop."""
    holidays = _holidays()
    local = timezone.localtime(start)
    current = local
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        if current.weekday() < 5 and current.date() not in holidays:
            counted += 1
    return min(current, local + DataRequest.HARD_STOP)


def data_request_file(*, member, kind: str, details: str) -> DataRequest:
    details = (details or "").strip()
    if kind not in DataRequestKind.values:
        raise DataRequestInvalid(field="kind", message=_("Choose what you are asking for."))
    if not details:
        raise DataRequestInvalid(field="details", message=_("Tell us what you are asking for."))
    if len(details) > DETAILS_MAX:
        raise DataRequestInvalid(field="details", message=_("Please keep this under 5000 characters."))
    now = timezone.now()
    return DataRequest.objects.create(
        member=member, kind=kind, details=details, created_at=now, due_at=working_days_after(start=now)
    )


def data_request_decide(*, request: DataRequest, by, status: str, reason: str = "") -> DataRequest:
    """Move a request on. A refusal needs a written reason (LEGAL L8); done or refused records when
    and by whom."""
    reason = (reason or "").strip()
    if status not in DataRequestStatus.values:
        raise DataRequestInvalid(field="status", message=_("Choose a status."))
    if status == DataRequestStatus.REFUSED and not reason:
        raise DataRequestInvalid(field="refusal_reason", message=_("A refusal needs a written reason."))
    with transaction.atomic():
        request.status = status
        request.refusal_reason = reason if status == DataRequestStatus.REFUSED else ""
        if status in (DataRequestStatus.DONE, DataRequestStatus.REFUSED):
            request.decided_at = timezone.now()
        else:
            request.decided_at = None
        request.handled_by = by
        request.save(update_fields=["status", "refusal_reason", "decided_at", "handled_by"])
    return request


def data_requests_of(*, member):
    """A member's own requests, newest first (a selector; one query)."""
    return DataRequest.objects.filter(member=member).order_by("-created_at", "-id")
