"""LEGAL L9: account deletion with a 7-day grace period.

deletion_request() (after the member re-enters their password) opens a DeletionRequest due in 7 days;
until the job claims it the member can still sign in, sees a banner on every page and can cancel with
one click. privacy.complete_deletions then walks the registry of personal data and calls every app's
erase function (privacy imports no other app: each app registers what to delete or anonymise), records
the AccountClosure the consent ledger's keep-period counts from, and marks the request completed.

What stays: the member row as a tombstone without personal data (posts, comments, events and
moderation records point to it; their foreign keys protect it), and the categories with a legal floor
(access logs, records of deleted posts), kept in storage only until retention purges them.
"""

import logging
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy.models import DeletionRequest, LegalHold
from privacy.registry import erase_sources
from privacy.services import account_closure_record

logger = logging.getLogger(__name__)

GRACE = DeletionRequest.GRACE
# A claimed request whose worker died is taken up again after this long.
STALE_START = timedelta(hours=1)
REAUTH_LIMIT = 5
REAUTH_WINDOW = 15 * 60
# The banner's cached answer for a member with nothing pending; a request or a cancellation rewrites it.
BANNER_NONE_SECONDS = 3600
_NONE = "none"


class DeletionError(Exception):
    code = "deletion_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WrongPassword(DeletionError):
    code = "wrong_password"


class TooManyAttempts(DeletionError):
    code = "too_many_attempts"


# --- selectors ------------------------------------------------------------------------------------


def deletion_open(*, member_id: int) -> DeletionRequest | None:
    """The member's pending deletion, if any (one query)."""
    return DeletionRequest.objects.open().filter(member_ref=member_id).first()


def _banner_key(member_id: int) -> str:
    return f"privacy:deletion-due:{member_id}"


def _banner_store(member_id: int, due_at: datetime | None) -> None:
    if due_at is None:
        cache.set(_banner_key(member_id), _NONE, BANNER_NONE_SECONDS)
        return
    # Kept a little past the due date: until the job runs the member can still cancel.
    seconds = max(60, int((due_at - timezone.now()).total_seconds()) + 2 * 86400)
    cache.set(_banner_key(member_id), due_at.isoformat(), seconds)


def deletion_banner_due(*, member_id: int) -> datetime | None:
    """When the member's account is due to be deleted, for the banner on every page. Answered from the
    cache, which the services and every sign-in keep current; on a miss (a restarted cache) one query
    fills it again."""
    try:
        value = cache.get(_banner_key(member_id))
    except Exception:
        # The banner is worth one query when the cache is down, never a broken page.
        logger.warning("cache unavailable; reading the pending deletion directly", exc_info=True)
        pending = deletion_open(member_id=member_id)
        return pending.due_at if pending else None
    if value is None:
        pending = deletion_open(member_id=member_id)
        due_at = pending.due_at if pending else None
        _banner_store(member_id, due_at)
        return due_at
    return None if value == _NONE else datetime.fromisoformat(value)


def deletion_banner_refresh(*, member_id: int) -> None:
    """At every sign-in (one query): the banner shows on the new device from its first page."""
    pending = deletion_open(member_id=member_id)
    try:
        _banner_store(member_id, pending.due_at if pending else None)
    except Exception:
        logger.warning("cache unavailable; the deletion banner is read on the next page", exc_info=True)


# --- the member's side ----------------------------------------------------------------------------


def _reauth_key(member_id: int) -> str:
    return f"privacy:deletion-reauth:{member_id}"


def _check_password(*, member, password: str) -> None:
    """Re-authentication: the current password, with a bound on guesses (the page would otherwise be a
    password oracle for anyone who finds a signed-in browser)."""
    key = _reauth_key(member.pk)
    if (cache.get(key) or 0) >= REAUTH_LIMIT:
        raise TooManyAttempts(_("Too many wrong passwords. Try again in 15 minutes."))
    if not member.check_password(password or ""):
        cache.add(key, 0, REAUTH_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, REAUTH_WINDOW)
        raise WrongPassword(_("That is not your current password."))
    cache.delete(key)


def deletion_request(*, member, password: str) -> DeletionRequest:
    """Open a deletion request due in 7 days, or return the one already open (idempotent). Raises
    WrongPassword or TooManyAttempts."""
    _check_password(member=member, password=password)
    existing = deletion_open(member_id=member.pk)
    if existing is not None:
        return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            request = DeletionRequest.objects.create(
                member=member, member_ref=member.pk, requested_at=now, due_at=now + GRACE
            )
    except IntegrityError:
        # A second click raced the first; the constraint keeps one.
        return deletion_open(member_id=member.pk)
    transaction.on_commit(lambda: _banner_store(member.pk, request.due_at))
    logger.info("privacy.deletion.requested member=%s due=%s", member.pk, request.due_at.isoformat())
    return request


