"""LEGAL L7: a member's data export.

export_request() opens one request per member at a time (idempotent); export_build() walks the registry
of personal data (privacy imports no other app), writes every section into a ZIP row by row, as a JSON
array written incrementally and, for tabular sections, as CSV too, plus manifest.json describing each
file. The archive is downloadable for 7 days, 3 times.

When the archive is ready privacy sends privacy.signals.export_ready (after commit) with the member's
id and the status page's URL: the inbox belongs to content, which privacy may not import, so content
connects its notice to the signal. The status page polls meanwhile.
"""

import csv
import io
import json
import logging
import secrets
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from celery import shared_task
from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from privacy.models import ConsentEntry, DataRequest, DeletionRequest, ExportArchive, ExportStatus
from privacy.registry import CATEGORY_LABELS, ExportSection, export_sources
from privacy.signals import export_ready

logger = logging.getLogger(__name__)

KEEP_FOR = timedelta(days=7)
MAX_DOWNLOADS = ExportArchive.MAX_DOWNLOADS
CHUNK = 500
STALE_BUILD = timedelta(hours=1)


class ExportError(Exception):
    code = "export_error"


class ExportUnavailable(ExportError):
    """The archive is not ready, has expired or was downloaded too often."""

    code = "export_unavailable"


# --- privacy's own part ---------------------------------------------------------------------------


def consents_export(*, member_id: int) -> Iterable[ExportSection]:
    def rows():
        entries = (
            ConsentEntry.objects.filter(member_ref=member_id)
            .order_by("created_at", "id")
            .values(
                "created_at",
                "purpose",
                "granted",
                "channel",
                "version__document__kind",
                "version__label",
                "version__content_hash",
            )
        )
        for entry in entries.iterator(chunk_size=CHUNK):
            yield {
                "time": entry["created_at"],
                "purpose": entry["purpose"],
                "granted": entry["granted"],
                "channel": entry["channel"],
                "document": entry["version__document__kind"],
                "document_version": entry["version__label"],
                "document_sha256": entry["version__content_hash"],
            }

    yield ExportSection(
        name="consents",
        rows=rows,
        columns=(
            "time",
            "purpose",
            "granted",
            "channel",
            "document",
            "document_version",
            "document_sha256",
        ),
        description=gettext_noop("Every consent you gave or withdrew, with the version of the text you saw"),
    )


REQUEST_COLUMNS = ("received", "kind", "details", "status", "due", "decided", "refusal_reason")
DELETION_COLUMNS = ("requested", "due", "cancelled", "completed")


def requests_export(*, member_id: int) -> Iterable[ExportSection]:
    """LEGAL L7, L8: the requests the member made about their data and what became of them, and their
    account deletion requests. Who handled a request is left out (staff are not named)."""

    def data_requests():
        rows = DataRequest.objects.filter(member_id=member_id).order_by("created_at", "id")
        fields = ("created_at", "kind", "details", "status", "due_at", "decided_at", "refusal_reason")
        for row in rows.values(*fields).iterator(chunk_size=CHUNK):
            yield {
                "received": row["created_at"],
                "kind": row["kind"],
                "details": row["details"],
                "status": row["status"],
                "due": row["due_at"],
                "decided": row["decided_at"],
                "refusal_reason": row["refusal_reason"],
            }

    def deletions():
        rows = DeletionRequest.objects.filter(member_ref=member_id).order_by("requested_at", "id")
        for row in rows.values("requested_at", "due_at", "cancelled_at", "completed_at"):
            yield {
                "requested": row["requested_at"],
                "due": row["due_at"],
                "cancelled": row["cancelled_at"],
                "completed": row["completed_at"],
            }

    yield ExportSection(
        name="requests",
        rows=data_requests,
        columns=REQUEST_COLUMNS,
        description=gettext_noop("Requests you made about your data, their status and our answer"),
    )
    yield ExportSection(
        name="account_deletion_requests",
        rows=deletions,
        columns=DELETION_COLUMNS,
        description=gettext_noop("When you asked to delete your account, and whether you cancelled"),
    )


@dataclass(frozen=True)
class _Source:
    export: object
    entries: list


def _sources() -> list[_Source]:
    return [_Source(fn, entries) for fn, entries in export_sources()]


# --- requests -------------------------------------------------------------------------------------


