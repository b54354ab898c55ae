"""LEGAL L11: the access log the Cybersecurity Law requires (Art. 23, Art. 21 before 2026): member, IP,
method, path, status and time of every signed-in request and every sign-in, kept 190 days (at least
six months).

Written cheaply. A request never waits for the database: the middleware turns the row into a short
JSON line and pushes it onto a Redis list (one RPUSH, a fraction of a millisecond, the same Redis the
cache and sessions already use), and privacy.flush_access_log, every 10 seconds, drains the list into
the table with one bulk INSERT per 5,000 rows. Why Redis and not a buffer in each process: the list is
shared by every web process and host, survives a web process being killed or recycled (gunicorn's
max_requests), and the flush runs in a worker, so no member's request ever pays for an INSERT. A flush
reads a batch, commits it, and only then trims it from the list: a crash in between writes that batch
twice at worst, it never loses it. Without Redis (the embedded SQLite profile) each process buffers in
memory and writes every 100 rows or 10 seconds, and at exit.

Retention drops whole monthly partitions (PostgreSQL) and deletes the rest in small batches.
"""

import atexit
import functools
import json
import logging
import re
import threading
import time as clock
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from ipaddress import ip_address

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from privacy.models import AccessLog, AccessLogKind, AccountClosure
from privacy.registry import ExportSection

logger = logging.getLogger(__name__)

PARENT = "privacy_accesslog"
DEFAULT_PARTITION = f"{PARENT}_default"
_PARTITION_NAME = re.compile(rf"^{PARENT}_p(\d{{4}})(\d{{2}})$")
BUFFER_KEY = "privacy:access-log"
FLUSH_LOCK_KEY = "privacy:access-log-flush"
FLUSH_BATCH = 5000
FLUSH_MAX_BATCHES = 40  # 200,000 rows a run at most; the next run takes the rest
# a short transaction on 2 busy cores (the limit is a second; bench P5 measures the longest)
DELETE_BATCH = 20_000
PROCESS_FLUSH_ROWS = 100
PROCESS_FLUSH_SECONDS = 10.0
MONTHS_AHEAD = 2


# --- what a row says --------------------------------------------------------------------------------


def client_ip(request) -> str | None:
    """The client's address. Behind a reverse proxy (settings.TRUSTED_PROXY_HOPS, or one hop when
    SECURE_PROXY_SSL_HEADER says a TLS proxy is in front) the address that proxy saw, taken from the
    right of X-Forwarded-For; never the left, which the client writes itself."""
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", None)
    if hops is None:
        hops = 1 if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) else 0
    candidate = request.META.get("REMOTE_ADDR", "")
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
    try:
        return str(ip_address(candidate))
    except ValueError:
        return None


def ip_prefix(ip: str | None) -> str:
    """An approximate place without the exact address: 203.0.113.x, or the first three groups of an
    IPv6 address (the network, not the device)."""
    if not ip:
        return "—"
    try:
        address = ip_address(ip)
    except ValueError:
        return "—"
    if address.version == 4:
        return ".".join(str(address).split(".")[:3]) + ".x"
    groups = address.exploded.split(":")[:3]
    return ":".join(group.lstrip("0") or "0" for group in groups) + ":…"