def deletion_cancel(*, member) -> bool:
    """Cancel the member's pending deletion. False when there is none, or when the job has already
    erased the account (then it is too late)."""
    with transaction.atomic():
        # Conditional UPDATE on the row the job locks while it erases: a cancel in the middle waits for
        # the outcome, then finds the request completed (too late) or, if the job died, still open.
        cancelled = (
            DeletionRequest.objects.open()
            .filter(member_ref=member.pk, started_at__isnull=True)
            .update(cancelled_at=timezone.now())
        )
    if cancelled:
        transaction.on_commit(lambda: _banner_store(member.pk, None))
        logger.info("privacy.deletion.cancelled member=%s", member.pk)
    return bool(cancelled)


# --- the job --------------------------------------------------------------------------------------


def deletions_due(*, now: datetime | None = None) -> list[int]:
    """Requests past their grace period, not claimed or claimed by a worker that evidently died."""
    now = now or timezone.now()
    unclaimed = Q(started_at__isnull=True) | Q(started_at__lt=now - STALE_START)
    return list(
        DeletionRequest.objects.open()
        .filter(unclaimed, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)
    )


def _held(member_id: int, now: datetime) -> bool:
    # A legal hold on the member's account data (a court, an authority) pauses the deletion.
    return (
        LegalHold.objects.filter(category__key="deleted_accounts", member_id_held=member_id)
        .filter(Q(until__isnull=True) | Q(until__gt=now))
        .exists()
    )


def deletion_complete(*, request_id: int, now: datetime | None = None) -> bool:
    """Erase one account whose grace period has passed. Returns False when there was nothing to do
    (cancelled, not yet due, done, held, or another worker has it). Safe to run again after a crash:
    every erase function is idempotent."""
    now = now or timezone.now()
    request = DeletionRequest.objects.filter(pk=request_id).first()
    if request is None or not request.is_open or request.due_at > now:
        return False
    member_id = request.member_ref
    if _held(member_id, now):
        logger.info("privacy.deletion.held request=%s", request_id)
        return False
    unclaimed = Q(started_at__isnull=True) | Q(started_at__lt=now - STALE_START)
    affected = 0
    # One transaction for the whole account (issue 9, R5). Erased app by app in transactions of their
    # own, an account was visible half erased: its name still on its profile while its mentions
    # already said "Deleted member", its profile empty while its consents and export archive were
    # still linked, and a worker killed in between left it so for an hour. Now a reader sees the
    # account whole or erased, never between, and a worker killed midway leaves it untouched. The
    # request's row lock is the claim: a second worker skips it, a dead worker's claim ends with its
    # connection (the next run takes the request at once), and a cancel waits for the outcome.
    with transaction.atomic():
        claimed = (
            DeletionRequest.objects.open()
            .filter(unclaimed, pk=request_id, due_at__lte=now)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
            .first()
        )
        if claimed is None:
            return False
        DeletionRequest.objects.filter(pk=request_id).update(started_at=timezone.now())
        for erase, entries in erase_sources():
            affected += erase(member_id=member_id) or 0
            logger.info("privacy.deletion.erased request=%s by=%s", request_id, entries[0].app_label)
        account_closure_record(member_id=member_id, closed_at=timezone.now())
        DeletionRequest.objects.filter(pk=request_id).update(completed_at=timezone.now())
    try:
        cache.delete(_banner_key(member_id))
    except Exception:
        logger.warning("could not clear the deletion banner of %s", member_id, exc_info=True)
    # L12-style proof without personal data: the request row keeps ids and times; the log has counts.
    logger.info("privacy.deletion.completed request=%s rows=%s", request_id, affected)
    return True


class DeletionsFailed(Exception):
    """One or more accounts failed; the others were still erased. The failed ones are retried."""


def deletions_complete_due(*, now: datetime | None = None) -> int:
    """Every account whose grace period has passed; one failure does not stop the others."""
    done = 0
    failed = []
    for request_id in deletions_due(now=now):
        try:
            done += deletion_complete(request_id=request_id, now=now)
        except Exception:
            logger.exception("privacy.deletion.failed request=%s", request_id)
            failed.append(request_id)
    if failed:
        raise DeletionsFailed(", ".join(str(i) for i in failed))
    return done