def _enqueue(archive_id: int) -> None:
    try:
        build_export.delay(archive_id)
    except Exception:
        # The periodic privacy.retry_exports picks it up; the member's request is not lost.
        logger.exception("export %s: could not reach the broker, left for the periodic retry", archive_id)


def export_request(*, member) -> ExportArchive:
    """Open an export request, or return the one already open (one at a time)."""
    open_archive = export_open(member=member)
    if open_archive is not None:
        return open_archive
    try:
        with transaction.atomic():
            archive = ExportArchive.objects.create(member=member)
    except IntegrityError:
        # A second click raced the first; the constraint keeps one.
        return export_open(member=member)
    transaction.on_commit(lambda: _enqueue(archive.pk))
    return archive


def export_open(*, member) -> ExportArchive | None:
    return ExportArchive.objects.filter(member=member, status__in=ExportArchive.OPEN_STATUSES).first()


def exports_pending(*, older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    cutoff = timezone.now() - older_than
    stale = timezone.now() - STALE_BUILD
    waiting = models.Q(status=ExportStatus.REQUESTED, created_at__lt=cutoff) | models.Q(
        status=ExportStatus.BUILDING, created_at__lt=stale
    )
    return list(ExportArchive.objects.filter(waiting).values_list("pk", flat=True))


# --- building -------------------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _json_array(rows: Iterable[dict]) -> Iterator[bytes]:
    yield b"[\n"
    first = True
    for row in rows:
        text = json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False, default=str)
        yield (b"" if first else b",\n") + text.encode("utf-8")
        first = False
    yield b"\n]\n"


def _write_json(zf: zipfile.ZipFile, path: str, rows: Iterable[dict]) -> int:
    count = -2  # the brackets
    with zf.open(path, "w", force_zip64=True) as out:
        for chunk in _json_array(rows):
            out.write(chunk)
            count += 1
    return count


def _write_csv(zf: zipfile.ZipFile, path: str, columns: tuple[str, ...], rows: Iterable[dict]) -> None:
    with zf.open(path, "w", force_zip64=True) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.DictWriter(text, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    k: (json.dumps(v, default=str) if isinstance(v, dict | list) else _plain(v))
                    for k, v in row.items()
                }
            )
        text.flush()
        text.detach()


def _write_archive(fileobj, *, member_id: int) -> None:
    manifest_files = []
    seen: set[str] = set()
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for source in _sources():
            purposes = sorted({str(e.purpose) for e in source.entries})
            categories = sorted({e.category for e in source.entries})
            for section in source.export(member_id=member_id):
                if section.name in seen:
                    raise ExportError(f"two export sections are called {section.name!r}")
                seen.add(section.name)
                rows = _write_json(zf, f"{section.name}.json", section.rows())
                files = [f"{section.name}.json"]
                if section.columns:
                    _write_csv(zf, f"{section.name}.csv", section.columns, section.rows())
                    files.append(f"{section.name}.csv")
                for path in files:
                    manifest_files.append(
                        {
                            "file": path,
                            "format": "csv" if path.endswith(".csv") else "json",
                            "contains": str(section.description),
                            "rows": rows,
                            "columns": list(section.columns),
                            "purposes": purposes,
                            "categories": [
                                {"key": c, "label": CATEGORY_LABELS.get(c, c)} for c in categories
                            ],
                        }
                    )
        manifest = {
            "generated_at": timezone.now().isoformat(),
            "format": "JSON arrays (UTF-8); CSV with a header row for tabular data",
            "other_members": "Other members appear only as member-<hash>, the same in every file.",
            "files": manifest_files,
        }
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))


def _buildable(archive: ExportArchive) -> bool:
    # A build in progress is left alone unless its worker evidently died (then the retry takes over).
    if archive.status == ExportStatus.REQUESTED:
        return True
    return archive.status == ExportStatus.BUILDING and archive.created_at < timezone.now() - STALE_BUILD


