"""The retention engine (LEGAL L11, L12).

For each category of the schedule, the registered handlers name what has passed its keep-period; the
engine deletes or anonymises it in batches of ids (each batch its own short transaction, so a large
backlog never holds locks for long), skips whatever is under a legal hold, and writes a RetentionRun
with counts and times only. Running it twice changes nothing the second time.

The cutoff is always now - keep_days; each handler applies it to the moment its category counts from
(RetentionCategory.counted_from): created_at for delivery records, deleted_at for deleted posts, the
account's closing for the consent ledger.

Killed midway (SIGKILL, a lost connection), a run leaves nothing half done and its proof stays true:
the RetentionRun is written when the category starts (finished_at empty, which the operators'
dashboard shows as stalled after an hour) and each batch adds its count to it in the batch's own
transaction, so the proof counts exactly the rows that are gone. A purge handler (the app's own
service, with its own transactions) does the same when it accepts `on_batch`: it calls
on_batch(rows) inside each batch's transaction, and the engine adds them to the proof there. (One that
does not accept it reports its count when it returns; killed inside, its unfinished run counts only
what came before it.) The next run takes up whatever is left.

LEGAL L9: what a deleted account leaves under a legal floor is kept only until the floor, not for the
whole keep-period. For a category whose floor is shorter than its keep-period, the rows of closed
accounts (AccountClosure) expire at now - floor_days; everyone else's at now - keep_days. A purge
handler gets the floor cutoff as `floor_cutoff` when it accepts one.
"""

import inspect
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from privacy.models import AccountClosure, LegalHold, RetentionAction, RetentionCategory, RetentionRun
from privacy.registry import RetentionHandler, retention_handlers

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def legal_holds_active(*, category: RetentionCategory, now: datetime) -> tuple[set[int], set[str]]:
    """(held member ids, held object ids) of the category's holds that have not ended."""
    holds = LegalHold.objects.filter(category=category).filter(Q(until__isnull=True) | Q(until__gt=now))
    member_ids: set[int] = set()
    object_ids: set[str] = set()
    for member_id, object_id in holds.values_list("member_id_held", "object_id"):
        if member_id is not None:
            member_ids.add(member_id)
        if object_id:
            object_ids.add(object_id)
    return member_ids, object_ids


