"""P3: planning one post to every member of a space with the delivery planner
(content.delivery.planner.deliveries_plan) against one raw `INSERT … SELECT` writing the same rows
(an inbox item, an inbox delivery and an email or digest delivery per recipient); peak Python memory
(tracemalloc) at the full size against a space a tenth as big; statements per batch at both sizes."""

import gc
import sys
import time
import tracemalloc

from django.db import connection

from bench.bulk import execute, insert_select, scalar
from bench.context import Context
from bench.counting import planner_batch_starts, statements_counted
from bench.report import Figure, ratio_of
from content.delivery.models import Outbox
from content.delivery.planner import BATCH_SIZE, POST_PUBLISHED, deliveries_plan
from content.models import Post, Space, SpaceMembership

SPEED_TARGET = 0.5
MEMORY_TARGET = 1.2

RAW_PLAN = """
WITH recipients AS MATERIALIZED (
    SELECT u.id, m.notification_level AS level
    FROM content_spacemembership m JOIN members_member u ON u.id = m.member_id
    WHERE m.space_id = %(space)s AND m.status = 'active' AND m.notification_level IN ('all', 'digest')
      AND u.is_active AND u.id <> %(author)s
      AND NOT EXISTS (SELECT 1 FROM members_block b WHERE b.blocker_id = u.id AND b.blocked_id = %(author)s)
      AND NOT EXISTS (SELECT 1 FROM members_mute x WHERE x.muter_id = u.id AND x.muted_id = %(author)s)
), items AS (
    INSERT INTO content_inboxitem (recipient_id, kind, actor_id, url, data, created_at)
    SELECT id, 'post.new', %(author)s, %(url)s, %(data)s::jsonb, now() FROM recipients
    RETURNING id, recipient_id
)
INSERT INTO content_delivery (source_kind, source_id, recipient_id, channel, category, status,
    inbox_item_id, due_at, sent_at, attempts, message_id, reason, created_at)
SELECT 'post.published', %(post)s, i.recipient_id, c.channel, 'posts',
    CASE WHEN c.channel = 'inbox' THEN 'sent' ELSE 'pending' END, i.id, now(),
    CASE WHEN c.channel = 'inbox' THEN now() END, 0, '', '', now()
FROM items i JOIN recipients r ON r.id = i.recipient_id
CROSS JOIN LATERAL (VALUES ('inbox'), (CASE WHEN r.level = 'all' THEN 'email' ELSE 'digest' END))
    AS c(channel)
"""


def _post(space_id: int, author_id: int, n: int) -> Post:
    return Post.objects.create(
        space_id=space_id,
        author_id=author_id,
        title=f"Bench announcement {n}",
        body="Planned to every member.",
        body_html="<p>Planned to every member.</p>",
        body_fingerprint=f"bench-p3-{n}",
    )


def _rows(post_ids: list[int]) -> int:
    deliveries = scalar(
        "SELECT count(*) FROM content_delivery WHERE source_kind = 'post.published' AND source_id = ANY(%s)",
        [post_ids],
    )
    items = scalar(
        "SELECT count(*) FROM content_inboxitem WHERE data->>'post_id' = ANY(%s)",
        [[str(p) for p in post_ids]],
    )
    return deliveries + items


def _live_memory_only(execute, sql, params, many, context):
    """In the traced runs, at the start of each planner batch (its lock of the outbox row): give back
    what the interpreter holds that is not the planner's, so the peak is the planner's live memory.

    - CPython's type attribute cache (4,096 entries) keeps alive each attribute name it was asked for,
      and Django builds some names as it goes ("as_" + vendor in every compile): each batch leaves a
      few more strings in it until it is full. `sys._clear_type_cache()` after a 240-batch plan gave
      back 170 of the 350 KiB still held.
    - Querysets and compilers leave reference cycles, freed only by the collector's full passes, which
      are rare in a process with Django's heap.
    Both are bounded and refilled by any work at all, whatever the audience; measured without this,
    the same planner read as growing by ~4 KiB a batch (P3.memory 1.57 at large), and with it, the
    traced memory between batch 20 and batch 90 of a 100k plan grew by 7 KiB in all. The timed run is
    not traced and pays none of this."""
    if planner_batch_starts(sql):
        sys._clear_type_cache()
        gc.collect()
    return execute(sql, params, many, context)


def _plan(space_id: int, author_id: int, n: int, *, traced: bool) -> dict:
    post = _post(space_id, author_id, n)
    outbox = Outbox.objects.create(kind=POST_PUBLISHED, object_id=post.pk)
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    with statements_counted() as statements:
        if traced:
            with connection.execute_wrapper(_live_memory_only):
                deliveries_plan(outbox_id=outbox.pk)
        else:
            deliveries_plan(outbox_id=outbox.pk)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    if traced:
        tracemalloc.stop()
    return {
        "post": post.pk,
        "seconds": seconds,
        "statements": statements["n"],
        "per_batch": statements["batches"],
        "peak_bytes": peak,
    }


