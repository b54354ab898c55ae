"""P6: composing daily digests (content.delivery.digest.digests_compose) for every member with
something waiting. The composer works in batches of members (BATCH_SIZE, one transaction each):
statements per batch must not depend on how many members are composed. A tenth of the members reach
their digest hour first, then the rest; every batch's statements are counted, and members/s is
reported."""

import time
from contextlib import contextmanager
from datetime import UTC, datetime
from unittest import mock

from django.conf import settings
from django.db import connection

from bench.bulk import execute
from bench.context import Context
from bench.report import Figure, ratio_of
from content.delivery import digest
from content.delivery.digest import BATCH_SIZE, digests_compose
from content.models import Post

ITEMS_EACH = 2


def _zone_at(hour: int) -> str:
    """A fixed-offset zone where it is now `hour` o'clock (Etc/GMT signs are inverted)."""
    offset = (hour - datetime.now(tz=UTC).hour + 12) % 24 - 12
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def _waiting(context: Context) -> int:
    """Two digest-channel items waiting for every member, from two new posts."""
    posts = [
        Post.objects.create(
            space_id=context.seeded.broadcast_space_id,
            author_id=1,
            title=f"Digest item {n}",
            body="Waits for the digest.",
            body_html="<p>Waits for the digest.</p>",
            body_fingerprint=f"bench-p6-{n}",
        ).pk
        for n in range(ITEMS_EACH)
    ]
    return execute(
        "INSERT INTO content_delivery (source_kind, source_id, recipient_id, channel, category, status,"
        " due_at, attempts, message_id, reason, created_at)"
        " SELECT 'post.published', p, m.id, 'digest', 'posts', 'pending', now(), 0, '', '', now()"
        " FROM members_member m CROSS JOIN unnest(%s::bigint[]) AS p ON CONFLICT DO NOTHING",
        [posts],
    )


@contextmanager
def _statements_by_batch():
    """{"n": every statement, "batches": [statements of each batch]}: each call of the composer's batch
    writer is one batch."""
    counter = {"n": 0, "batches": []}
    in_batch = []

    def count(execute, sql, params, many, context):
        counter["n"] += 1
        if in_batch:
            counter["batches"][-1] += 1
        return execute(sql, params, many, context)

    write = digest._digests_write

    def counted_write(**kwargs):
        counter["batches"].append(0)
        in_batch.append(True)
        try:
            return write(**kwargs)
        finally:
            in_batch.pop()

    with connection.execute_wrapper(count), mock.patch.object(digest, "_digests_write", counted_write):
        yield counter


def _compose(*, up_to: int, first: bool) -> dict:
    """Move the members with ids up to `up_to` (first) or above it to their digest hour and everyone
    else away from it; compose."""
    hour = settings.DELIVERY_DIGEST_HOUR
    execute(
        "UPDATE members_member SET timezone = CASE WHEN (id <= %s) = %s THEN %s ELSE %s END",
        [up_to, first, _zone_at(hour), _zone_at((hour + 12) % 24)],
    )
    started = time.perf_counter()
    with _statements_by_batch() as statements:
        composed = digests_compose()
    seconds = time.perf_counter() - started
    batches = statements["batches"]
    return {
        "composed": composed,
        "statements": statements["n"],
        "batches": len(batches),
        "per_batch": sorted(set(batches)),
        "outside_batches": statements["n"] - sum(batches),
        "seconds": seconds,
    }


def _per_batch(run: dict) -> float | None:
    """The statements of the largest batch (the last one of a run may be smaller, never costlier)."""
    return float(max(run["per_batch"])) if run["per_batch"] else None


def measure(context: Context) -> list[Figure]:
    waiting = _waiting(context)
    tenth = max(1, context.scale.members // 10)
    first = _compose(up_to=tenth, first=True)
    rest = _compose(up_to=tenth, first=False)
    per_first, per_rest = _per_batch(first), _per_batch(rest)
    speed = rest["composed"] / rest["seconds"] if rest["seconds"] else None
    return [
        Figure(
            id="P6",
            what=f"digest statements per batch of {BATCH_SIZE}, "
            f"{rest['composed']:,} vs {first['composed']:,} members",
            unit="queries",
            baseline=per_first,
            value=per_rest,
            ratio=ratio_of(per_rest, per_first),
            target="constant",
            passed=per_first is not None and per_rest is not None and per_rest == per_first,
            note=f"{first['statements']} statements for {first['composed']:,} digests in {first['batches']} "
            f"batches, {rest['statements']} for {rest['composed']:,} in {rest['batches']} (statements per "
            f"batch {first['per_batch']} and {rest['per_batch']}; outside the batches "
            f"{first['outside_batches']} and {rest['outside_batches']})",
            details={"waiting_items": waiting, "batch_size": BATCH_SIZE, "first": first, "rest": rest},
        ),
        Figure(
            id="P6.speed",
            what="digests composed per second",
            unit="members/s",
            value=speed,
            target="info",
            note=f"{rest['composed']:,} digests in {rest['seconds']:.1f}s",
            details={"first": first, "rest": rest},
        ),
    ]