_BROWSERS = (
    ("MicroMessenger/", "WeChat"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python-requests/", "Python"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """ "Firefox on Windows", from the browser's User-Agent; good enough to recognise one's own devices."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown device")


# --- the buffer -------------------------------------------------------------------------------------


@functools.cache
def _redis_client(location: str):
    import redis

    return redis.Redis.from_url(location, socket_connect_timeout=0.5, socket_timeout=0.5)


def _redis():
    """The cache's Redis (so each test worker's list stays in its own database), or None."""
    config = settings.CACHES["default"]
    if not config["BACKEND"].endswith("RedisCache"):
        return None
    return _redis_client(config["LOCATION"])


def _buffer_key() -> str:
    return cache.make_key(BUFFER_KEY)


class _ProcessBuffer:
    """Without Redis: rows wait in this process and are written every PROCESS_FLUSH_ROWS rows or
    PROCESS_FLUSH_SECONDS seconds (by whichever request comes next), and when the process exits."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[str] = []
        self.since = 0.0

    def add(self, line: str) -> None:
        with self.lock:
            if not self.rows:
                self.since = clock.monotonic()
            self.rows.append(line)
            due = (
                len(self.rows) >= PROCESS_FLUSH_ROWS
                or clock.monotonic() - self.since >= PROCESS_FLUSH_SECONDS
            )
        if due:
            self.flush()

    def flush(self) -> int:
        with self.lock:
            rows, self.rows = self.rows, []
        if not rows:
            return 0
        try:
            return access_log_write(rows)
        except Exception:
            # kept for the next flush, ahead of newer rows: a failed write must not lose them (L11)
            with self.lock:
                self.rows[:0] = rows
            raise


_process_buffer = _ProcessBuffer()


def _flush_at_exit() -> None:
    """The rows still waiting when the process ends. The database may be gone by then (a test run, a
    shutdown): say so and end quietly rather than with a traceback."""
    try:
        _process_buffer.flush()
    except Exception:
        logger.warning("access log: %s rows could not be written at exit", len(_process_buffer.rows))


atexit.register(_flush_at_exit)


def access_log_record(
    *,
    member_id: int,
    ip: str | None,
    method: str,
    path: str,
    status: int,
    user_agent: str = "",
    kind: str = AccessLogKind.REQUEST,
    at: datetime | None = None,
) -> None:
    """Queue one row. No database query: the flush writes it within seconds."""
    moment = at or timezone.now()
    line = json.dumps(
        [member_id, ip, method[:8], path[:300], int(status), moment.timestamp(), user_agent[:200], kind]
    )
    client = _redis()
    if client is not None:
        try:
            client.rpush(_buffer_key(), line)
            return
        except Exception:
            # Redis down: keep the row in this process rather than lose it or fail the request.
            logger.warning("access log: Redis unavailable, buffering in the process", exc_info=True)
    _process_buffer.add(line)


def _row(line: str | bytes) -> AccessLog:
    member_id, ip, method, path, status, stamp, user_agent, kind = json.loads(line)
    return AccessLog(
        member_ref=member_id,
        ip=ip,
        method=method,
        path=path,
        status=status,
        time=datetime.fromtimestamp(stamp, tz=UTC),
        user_agent=user_agent,
        kind=kind,
    )


def access_log_write(lines: Iterable[str | bytes]) -> int:
    """One bulk INSERT for the lines (rows of months without a partition land in the default one)."""
    rows = [_row(line) for line in lines]
    with transaction.atomic():
        AccessLog.objects.bulk_create(rows, batch_size=FLUSH_BATCH)
    return len(rows)


def access_log_flush(*, batch: int = FLUSH_BATCH, max_batches: int = FLUSH_MAX_BATCHES) -> int:
    """Move queued rows into the table; one flusher at a time. Returns the rows written."""
    client = _redis()
    if client is None:
        return _process_buffer.flush()
    if not cache.add(FLUSH_LOCK_KEY, 1, 300):
        return 0
    written = 0
    key = _buffer_key()
    try:
        for _batch in range(max_batches):
            lines = client.lrange(key, 0, batch - 1)
            if not lines:
                break
            written += access_log_write(lines)
            # Trimmed only after the rows are committed: a crash here repeats a batch, never loses it.
            client.ltrim(key, len(lines), -1)
    finally:
        cache.delete(FLUSH_LOCK_KEY)
    return written


def access_log_pending() -> int:
    client = _redis()
    if client is None:
        return len(_process_buffer.rows)
    return client.llen(_buffer_key())


# --- partitions (PostgreSQL) ----------------------------------------------------------------------


def _is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [PARENT])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def _month_start(day: date) -> datetime:
    return datetime(day.year, day.month, 1, tzinfo=UTC)


def _next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime
    end: datetime


def access_log_partitions() -> list[Partition]:
    """The monthly partitions, oldest first (not the default one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits JOIN pg_class parent ON parent.oid = inhparent "
            "JOIN pg_class child ON child.oid = inhrelid WHERE parent.relname = %s",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    partitions = []
    for name in names:
        match = _PARTITION_NAME.match(name)
        if match:
            start = datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)
            partitions.append(Partition(name, start, _next_month(start)))
    return sorted(partitions, key=lambda p: p.start)


def _create_partition(start: datetime) -> str:
    end = _next_month(start)
    name = f"{PARENT}_p{start:%Y%m}"
    with transaction.atomic(), connection.cursor() as cursor:
        # PostgreSQL refuses a new range while the default partition holds rows of it: move them first.
        cursor.execute(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        # Our own table names only (a constant and a name built from the date), no input.
        move = (
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE time >= %s AND time < %s RETURNING *) "  # noqa: S608
            f"INSERT INTO {name} SELECT * FROM moved"
        )
        cursor.execute(move, [start, end])
        cursor.execute(
            f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [start, end]
        )
    logger.info("access log: partition %s created", name)
    return name


def access_log_partitions_ensure(*, since: date | None = None, months_ahead: int = MONTHS_AHEAD) -> list[str]:
    """Create the monthly partitions from `since` (default: this month) to `months_ahead` months from
    now that do not exist yet. Idempotent; nothing to do on SQLite."""
    if not _is_partitioned():
        return []
    today = timezone.now().date()
    month = _month_start(since or today)
    last = _month_start(today)
    for _step in range(months_ahead):
        last = _next_month(last)
    existing = {p.start for p in access_log_partitions()}
    created = []
    while month <= last:
        if month not in existing:
            created.append(_create_partition(month))
        month = _next_month(month)
    return created


# --- retention ------------------------------------------------------------------------------------


def _delete_in_batches(condition: Q, *, on_batch: Callable[[int], None] | None = None) -> int:
    """Rows matching `condition`, oldest first, about DELETE_BATCH at a time, each batch its own short
    transaction. A batch is a range of time up to the DELETE_BATCH-th oldest row, found on the time
    index, so the DELETE is a range scan (ids alone would make PostgreSQL probe every partition).
    Each batch starts after the last one's edge: otherwise its index scan walks every entry the
    earlier batches deleted (dead until vacuum), and the batches grow longer one after another."""
    deleted = 0
    matching = AccessLog.objects.filter(condition)
    after = None
    while True:
        pending = matching if after is None else matching.filter(time__gt=after)
        with transaction.atomic():
            edge = list(
                pending.order_by("time").values_list("time", flat=True)[DELETE_BATCH - 1 : DELETE_BATCH]
            )
            batch = pending.filter(time__lte=edge[0]) if edge else pending
            count, _by_model = batch.delete()
            if on_batch is not None:
                on_batch(count)
        deleted += count
        if not edge:
            return deleted
        after = edge[0]


def access_log_purge(
    cutoff: datetime,
    *,
    floor_cutoff: datetime | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Retention for "access_logs" (a purge handler): every month that ended before the cutoff is
    dropped whole (DETACH and DROP: no row-by-row DELETE, no bloat, no vacuum debt); rows before the
    cutoff in the month it falls in, and in the default partition, are deleted in small batches.
    With floor_cutoff (LEGAL L9), a closed account's rows go once the legal floor has passed.
    on_batch(rows) is called inside each dropped month's and each batch's transaction (the retention
    engine adds it to the run's proof there, so a run killed midway counts what is gone)."""
    removed = 0
    if _is_partitioned():
        for partition in access_log_partitions():
            if partition.end > cutoff:
                continue
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # Wait briefly for the lock, never hold up the site: a busy moment retries tomorrow.
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                    cursor.execute(f"SELECT count(*) FROM {partition.name}")  # noqa: S608 - matched by _PARTITION_NAME
                    rows = cursor.fetchone()[0]
                    cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {partition.name}")
                    cursor.execute(f"DROP TABLE {partition.name}")
                if on_batch is not None:
                    on_batch(rows)
            logger.info("access log: partition %s dropped (%d rows)", partition.name, rows)
            removed += rows
    removed += _delete_in_batches(Q(time__lt=cutoff), on_batch=on_batch)
    if floor_cutoff is not None:
        closed = AccountClosure.objects.values("member_ref")
        removed += _delete_in_batches(Q(time__lt=floor_cutoff, member_ref__in=closed), on_batch=on_batch)
    return removed


# --- reads ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    time: datetime
    place: str
    device: str


def access_log_sign_ins(*, member_id: int, limit: int = 10) -> list[SignIn]:
    """The member's most recent sign-ins, for the privacy centre: time, an approximate place (the IP's
    network, not the address) and the device. One query on the (member_ref, kind, time) index."""
    rows = (
        AccessLog.objects.filter(member_ref=member_id, kind=AccessLogKind.SIGN_IN)
        .order_by("-time")
        .values("time", "ip", "user_agent")[:limit]
    )
    return [
        SignIn(time=r["time"], place=ip_prefix(r["ip"]), device=device_label(r["user_agent"])) for r in rows
    ]


SIGN_IN_COLUMNS = ("time", "ip", "device", "user_agent")
REQUEST_COLUMNS = ("time", "method", "path", "status", "ip")


def access_log_export(*, member_id: int) -> Iterable[ExportSection]:
    """LEGAL L7: the member's sign-ins and requests, their own IP addresses included, streamed."""
    mine = AccessLog.objects.filter(member_ref=member_id).order_by("time", "id")

    def sign_ins():
        rows = mine.filter(kind=AccessLogKind.SIGN_IN).values("time", "ip", "user_agent")
        for row in rows.iterator(chunk_size=FLUSH_BATCH):
            yield {**row, "device": device_label(row["user_agent"])}

    def requests():
        rows = mine.filter(kind=AccessLogKind.REQUEST).values(*REQUEST_COLUMNS)
        yield from rows.iterator(chunk_size=FLUSH_BATCH)

    yield ExportSection(
        "sign_ins",
        sign_ins,
        SIGN_IN_COLUMNS,
        gettext_noop("Your sign-ins: when, from which address and device"),
    )
    yield ExportSection(
        "access_log",
        requests,
        REQUEST_COLUMNS,
        gettext_noop("The pages and API calls you made while signed in (kept 190 days, as the law requires)"),
    )