def _raw(space_id: int, author_id: int, n: int) -> dict:
    post = _post(space_id, author_id, n)
    data = f'{{"post_id": {post.pk}, "title": "{post.title}", "space": "Everyone"}}'
    started = time.perf_counter()
    execute(RAW_PLAN, {"space": space_id, "author": author_id, "post": post.pk, "url": "/", "data": data})
    return {"post": post.pk, "seconds": time.perf_counter() - started}


def _tenth_space(context: Context) -> int:
    """A space with the first tenth of the members, levels as in the broadcast space."""
    members = max(1, context.scale.members // 10)
    Space.objects.filter(slug="bench-tenth").delete()  # left by an interrupted run on a reused database
    space = Space.objects.create(slug="bench-tenth", name="A tenth", visibility="public")
    insert_select(
        SpaceMembership,
        {
            "space_id": "%(space)s",
            "member_id": "member_id",
            "role": "'member'",
            "status": "'active'",
            "notification_level": "notification_level",
            "created_at": "now()",
        },
        "FROM content_spacemembership WHERE space_id = %(broadcast)s AND member_id <= %(members)s",
        {"space": space.pk, "broadcast": context.seeded.broadcast_space_id, "members": members},
    )
    return space.pk


def _cleanup(post_ids: list[int]) -> None:
    execute(
        "DELETE FROM content_delivery WHERE source_kind = 'post.published' AND source_id = ANY(%s)",
        [post_ids],
    )
    execute("DELETE FROM content_inboxitem WHERE data->>'post_id' = ANY(%s)", [[str(p) for p in post_ids]])
    Outbox.objects.filter(object_id__in=post_ids).delete()
    Post.objects.filter(pk__in=post_ids).delete()


def _recipients(post_id: int) -> int:
    return scalar(
        "SELECT count(*) FROM content_delivery WHERE source_kind = 'post.published' AND source_id = %s"
        " AND channel = 'inbox'",
        [post_id],
    )


def measure(context: Context) -> list[Figure]:
    broadcast = context.seeded.broadcast_space_id
    author = 1  # the most active author of the seed
    tenth_space = _tenth_space(context)
    raw = _raw(broadcast, author, 1)
    # first use loads code, translations and caches once; neither the clock nor tracemalloc sees it
    warm = _plan(tenth_space, author, 2, traced=False)
    small = _plan(tenth_space, author, 3, traced=True)
    timed = _plan(broadcast, author, 4, traced=False)
    full = _plan(broadcast, author, 5, traced=True)
    raw_rows, timed_rows = _rows([raw["post"]]), _rows([timed["post"]])
    recipients, tenth_recipients = _recipients(timed["post"]), _recipients(small["post"])
    _cleanup([raw["post"], warm["post"], small["post"], timed["post"], full["post"]])
    Space.objects.filter(pk=tenth_space).delete()

    raw_speed = raw_rows / raw["seconds"]
    planner_speed = timed_rows / timed["seconds"]
    speed_ratio = ratio_of(planner_speed, raw_speed)
    memory_ratio = ratio_of(full["peak_bytes"], small["peak_bytes"])
    # the busiest batch at each size: a batch's statements must not depend on the post's audience
    per_batch_small, per_batch_full = max(small["per_batch"]), max(full["per_batch"])
    same_rows = "" if raw_rows == timed_rows else f"rows differ: raw {raw_rows}, planner {timed_rows}"
    return [
        Figure(
            id="P3",
            what=f"plan 1 post to {recipients:,} recipients",
            unit="rows/s",
            baseline=raw_speed,
            value=planner_speed,
            ratio=speed_ratio,
            target=f">= {SPEED_TARGET:.2f} of raw SQL",
            passed=speed_ratio is not None and speed_ratio >= SPEED_TARGET and not same_rows,
            note=same_rows or f"planner {timed['seconds']:.2f}s, one INSERT … SELECT {raw['seconds']:.2f}s",
            details={"raw": raw, "planner": timed, "rows": timed_rows, "recipients": recipients},
        ),
        Figure(
            id="P3.memory",
            what=f"planner peak memory, {recipients:,} vs {tenth_recipients:,} recipients",
            unit="KiB",
            baseline=small["peak_bytes"] / 1024,
            value=full["peak_bytes"] / 1024,
            ratio=memory_ratio,
            target=f"<= {MEMORY_TARGET:.1f}x",
            passed=memory_ratio is not None and memory_ratio <= MEMORY_TARGET,
            note="live memory: the type attribute cache cleared and cycles collected at each batch "
            "start of the traced runs (see _live_memory_only)",
            details={"small": small, "full": full},
        ),
        Figure(
            id="P3.queries",
            what=f"planner statements per batch of {BATCH_SIZE}",
            unit="queries",
            baseline=per_batch_small,
            value=per_batch_full,
            ratio=ratio_of(per_batch_full, per_batch_small),
            target="constant (info)",
            note=f"{len(small['per_batch'])} batches for {tenth_recipients:,} recipients, "
            f"{len(full['per_batch'])} for {recipients:,}; per batch: {sorted(set(full['per_batch']))}",
        ),
    ]
