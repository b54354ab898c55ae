"""P5: the retention purge of expired access-log rows (privacy's handler for the "access_logs"
category: whole monthly partitions dropped, the rest deleted in short batches) against one raw DELETE
of the same rows, seeded twice the same way. Also the longest transaction of the purge (target: under a
second) and the home feed's p95 latency while the purge runs against before it (target: at most 2x)."""

import threading
import time
from datetime import timedelta
from itertools import pairwise
from statistics import quantiles

from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from bench.bulk import execute, scalar
from bench.context import Context
from bench.report import Figure, not_measured, ratio_of
from privacy.access_log import access_log_partitions_ensure, access_log_purge
from privacy.models import RetentionCategory

WHAT = "retention purge of expired access-log rows"
SPEED_TARGET = 0.5
TRANSACTION_TARGET = 1.0
LATENCY_TARGET = 2.0
ROWS = {"tiny": 20_000, "small": 100_000, "large": 1_000_000}
PURGE_ROUNDS = {"tiny": 3, "small": 30, "large": 10}  # until 40 pages were timed during purges

# Rows spread over the 75 days before the cutoff: two whole months (dropped as partitions) and the
# start of the cutoff's own month (deleted in batches), as a real log would be.
SEED = """
INSERT INTO privacy_accesslog (member_ref, ip, method, path, status, time, user_agent, kind)
SELECT 1 + (n %% %(members)s), ('203.0.113.' || (n %% 250))::inet, 'GET', '/p/' || (n %% 5000) || '/', 200,
       %(cutoff)s::timestamptz - (n * %(spread)s || ' seconds')::interval, 'Mozilla/5.0 (bench)', 'request'
FROM generate_series(1, %(rows)s) AS n
"""


def _seed(rows: int, cutoff, members: int) -> None:
    spread = 75 * 24 * 3600 / rows
    access_log_partitions_ensure(since=(cutoff - timedelta(days=80)).date())
    execute(SEED, {"rows": rows, "cutoff": cutoff, "spread": spread, "members": members})
    execute("ANALYZE privacy_accesslog")


def _expired(cutoff) -> int:
    return scalar("SELECT count(*) FROM privacy_accesslog WHERE time < %s", [cutoff])


class _Feed(threading.Thread):
    """The signed-in home feed fetched again and again on its own connection, timing each page while
    `measuring` is set (pages are not fetched otherwise)."""

    def __init__(self, viewer_id: int) -> None:
        super().__init__(daemon=True)
        self.viewer_id = viewer_id
        self.seconds: list[float] = []
        self.measuring = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        from members.models import Member

        client = Client()
        client.force_login(Member.objects.get(pk=self.viewer_id))
        client.get("/")
        try:
            while not self.stop.is_set():
                if not self.measuring.wait(timeout=0.05):
                    continue
                started = time.perf_counter()
                client.get("/")
                if self.measuring.is_set():  # a page that ended after the window closed does not count
                    self.seconds.append(time.perf_counter() - started)
        finally:
            connections.close_all()


def _p95(samples: list[float]) -> float | None:
    return quantiles(samples, n=20)[-1] if len(samples) >= 20 else None


def _purge_timed(cutoff) -> tuple[int, float, float]:
    """The handler's purge, with the longest stretch between two commits (each batch commits)."""
    commits: list[float] = []
    original = connection.commit

    def commit() -> None:
        original()
        commits.append(time.perf_counter())

    connection.commit = commit
    started = time.perf_counter()
    try:
        removed = access_log_purge(cutoff)
    finally:
        connection.commit = original
    ended = time.perf_counter()
    marks = [started, *commits, ended]
    longest = max(b - a for a, b in pairwise(marks))
    return removed, ended - started, longest


def _feed_figure(before: list[float], during: list[float]) -> Figure:
    p95_before, p95_during = _p95(before), _p95(during)
    what = "home feed p95 during the purge vs before"
    if p95_before is None or p95_during is None:
        why = f"too few pages for a p95 ({len(before)} before, {len(during)} during the purges)"
        return not_measured(id="P5.feed", what=what, target=f"<= {LATENCY_TARGET:.0f}x", why=why)
    ratio = ratio_of(p95_during, p95_before)
    return Figure(
        id="P5.feed",
        what=what,
        unit="ms",
        baseline=p95_before * 1000,
        value=p95_during * 1000,
        ratio=ratio,
        target=f"<= {LATENCY_TARGET:.0f}x",
        passed=ratio is not None and ratio <= LATENCY_TARGET,
        note=f"{len(before)} pages before, {len(during)} during",
    )


def measure(context: Context) -> list[Figure]:
    rows = ROWS[context.scale.name]
    keep = RetentionCategory.objects.get(key="access_logs").keep_days
    cutoff = timezone.now() - timedelta(days=keep)
    execute("DELETE FROM privacy_accesslog")

    _seed(rows, cutoff, context.scale.members)
    expired = _expired(cutoff)
    started = time.perf_counter()
    execute("DELETE FROM privacy_accesslog WHERE time < %s", [cutoff])
    raw_seconds = time.perf_counter() - started

    # The feed alone first; then purges (each on a fresh seed, the feed paused while seeding) until
    # enough pages were timed during purges for a p95: one small purge takes a fraction of a second.
    before_feed, during_feed = _Feed(context.seeded.viewer_id), _Feed(context.seeded.viewer_id)
    before_feed.start()
    before_feed.measuring.set()
    time.sleep(5.0)
    before_feed.stop.set()
    before_feed.join()
    during_feed.start()
    first = None
    longest = 0.0
    for _round in range(PURGE_ROUNDS[context.scale.name]):
        _seed(rows, cutoff, context.scale.members)
        during_feed.measuring.set()
        removed, purge_seconds, round_longest = _purge_timed(cutoff)
        during_feed.measuring.clear()
        longest = max(longest, round_longest)
        first = first or (removed, purge_seconds, _expired(cutoff))
        if len(during_feed.seconds) >= 40:
            break
    during_feed.stop.set()
    during_feed.join()
    removed, purge_seconds, left = first
    before, feed = before_feed.seconds, during_feed

    raw_speed, purge_speed = expired / raw_seconds, removed / purge_seconds
    speed_ratio = ratio_of(purge_speed, raw_speed)
    same = "" if removed == expired and left == 0 else f"removed {removed} of {expired}, {left} left"
    return [
        Figure(
            id="P5",
            what=f"retention purge of {expired:,} expired access-log rows",
            unit="rows/s",
            baseline=raw_speed,
            value=purge_speed,
            ratio=speed_ratio,
            target=f">= {SPEED_TARGET:.2f} of one raw DELETE",
            passed=speed_ratio is not None and speed_ratio >= SPEED_TARGET and not same,
            note=same or f"purge {purge_seconds:.2f}s, one raw DELETE {raw_seconds:.2f}s",
        ),
        Figure(
            id="P5.batch",
            what="purge: longest transaction",
            unit="s",
            baseline=TRANSACTION_TARGET,
            value=longest,
            ratio=ratio_of(longest, TRANSACTION_TARGET),
            target=f"<= {TRANSACTION_TARGET:.0f} s",
            passed=longest <= TRANSACTION_TARGET,
        ),
        _feed_figure(before, feed.seconds),
    ]