def export_build(*, archive_id: int) -> ExportArchive:
    """Build the archive; safe to run twice (a built archive is left alone)."""
    with transaction.atomic():
        archive = ExportArchive.objects.select_for_update().filter(pk=archive_id).first()
        if archive is None or not _buildable(archive):
            return archive
        archive.status = ExportStatus.BUILDING
        archive.save(update_fields=["status"])
    storage = archive.file.storage
    try:
        with tempfile.TemporaryFile() as out:
            _write_archive(out, member_id=archive.member_id)
            out.seek(0)
            name = storage.save(f"{secrets.token_urlsafe(24)}.zip", File(out))
    except Exception:
        logger.exception("export %s failed", archive_id)
        ExportArchive.objects.filter(pk=archive_id).update(status=ExportStatus.FAILED)
        archive.refresh_from_db()
        return archive
    now = timezone.now()
    archive.file.name = name
    archive.size = storage.size(name)
    archive.status = ExportStatus.READY
    archive.ready_at = now
    archive.expires_at = now + KEEP_FOR
    with transaction.atomic():
        archive.save(update_fields=["file", "size", "status", "ready_at", "expires_at"])
        transaction.on_commit(lambda: _announce_ready(archive))
    return archive


def _announce_ready(archive: ExportArchive) -> None:
    url = reverse("privacy:export_status", args=[archive.pk])
    results = export_ready.send_robust(
        sender=ExportArchive, member_id=archive.member_id, archive_id=archive.pk, url=url
    )
    for receiver, result in results:
        if isinstance(result, Exception):
            # The archive is ready either way, and the status page says so; a lost notice is logged.
            logger.error("export %s: %r failed to announce it", archive.pk, receiver, exc_info=result)


# --- downloading ----------------------------------------------------------------------------------


def export_available(*, archive: ExportArchive) -> bool:
    return (
        archive.status == ExportStatus.READY
        and archive.expires_at is not None
        and timezone.now() < archive.expires_at
        and archive.download_count < MAX_DOWNLOADS
    )


def export_download(*, archive_id: int, member) -> ExportArchive:
    """Count one download and return the archive; raise ExportUnavailable when it is spent."""
    with transaction.atomic():
        archive = ExportArchive.objects.select_for_update().get(pk=archive_id, member=member)
        available = export_available(archive=archive)
        if available:
            archive.download_count += 1
            archive.save(update_fields=["download_count"])
        elif archive.status == ExportStatus.READY:
            export_expire(archive=archive)
    if not available:
        raise ExportUnavailable
    return archive


def export_expire(*, archive: ExportArchive) -> None:
    """Spent or past its 7 days: the file goes once the row says so."""
    name = archive.file.name
    storage = archive.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    archive.file.name = ""
    archive.status = ExportStatus.EXPIRED
    archive.save(update_fields=["file", "status"])


# --- tasks (thin; privacy/tasks.py imports them so the worker registers them) ----------------------


@shared_task(name="privacy.build_export")
def build_export(archive_id: int) -> str | None:
    archive = export_build(archive_id=archive_id)
    return archive.status if archive is not None else None


@shared_task(name="privacy.retry_exports")
def retry_exports() -> int:
    """Periodic: requests whose task never reached the broker (or whose worker died)."""
    ids = exports_pending()
    for archive_id in ids:
        export_build(archive_id=archive_id)
    return len(ids)


def exports_purge(cutoff, *, on_batch: Callable[[int], None] | None = None, batch_size: int = CHUNK) -> int:
    """Retention for the "export_archives" category (L11: 7 days). A retention purge handler: files of
    archives past their 7 days or spent downloads are deleted now; a row goes once it expired (or
    failed) before the cutoff. Rows are deleted batch_size at a time, each batch its own transaction,
    inside which on_batch(rows) is called (the retention engine adds it to the run's proof there, so a
    run killed midway counts what is gone). Returns the rows deleted; a file expired is not a row."""
    now = timezone.now()
    spent = ExportArchive.objects.filter(status=ExportStatus.READY).filter(
        models.Q(expires_at__lte=now) | models.Q(download_count__gte=MAX_DOWNLOADS)
    )
    for archive in spent.iterator(chunk_size=CHUNK):
        with transaction.atomic():
            export_expire(archive=archive)
    past = ExportArchive.objects.filter(
        models.Q(status=ExportStatus.FAILED, created_at__lt=cutoff)
        | models.Q(status=ExportStatus.EXPIRED, expires_at__lt=cutoff)
    )
    deleted = 0
    last_id = 0
    while True:
        with transaction.atomic():
            ids = list(past.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            last_id = ids[-1]
            count, _by_model = ExportArchive.objects.filter(pk__in=ids).delete()
            if on_batch is not None:
                on_batch(count)
        deleted += count
