"""Legal holds: pause retention for one member's rows or one object while a court, a regulator or a
dispute needs them (the retention engine skips what legal_holds_active() returns)."""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy.models import LegalHold, RetentionCategory

logger = logging.getLogger(__name__)


class LegalHoldInvalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def legal_hold_place(
    *,
    category: RetentionCategory,
    reason: str,
    by,
    member_id: int | None = None,
    object_id: str = "",
    until: datetime | None = None,
) -> LegalHold:
    """Hold a member's rows (member_id) or one object (object_id) of a category; `until` empty holds
    until lifted. A hold already in force for the same thing is returned as it is."""
    reason = (reason or "").strip()
    if not reason:
        raise LegalHoldInvalid(_("A legal hold needs a reason."))
    if member_id is None and not object_id:
        raise LegalHoldInvalid(_("A legal hold names a member or an object."))
    if until is not None and until <= timezone.now():
        raise LegalHoldInvalid(_("A legal hold ends in the future."))
    with transaction.atomic():
        existing = legal_holds_in_force().filter(
            category=category, member_id_held=member_id, object_id=object_id or ""
        )
        hold = existing.first()
        if hold is not None:
            return hold
        hold = LegalHold.objects.create(
            category=category,
            member_id_held=member_id,
            object_id=object_id or "",
            reason=reason[:200],
            until=until,
            created_by=by,
        )
    logger.info(
        "privacy.legal_hold.placed hold=%s category=%s by=%s", hold.pk, category.key, getattr(by, "pk", None)
    )
    return hold


def legal_holds_in_force(*, now: datetime | None = None):
    now = now or timezone.now()
    return LegalHold.objects.filter(Q(until__isnull=True) | Q(until__gt=now))


def legal_hold_lift(*, hold: LegalHold, by, now: datetime | None = None) -> bool:
    """End the hold now; the row stays as proof of when it applied. Returns False when it had ended."""
    now = now or timezone.now()
    # Conditional UPDATE: lifting twice (two operators, a double click) changes the end once.
    updated = (
        LegalHold.objects.filter(pk=hold.pk)
        .filter(Q(until__isnull=True) | Q(until__gt=now))
        .update(until=now)
    )
    if updated:
        hold.until = now
        logger.info("privacy.legal_hold.lifted hold=%s by=%s", hold.pk, getattr(by, "pk", None))
    return bool(updated)
