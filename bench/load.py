"""`python -m bench.load` (what `make load` calls): 50 simulated members for 5 minutes against gunicorn
with production settings and one real Celery worker, on the `make bench` dataset; a report, not a
timed assertion (bench/README.md, "Load test").

1. (Re)creates its database with the bench harness's seed (BENCH_DATABASE, default `bench_load`), or
   with LOAD_REUSE=1 reuses one already seeded (saves the seed's minute or two);
2. picks the cast among seeded members who belong to spaces: readers, writers (each writer rotates over
   a pool of members of trust level 2+, so the per-member posting windows are not what is measured) and
   site moderators (the moderator role), signs each in with a session of their own, and opens review
   items for the moderators when fewer than enough are open;
3. starts gunicorn exactly as P1 does (bench.servers.gunicorn), one Celery worker (solo pool) that plans
   and sends what the writers cause to a local SMTP sink (bench/smtp_sink.py), and locust headless
   (bench/locustfile.py);
4. samples the resident memory (VmRSS) of the gunicorn master and workers and of the Celery worker at
   the start and every LOAD_SAMPLE_SECONDS until the end;
5. prints a table and writes bench/results/load.json. Exit 1 only when no figure could be made (locust
   did not run); failures and memory growth are reported, not asserted (tests/bench/test_load_tiny.py
   asserts 0 failures).
"""

import csv
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.launchers import CeleryWorker

USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "300"))
RAMP = float(os.environ.get("LOAD_RAMP", "5"))  # seconds until every user runs
SAMPLE_SECONDS = float(os.environ.get("LOAD_SAMPLE_SECONDS", "10"))
WRITER_SHARE = 0.05
FLAT = 1.2  # memory is flat when the end is at most this times the value after warm-up
RANDOM_SEED = 9


