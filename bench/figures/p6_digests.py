"""P6: composing daily digests (content.delivery.digest.digests_compose) for every member with
something waiting. Statements per composed member must not depend on how many are composed: a tenth
of the members reach their digest hour first, then the rest; members/s is reported."""

import time
from datetime import UTC, datetime

from django.conf import settings

from bench.bulk import execute
from bench.context import Context
from bench.counting import statements_counted
from bench.report import Figure, ratio_of
from content.delivery.digest import digests_compose
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


def _compose(*, up_to: int, first: bool) -> dict:
    """Move the members with ids up to `up_to` (first) or above it to their digest hour and everyone
    else away from it; compose."""
    hour = settings.DELIVERY_DIGEST_HOUR
    execute(
        "UPDATE members_member SET timezone = CASE WHEN (id <= %s) = %s THEN %s ELSE %s END",
        [up_to, first, _zone_at(hour), _zone_at((hour + 12) % 24)],
    )
    started = time.perf_counter()
    with statements_counted() as statements:
        composed = digests_compose()
    seconds = time.perf_counter() - started
    return {"composed": composed, "statements": statements["n"], "seconds": seconds}


def measure(context: Context) -> list[Figure]:
    waiting = _waiting(context)
    tenth = max(1, context.scale.members // 10)
    first = _compose(up_to=tenth, first=True)
    rest = _compose(up_to=tenth, first=False)
    per_first = first["statements"] / first["composed"] if first["composed"] else None
    per_rest = rest["statements"] / rest["composed"] if rest["composed"] else None
    speed = rest["composed"] / rest["seconds"] if rest["seconds"] else None
    return [
        Figure(
            id="P6",
            what=f"digest statements per member, {rest['composed']:,} vs {first['composed']:,}",
            unit="queries",
            baseline=per_first,
            value=per_rest,
            ratio=ratio_of(per_rest, per_first),
            target="constant",
            passed=per_first is not None and per_rest is not None and abs(per_rest - per_first) < 0.1,
            note=f"{first['statements']} statements for {first['composed']:,} digests, "
            f"{rest['statements']} for {rest['composed']:,}: one transaction per member, no batches",
            details={"waiting_items": waiting, "first": first, "rest": rest},
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