def _proof_add(proof, done: int, *, category: RetentionCategory) -> None:
    """A purge service's on_batch: add a committed batch's rows to the run's proof. Called outside a
    transaction, the count would commit apart from the rows and a kill in between would make it wrong."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            f"retention {category.key}: on_batch must be called inside the batch's transaction"
        )
    if done:
        proof.update(rows_affected=F("rows_affected") + done)


def _apply_handler(
    *,
    handler: RetentionHandler,
    category: RetentionCategory,
    cutoff: datetime,
    floor_cutoff: datetime | None,
    held_members: set[int],
    held_objects: set[str],
    batch_size: int,
    run: RetentionRun,
) -> tuple[int, int]:
    """Returns (rows affected, rows held back). Each batch adds its count to `run` in its transaction."""
    proof = RetentionRun.objects.filter(pk=run.pk)
    if handler.purge is not None:
        if held_members or held_objects:
            # The app's own service cannot skip single rows: a hold pauses the handler whole.
            logger.info("retention %s/%s paused by a legal hold", category.key, handler.name)
            return 0, 0
        accepts = inspect.signature(handler.purge).parameters
        options = {}
        if floor_cutoff is not None and "floor_cutoff" in accepts:
            options["floor_cutoff"] = floor_cutoff
        if "on_batch" in accepts:
            # The proof moves with each of the service's batches, in that batch's own transaction.
            options["on_batch"] = lambda done: _proof_add(proof, done, category=category)
            return handler.purge(cutoff, **options), 0
        done = handler.purge(cutoff, **options)
        proof.update(rows_affected=F("rows_affected") + done)
        return done, 0

    expired = handler.expired(cutoff)
    if floor_cutoff is not None and handler.member_field:
        closed = AccountClosure.objects.values("member_ref")
        expired = expired | handler.expired(floor_cutoff).filter(**{f"{handler.member_field}__in": closed})
    held = Q()
    if held_objects:
        held |= Q(pk__in=[int(o) for o in held_objects if o.isdigit()])
    if held_members and handler.member_field:
        held |= Q(**{f"{handler.member_field}__in": held_members})
    held_count = 0
    if held:
        held_count = expired.filter(held).count()
        expired = expired.exclude(held)

    anonymise = category.action == RetentionAction.ANONYMIZE and handler.anonymize is not None
    model = expired.model
    affected = 0
    last_id = 0
    while True:
        with transaction.atomic():
            # Keyset over ids: anonymised rows may still match `expired`, so never re-read them.
            ids = list(
                expired.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return affected, held_count
            last_id = ids[-1]
            if anonymise:
                done = handler.anonymize(ids)
            else:
                # Count the category's own rows, not the cascade's.
                model._base_manager.filter(pk__in=ids).delete()
                done = len(ids)
            # The proof moves with the work: committed together, or neither.
            proof.update(rows_affected=F("rows_affected") + done)
            affected += done


def retention_apply_category(
    *, category: RetentionCategory, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> RetentionRun | None:
    """Apply one category's keep-period. None when nothing is registered for it or it has no fixed
    keep-period (kept while the account or the ban lasts)."""
    handlers = retention_handlers(category.key)
    if not handlers or category.keep_days is None:
        return None
    now = now or timezone.now()
    # Never below the floor, even if the row was edited around the admin's validation.
    keep_days = max(category.keep_days, category.floor_days)
    cutoff = now - timedelta(days=keep_days)
    # Only a real legal floor shortens a closed account's period (floor 0 means "no floor", not "now").
    floor_cutoff = None
    if 0 < category.floor_days < keep_days:
        floor_cutoff = now - timedelta(days=category.floor_days)
    held_members, held_objects = legal_holds_active(category=category, now=now)
    # L12: the proof holds the category, the cutoff, counts and times; never what was removed. Written
    # first (unfinished), so a run killed midway still proves the batches it committed.
    run = RetentionRun.objects.create(
        category=category, action=category.action, cutoff=cutoff, started_at=timezone.now()
    )
    affected = held = 0
    try:
        for handler in handlers:
            done, kept = _apply_handler(
                handler=handler,
                category=category,
                cutoff=cutoff,
                floor_cutoff=floor_cutoff,
                held_members=held_members,
                held_objects=held_objects,
                batch_size=batch_size,
                run=run,
            )
            affected += done
            held += kept
    except Exception:
        # A failure that removed nothing has nothing to prove (it is logged, and the task fails);
        # one that committed batches keeps its unfinished proof of them.
        try:
            RetentionRun.objects.filter(pk=run.pk, rows_affected=0).delete()
        except Exception:  # never hide the failure itself behind this clean-up's
            logger.warning("retention %s: could not tidy the failed run's proof", category.key, exc_info=True)
        raise
    RetentionRun.objects.filter(pk=run.pk).update(rows_held=held, finished_at=timezone.now())
    run.refresh_from_db()
    logger.info(
        "retention %s: %d rows %s before %s", category.key, affected, category.action, cutoff.isoformat()
    )
    return run


class RetentionFailed(Exception):
    """One or more categories failed; the others still ran (each batch is committed on its own)."""


def retention_apply(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> list[RetentionRun]:
    runs = []
    failed = []
    for category in RetentionCategory.objects.order_by("key"):
        try:
            run = retention_apply_category(category=category, now=now, batch_size=batch_size)
        except Exception:
            # One app's broken handler must not stop the others' deletions; the task still fails below.
            logger.exception("retention %s failed", category.key)
            failed.append(category.key)
            continue
        if run is not None:
            runs.append(run)
    if failed:
        raise RetentionFailed(", ".join(failed))
    return runs