def _say(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the database ------------------------------------------------------------------------------------


def _seeded_members(config) -> int:
    """Members in the bench database, 0 when it does not exist or is not migrated."""
    import psycopg2

    try:
        connection = psycopg2.connect(config.database_url)
    except psycopg2.OperationalError:
        return 0
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('members_member') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return 0
            cursor.execute("SELECT count(*) FROM members_member")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def database_prepare(config) -> dict:
    """Seed afresh, or reuse (LOAD_REUSE=1) a database that already holds a seeded community."""
    from bench.database import database_recreate

    reuse = os.environ.get("LOAD_REUSE", "") == "1" and _seeded_members(config) > 0
    if not reuse:
        database_recreate(config=config)
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    _say(f"migrated and collected static files in {time.monotonic() - started:.1f}s")
    if reuse:
        _say(f"reusing the seeded database {config.database}")
        return {"reused": True, "seconds": 0.0, "rows": {}}
    from bench.seed import community_seed

    _say(f"seeding {config.database} at scale {config.scale.name}")
    seeded = community_seed(scale=config.scale)
    _say(f"seeded in {seeded.seconds:.1f}s: {seeded.rows}")
    return {"reused": False, "seconds": round(seeded.seconds, 1), "rows": seeded.rows}


# --- the cast ----------------------------------------------------------------------------------------


def _cookies(member) -> dict[str, str]:
    """A session of the member's own (in Redis and PostgreSQL, which gunicorn shares) and a CSRF cookie
    as the first page with a form would have set it."""
    from django.conf import settings
    from django.test import Client
    from django.utils.crypto import get_random_string

    client = Client()
    client.force_login(member)
    return {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        settings.CSRF_COOKIE_NAME: get_random_string(32),
    }


def _recent_posts(space_ids: list[int], *, limit: int) -> list[int]:
    from content.models import ContentStatus, Post

    return list(
        Post.objects.filter(space_id__in=space_ids, status=ContentStatus.PUBLISHED, deleted_at__isnull=True)
        .order_by("-last_activity_at")
        .values_list("pk", flat=True)[:limit]
    )


def _open_review_items(*, wanted: int) -> int:
    """Open review items for the moderators: reports of recent published posts (as the P2 fixture
    makes them), only as many as are missing. Returns how many were opened."""
    from datetime import timedelta

    from django.utils import timezone

    from content.models import ContentStatus, Post
    from moderation.models import ReviewItem

    open_now = ReviewItem.objects.exclude(status="decided").count()
    missing = wanted - open_now
    if missing <= 0:
        return 0
    taken = ReviewItem.objects.exclude(status="decided").filter(kind="post").values("object_id")
    posts = (
        Post.objects.filter(status=ContentStatus.PUBLISHED, deleted_at__isnull=True)
        .exclude(pk__in=taken)
        .select_related("space")
        .order_by("-created_at")[:missing]
    )
    now = timezone.now()
    ReviewItem.objects.bulk_create(
        [
            ReviewItem(
                kind="post",
                object_id=post.pk,
                space=post.space,
                reason="spam",
                snapshot_title=post.title,
                snapshot_body=post.body,
                snapshot_author_id=post.author_id,
                report_count=1,
                triage_due_at=now + timedelta(days=1),
                due_at=now + timedelta(days=2),
            )
            for post in posts
        ]
    )
    return len(posts)


def cast_build(*, users: int, host: str) -> dict:
    """Who the simulated members are, with their cookies and the ids they visit."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from bench.seed import BROADCAST_SLUG
    from community.roles import MODERATOR, role_grant
    from content.models import Event, Space, SpaceMembership
    from members.models import Member

    rng = random.Random(RANDOM_SEED)  # noqa: S311 (which members: nothing secret)
    moderators = moderators_for(users)
    writers = writers_for(users)
    readers = users - moderators - writers
    # a writer rotates over a pool, so that even at 1 post per 20 s each member stays inside trust level
    # 2's window (30 posts a day) whatever the duration
    pool_size = max(3, min(20, math.ceil(SECONDS / 20)))

    topic = Space.objects.exclude(slug=BROADCAST_SLUG)
    active = Q(memberships__status="active", memberships__space__in=topic)
    eligible = (
        Member.objects.filter(
            is_active=True,
            is_minor=False,
            banned_at__isnull=True,
            suspended_until__isnull=True,
            posting_limited_until__isnull=True,
        )
        .annotate(spaces=Count("memberships", filter=active))
        .filter(spaces__gte=2)
        .order_by("pk")
    )
    ids = list(eligible.values_list("pk", flat=True)[:5000])
    rng.shuffle(ids)
    chosen = set()

    def take(count: int, queryset) -> list[Member]:
        picked = []
        for member in queryset.filter(pk__in=ids).exclude(pk__in=chosen).order_by("?")[: count * 3]:
            if len(picked) == count:
                break
            picked.append(member)
            chosen.add(member.pk)
        if len(picked) < count:
            raise RuntimeError(f"only {len(picked)} members fit, {count} wanted")
        return picked

    staff = take(moderators + 1, eligible)
    authors = take(writers * pool_size, eligible.filter(trust_level__gte=2))
    audience = take(readers, eligible)

    memberships: dict[int, list[tuple[int, str, str, str]]] = {}
    for row in SpaceMembership.objects.filter(
        member__in=[m.pk for m in staff + authors + audience], status="active", space__in=topic
    ).values_list("member_id", "space_id", "space__slug", "space__visibility", "space__posting_policy"):
        memberships.setdefault(row[0], []).append(row[1:])
    posts_of_space: dict[int, list[int]] = {}
    soon = timezone.now()
    events_of_space: dict[int, list[int]] = {}
    for event_id, space_id in (
        Event.objects.filter(starts_at__gt=soon, deleted_at__isnull=True, status="published")
        .filter(Q(rsvp_deadline__isnull=True) | Q(rsvp_deadline__gt=soon))
        .values_list("pk", "space_id")
    ):
        events_of_space.setdefault(space_id, []).append(event_id)

    def posts_in(space_ids: list[int]) -> list[int]:
        found: list[int] = []
        for space_id in space_ids:
            if space_id not in posts_of_space:
                posts_of_space[space_id] = _recent_posts([space_id], limit=40)
            found += posts_of_space[space_id]
        rng.shuffle(found)
        return found[:80]

    def entry(member: Member) -> dict:
        mine = memberships.get(member.pk, [])
        space_ids = [space_id for space_id, *_ in mine]
        return {
            "id": member.pk,
            "language": "zh-hans" if member.language.startswith("zh") else "en",
            "cookies": _cookies(member),
            "spaces": [slug for _, slug, _, _ in mine],
            "writable_spaces": [slug for _, slug, _, policy in mine if policy == "everyone"],
            "posts": posts_in(space_ids),
            "events": [e for space_id in space_ids for e in events_of_space.get(space_id, [])][:40],
        }

    for member in staff:
        role_grant(member=member, role=MODERATOR)
    writer_entries = [entry(m) for m in authors]
    writer_entries = [e for e in writer_entries if e["writable_spaces"] and e["posts"]]
    if len(writer_entries) < writers:
        raise RuntimeError("too few writers with a space to post in")
    cast = {
        "host": host,
        "readers": [entry(m) for m in audience],
        "writer_pools": [writer_entries[i::writers] for i in range(writers)],
        "moderators": [entry(m) for m in staff[:moderators]],
        "moderator_spare": entry(staff[moderators]),
        "counts": {"readers": readers, "writers": writers, "moderators": moderators},
        "writer_pool_size": pool_size,
    }
    cast["all"] = cast["readers"]
    for reader in cast["readers"]:
        if not reader["posts"]:
            raise RuntimeError(f"member {reader['id']} has no post to read")
    return cast


def moderators_for(users: int) -> int:
    return 1 if users < 20 else 2


def writers_for(users: int) -> int:
    if os.environ.get("LOAD_WRITERS"):  # to try the writers' flows on a short run
        return int(os.environ["LOAD_WRITERS"])
    return max(1, math.ceil(users * WRITER_SHARE))


# --- processes and memory ----------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        found = []
        for task_dir in tasks:
            text = (task_dir / "children").read_text().split()
            found += [int(child) for child in text]
        return found
    except OSError:
        return []


def _rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _gunicorn_master(port: int) -> int:
    """The master whose command binds our port (bench.servers.gunicorn keeps its process to itself)."""
    needle = f"127.0.0.1:{port}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if b"gunicorn" in command and needle in command and parent == os.getpid():
            return int(entry.name)
    raise RuntimeError("the gunicorn master was not found")


class MemorySampler:
    """VmRSS of the gunicorn master, each of its workers and the Celery worker, every `every` seconds."""

    def __init__(self, *, gunicorn_pid: int, worker_pid: int, every: float) -> None:
        self.gunicorn_pid = gunicorn_pid
        self.worker_pid = worker_pid
        self.every = every
        self.samples: list[dict] = []
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        processes = {f"gunicorn master {self.gunicorn_pid}": _rss_kib(self.gunicorn_pid)}
        for child in sorted(_children(self.gunicorn_pid)):
            processes[f"gunicorn worker {child}"] = _rss_kib(child)
        processes[f"celery worker {self.worker_pid}"] = _rss_kib(self.worker_pid)
        for child in sorted(_children(self.worker_pid)):
            processes[f"celery child {child}"] = _rss_kib(child)
        at = round(time.monotonic() - self.started, 1)
        self.samples.append({"t": at, "kib": {k: v for k, v in processes.items() if v is not None}})

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def start(self) -> "MemorySampler":
        self.started = time.monotonic()
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def memory_report(samples: list[dict], *, warm_at: float) -> dict:
    """Per process: start, after warm-up, end, peak; flat when end <= FLAT x after warm-up. Workers
    replaced during the run (a gunicorn timeout) show as processes that start late or end early."""
    names = list(dict.fromkeys(name for s in samples for name in s["kib"]))
    warm_sample = next((s for s in samples if s["t"] >= warm_at), samples[-1])
    processes = []
    for name in names:
        series = [(s["t"], s["kib"][name]) for s in samples if name in s["kib"]]
        warm = warm_sample["kib"].get(name) or series[0][1]
        end = series[-1][1]
        processes.append(
            {
                "process": name,
                "start_kib": series[0][1],
                "warm_kib": warm,
                "end_kib": end,
                "peak_kib": max(v for _, v in series),
                "end_over_warm": round(end / warm, 3) if warm else None,
                "flat": bool(warm) and end <= FLAT * warm,
                "seen": [series[0][0], series[-1][0]],
            }
        )
    group = {}
    for kind in ("gunicorn", "celery"):
        mine = [p for p in processes if p["process"].startswith(kind)]
        group[kind] = {
            "start_kib": sum(p["start_kib"] for p in mine),
            "warm_kib": sum(p["warm_kib"] for p in mine),
            "end_kib": sum(p["end_kib"] for p in mine),
        }
    return {
        "warm_up_at_s": warm_sample["t"],
        "rule": f"end <= {FLAT} x the value after warm-up",
        "flat": all(p["flat"] for p in processes),
        "processes": processes,
        "totals": group,
        "samples": samples,
    }


def celery_worker(context, *, email_url: str) -> CeleryWorker:
    """bench.launchers.CeleryWorker with the run's settings, sending email to `email_url`; returned once
    it says it is ready."""
    worker = CeleryWorker(env=context.env(EMAIL_URL=email_url), log=context.log_path("load-celery.log"))
    deadline = time.monotonic() + 60
    while " ready." not in worker.log_text():
        if worker.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the Celery worker did not start; see {worker.log}")
        time.sleep(0.3)
    return worker


# --- locust and its figures --------------------------------------------------------------------------


def locust_run(context, *, base: str, cast_path: Path, out_dir: Path, cast: dict) -> dict:
    extra = out_dir / "extra.json"
    prefix = out_dir / "locust"
    command = [
        context.executable("locust"),
        "-f",
        str(context.root / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(USERS),
        "--spawn-rate",
        str(max(1.0, USERS / max(RAMP, 0.1))),
        "--run-time",
        f"{SECONDS}s",
        "--stop-timeout",
        "15",
        "--host",
        base,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {
        **os.environ,
        "LOAD_CAST": str(cast_path),
        "LOAD_EXTRA": str(extra),
        "LOAD_WRITERS": str(cast["counts"]["writers"]),
        "LOAD_MODERATORS": str(cast["counts"]["moderators"]),
    }
    log = context.log_path("load-locust.log")
    with log.open("w") as out:
        run = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)  # noqa: S603
    stats = prefix.with_name("locust_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"locust wrote no figures (exit {run.returncode}); see {log}")
    rows = list(csv.DictReader(stats.open()))
    failures_csv = prefix.with_name("locust_failures.csv")
    failures = list(csv.DictReader(failures_csv.open())) if failures_csv.exists() else []
    return {
        "exit_code": run.returncode,
        "rows": rows,
        "failures": [
            {"method": f["Method"], "name": f["Name"], "error": f["Error"], "count": int(f["Occurrences"])}
            for f in failures
        ],
        "extra": json.loads(extra.read_text()) if extra.exists() else {},
    }


def _figures(row: dict) -> dict:
    def number(key: str) -> float | None:
        value = row.get(key, "")
        return None if value in ("", "N/A") else float(value)

    return {
        "name": row["Name"] if row["Name"] != "Aggregated" else "total",
        "method": row["Type"],
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "requests_per_second": round(number("Requests/s") or 0, 2),
        "p50_ms": number("50%"),
        "p95_ms": number("95%"),
        "p99_ms": number("99%"),
        "mean_ms": round(number("Average Response Time") or 0, 1),
        "max_ms": number("Max Response Time"),
    }


def _access_log_statuses(path: Path) -> dict[str, int]:
    """Status classes in gunicorn's access log: a cross-check of what locust counted."""
    counts: dict[str, int] = {}
    pattern = re.compile(r'" (\d{3}) ')
    for line in path.read_text(errors="replace").splitlines():
        found = pattern.search(line)
        if found:
            key = found.group(1)[0] + "xx"
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def _loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def deliveries_summary(since) -> dict:
    from django.db.models import Count

    from content.delivery.models import Delivery, Outbox
    from content.models import Post

    posts = list(Post.objects.filter(created_at__gte=since).values_list("pk", flat=True))
    rows = (
        Delivery.objects.filter(source_kind="post.published", source_id__in=posts)
        .values("channel", "status")
        .annotate(n=Count("pk"))
    )
    return {
        "posts_written": len(posts),
        "outbox_rows_since_start": Outbox.objects.filter(created_at__gte=since).count(),
        "deliveries_of_those_posts": {f"{r['channel']} {r['status']}": r["n"] for r in rows},
    }


# --- the report --------------------------------------------------------------------------------------


def _ms(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def table_format(document: dict) -> str:
    lines = []
    header = (
        f"{'endpoint':<20} {'requests':>8} {'fail':>5} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    lines += [header, "-" * len(header)]
    for row in [*document["endpoints"], document["total"]]:
        if row["name"] == "total":
            lines.append("-" * len(header))
        lines.append(
            f"{row['name'][:20]:<20} {row['requests']:>8,} {row['failures']:>5} "
            f"{row['requests_per_second']:>7.2f} {_ms(row['p50_ms']):>8} {_ms(row['p95_ms']):>8} "
            f"{_ms(row['p99_ms']):>8}"
        )
    memory = document["memory"]
    lines += [
        "",
        f"memory (VmRSS, MiB): start -> after warm-up ({memory['warm_up_at_s']:.0f} s) -> end; "
        f"flat = {memory['rule']}",
    ]
    for process in memory["processes"]:
        lines.append(
            f"  {process['process']:<28} {process['start_kib'] / 1024:7.1f}"
            f" -> {process['warm_kib'] / 1024:7.1f} -> {process['end_kib'] / 1024:7.1f}"
            f"  (peak {process['peak_kib'] / 1024:.1f}, "
            f"x{process['end_over_warm']})  {'flat' if process['flat'] else 'GROWING'}"
        )
    for kind, total in memory["totals"].items():
        lines.append(
            f"  {kind + ' (all processes)':<28} {total['start_kib'] / 1024:7.1f} -> "
            f"{total['warm_kib'] / 1024:7.1f} -> {total['end_kib'] / 1024:7.1f}"
        )
    lines += [
        "",
        f"failures: {document['total']['failures']}"
        + (
            f" ({'; '.join(f['name'] + ': ' + f['error'] for f in document['failures'])})"
            if document["failures"]
            else ""
        ),
        f"counters: {document['counters']}",
        f"gunicorn access log: {document['access_log_statuses']}",
        f"emails at the SMTP sink: {document['email']['at_sink']}; {document['email']['deliveries']}",
        f"load average at start / end: {document['load_average']['start']} / "
        f"{document['load_average']['end']}",
    ]
    return "\n".join(lines)


def _stop_cleanly(_signal, _frame) -> None:
    raise SystemExit(143)  # so the finally blocks stop gunicorn, the worker and the sink


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_cleanly)
    os.environ.setdefault("BENCH_DATABASE", "bench_load")
    os.environ.setdefault("BENCH_REDIS_DB", "11")
    os.environ.setdefault("BENCH_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "bench_load"))
    from bench.config import ROOT, BenchConfig, ConfigError

    try:
        config = BenchConfig.from_env()
    except ConfigError as error:
        print(f"load: {error}", file=sys.stderr)
        return 2
    os.environ.update(config.environment())  # before Django reads its settings
    results = Path(os.environ.get("LOAD_RESULTS") or ROOT / "bench" / "results" / "load.json")
    _say(f"scale {config.scale.name}: database {config.database}, redis {config.redis_url}")
    seed = database_prepare(config)

    from django.db import connections
    from django.utils import timezone

    from bench.context import Context
    from bench.database import database_drop
    from bench.machine import machine_describe
    from bench.seed import BROADCAST_SLUG, Seeded
    from bench.servers import gunicorn
    from bench.smtp_sink import SmtpSink
    from content.models import Post, Space
    from members.models import Member

    seeded = Seeded(
        scale=config.scale,
        seconds=seed["seconds"],
        rows=seed["rows"],
        broadcast_space_id=Space.objects.get(slug=BROADCAST_SLUG).pk,
        viewer_id=0,
    )
    context = Context(config=config, seeded=seeded)
    machine = machine_describe()
    opened = _open_review_items(wanted=max(60, USERS * 6))
    out_dir = config.var_dir / "load"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("locust*"):
        old.unlink()
    started_at = timezone.now()
    load_start = _loadavg()
    sink = SmtpSink().start()
    try:
        with gunicorn(context) as base:
            port = int(base.rsplit(":", 1)[1])
            cast = cast_build(users=USERS, host=f"https://127.0.0.1:{port}")
            cast_path = out_dir / "cast.json"
            cast_path.write_text(json.dumps(cast))
            connections.close_all()  # the harness holds no connection while gunicorn and the worker work
            worker = celery_worker(context, email_url=f"smtp://127.0.0.1:{sink.port}")
            try:
                sampler = MemorySampler(
                    gunicorn_pid=_gunicorn_master(port), worker_pid=worker.process.pid, every=SAMPLE_SECONDS
                ).start()
                _say(
                    f"locust: {USERS} users ({cast['counts']}) for {SECONDS}s, ramp {RAMP:.0f}s, "
                    f"against {base}"
                )
                try:
                    ran = locust_run(context, base=base, cast_path=cast_path, out_dir=out_dir, cast=cast)
                finally:
                    sampler.stop()
                time.sleep(min(10, SAMPLE_SECONDS))  # the last kicks reach the worker and the sink
            finally:
                worker.stop(timeout=30)
    finally:
        sink.stop()
    access = _access_log_statuses(context.log_path("gunicorn.log"))
    load_end = _loadavg()

    rows = [_figures(row) for row in ran["rows"]]
    total = next(r for r in rows if r["name"] == "total")
    endpoints = sorted((r for r in rows if r["name"] != "total"), key=lambda r: -r["requests"])
    warm_at = min(max(RAMP + 10, 0.1 * SECONDS), 0.5 * SECONDS)
    document = {
        "what": "make load: simulated members against gunicorn (production settings) and one Celery worker",
        "when": started_at.isoformat(timespec="seconds"),
        "machine": machine,
        "database": config.database,
        "scale": {
            "name": config.scale.name,
            "members": Member.objects.count(),
            "posts_before": Post.objects.filter(created_at__lt=started_at).count(),
        },
        "seed": seed,
        "settings": {
            "users": USERS,
            "seconds": SECONDS,
            "ramp_seconds": RAMP,
            "cast": cast["counts"],
            "writer_pool_members": sum(len(p) for p in cast["writer_pools"]),
            "review_items_opened": opened,
            "gunicorn": "community.wsgi, 3 sync workers, access log on (bench.servers.gunicorn, as P1)",
            "celery": "one worker, solo pool, email to a local SMTP sink",
            "tool": "locust headless (bench/locustfile.py)",
        },
        "total": total,
        "endpoints": endpoints,
        "failures": ran["failures"],
        "counters": ran["extra"],
        "access_log_statuses": access,
        "memory": memory_report(sampler.samples, warm_at=warm_at),
        "email": {"at_sink": len(sink.arrivals), "deliveries": deliveries_summary(started_at)},
        "load_average": {"start": load_start, "end": load_end},
        "locust_exit_code": ran["exit_code"],
    }
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print()
    print(
        f"Load test at scale {config.scale.name} ({document['scale']['members']:,} members, "
        f"{document['scale']['posts_before']:,} posts): {USERS} members for {SECONDS}s on "
        f"{machine['cpu_model']}, {machine['cores']} cores"
    )
    print(table_format(document))
    print(f"\nwritten: {results}")
    connections.close_all()
    if config.drop_after:
        database_drop(config=config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
