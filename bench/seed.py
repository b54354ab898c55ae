"""A community of the chosen scale, generated inside PostgreSQL (`INSERT … SELECT` over
generate_series): members with verified addresses, spaces of very different sizes, memberships,
posts over two years written mostly by a few members, comments and reactions crowding on recent posts,
events with RSVPs, inbox items, blocks, mutes and a history of sent deliveries.

Plus a "broadcast" space every member belongs to (P3 plans a post in it to every member)."""

import time
from dataclasses import dataclass

from allauth.account.models import EmailAddress

from bench.bulk import execute, insert_select, scalar, sequence_reset
from bench.config import Scale
from content.delivery.models import Delivery
from content.models import RSVP, Comment, Event, InboxItem, Post, Reaction, Space, SpaceMembership
from members.models import Block, Member, Mute

BROADCAST_SLUG = "everyone"
DAYS = 730


@dataclass(frozen=True)
class Seeded:
    scale: Scale
    seconds: float
    rows: dict[str, int]
    broadcast_space_id: int
    viewer_id: int  # P1's signed-in member: the member of the most spaces


def _params(scale: Scale) -> dict:
    """The numbers every statement may use, as named parameters."""
    return {
        "members": scale.members,
        "posts": scale.posts,
        "spaces": scale.spaces,
        "broadcast": scale.spaces + 1,
        "comments": scale.comments,
        "reactions": scale.reactions,
        "events": scale.events,
        "rsvps": scale.events * 10,
        "inbox": scale.inbox_items,
        "pairs": max(10, scale.members // 20),
        "days": DAYS,
        "step": DAYS * 86400 / scale.posts,  # seconds between two posts
    }


def _members(p: dict) -> int:
    rows = insert_select(
        Member,
        {
            "id": "i",
            "password": "'!bench'",  # unusable: the harness signs members in by session
            "email": "'m' || i || '@bench.example'",
            "display_name": "'Member ' || i",
            "language": "CASE WHEN mod(i, 5) = 0 THEN 'zh-hans' ELSE 'en' END",
            "timezone": "'UTC'",
            "is_active": "mod(i, 50) <> 7",  # 2 % closed accounts
            "is_superuser": "false",
            "is_staff": "false",
            "date_joined": "now() - make_interval(days => %(days)s) * power(random(), 0.7)",
            "trust_level": "floor(random() * 4)::int",
            # 80 % instant, 12 % daily, 4 % weekly, 4 % off (the digest composer's mix)
            "email_mode": "CASE WHEN mod(i, 25) < 20 THEN 'instant' WHEN mod(i, 25) < 23 THEN 'daily'"
            " WHEN mod(i, 25) = 23 THEN 'weekly' ELSE 'off' END",
        },
        "FROM generate_series(1, %(members)s) AS i",
        p,
    )
    sequence_reset(Member)
    insert_select(
        EmailAddress,
        {"user_id": "id", "email": "email", "verified": "true", "primary": "true"},
        "FROM members_member",
    )
    return rows


def _spaces(p: dict) -> int:
    rows = insert_select(
        Space,
        {
            "id": "i",
            "slug": "'space-' || i",
            "name": "'Space ' || i",
            # a quarter private, a quarter members-only, half public; the biggest space is public
            "visibility": "CASE WHEN i = 1 THEN 'public' WHEN mod(i, 4) = 0 THEN 'private'"
            " WHEN mod(i, 4) = 1 THEN 'members' ELSE 'public' END",
            "created_at": "now() - make_interval(days => %(days)s)",
        },
        "FROM generate_series(1, %(spaces)s) AS i",
        p,
    )
    rows += insert_select(
        Space,
        {
            "id": "%(broadcast)s",
            "slug": f"'{BROADCAST_SLUG}'",
            "name": "'Everyone'",
            "visibility": "'public'",
            "posting_policy": "'moderators'",
            "created_at": "now() - make_interval(days => %(days)s)",
        },
        params=p,
    )
    sequence_reset(Space)
    return rows


LEVEL = "CASE WHEN random() < 0.2 THEN 'all' WHEN random() < 0.94 THEN 'digest' ELSE 'mute' END"


def _memberships(p: dict) -> int:
    # each member in about 7 of the topic spaces, the first ones far more often (space s: 1.2 / s^0.7)
    rows = insert_select(
        SpaceMembership,
        {
            "space_id": "s",
            "member_id": "m",
            "role": "CASE WHEN random() < 0.01 THEN 'moderator' ELSE 'member' END",
            "status": "CASE WHEN r < 0.95 THEN 'active' WHEN r < 0.98 THEN 'requested' ELSE 'invited' END",
            "notification_level": LEVEL,
            "created_at": "now() - make_interval(days => %(days)s) * random()",
        },
        "FROM (SELECT s, m, random() AS r FROM generate_series(1, %(spaces)s) AS s"
        " CROSS JOIN generate_series(1, %(members)s) AS m"
        " WHERE random() < least(0.9, 1.2 / power(s, 0.7))) AS pairs",
        p,
    )
    rows += insert_select(
        SpaceMembership,
        {
            "space_id": "%(broadcast)s",
            "member_id": "m",
            "role": "'member'",
            "status": "'active'",
            "notification_level": LEVEL,
            "created_at": "now()",
        },
        "FROM generate_series(1, %(members)s) AS m",
        p,
    )
    return rows


def _posts(p: dict) -> int:
    return insert_select(
        Post,
        {
            "id": "i",
            "space_id": "1 + floor(%(spaces)s * power(random(), 2.2))::int",
            "author_id": "1 + floor(%(members)s * power(random(), 3))::int",
            "kind": "CASE WHEN mod(i, 30) = 0 THEN 'question' ELSE 'discussion' END",
            "title": "'Post ' || i || ' about something worth reading'",
            "body": "repeat('Body of post ' || i || '. ', 8)",
            "body_html": "'<p>' || repeat('Body of post ' || i || '. ', 8) || '</p>'",
            "body_fingerprint": "md5(i::text)",
            "status": "CASE WHEN mod(i, 100) = 1 THEN 'pending_review' WHEN mod(i, 100) = 2 THEN 'hidden'"
            " ELSE 'published' END",
            "is_pinned": "mod(i, 5000) = 3",
            "created_at": "t",
            "last_activity_at": "t",
            "deleted_at": "CASE WHEN mod(i, 50) = 9 THEN now() ELSE NULL END",
        },
        # ids follow time, over two years
        "FROM (SELECT i, now() - make_interval(secs => (%(posts)s - i) * %(step)s + random() * 60) AS t"
        " FROM generate_series(1, %(posts)s) AS i) AS x",
        p,
    )


def _comments(p: dict) -> int:
    rows = insert_select(
        Comment,
        {
            "post_id": "p.id",
            "author_id": "1 + floor(%(members)s * power(random(), 2))::int",
            "body": "'Comment ' || x.g || ' with a thought'",
            "body_html": "'<p>Comment ' || x.g || ' with a thought</p>'",
            "body_fingerprint": "md5('c' || x.g)",
            "status": "'published'",
            "created_at": "least(now(), p.created_at + make_interval(hours => (random() * 72)::int))",
        },
        # recent posts get most comments; a volatile expression in a subquery is computed per row
        "FROM (SELECT g, %(posts)s - floor(%(posts)s * power(random(), 2))::bigint AS post_id"
        " FROM generate_series(1, %(comments)s) AS g) AS x JOIN content_post p ON p.id = x.post_id",
        p,
    )
    execute(
        "UPDATE content_post p SET comment_count = c.n,"
        " last_activity_at = greatest(p.last_activity_at, c.last)"
        " FROM (SELECT post_id, count(*) AS n, max(created_at) AS last"
        " FROM content_comment GROUP BY post_id) c WHERE c.post_id = p.id"
    )
    return rows


def _reactions(p: dict) -> int:
    rows = execute(
        "INSERT INTO content_reaction (member_id, post_id, kind, created_at)"
        " SELECT 1 + floor(%(members)s * random())::int,"
        " %(posts)s - floor(%(posts)s * power(random(), 2))::bigint,"
        " (ARRAY['like','heart','celebrate','insightful','thanks'])[1 + floor(random() * 5)::int], now()"
        " FROM generate_series(1, %(reactions)s) ON CONFLICT DO NOTHING",
        p,
    )
    execute(
        "UPDATE content_post p SET reaction_count = r.n FROM (SELECT post_id, count(*) AS n"
        " FROM content_reaction GROUP BY post_id) r WHERE r.post_id = p.id"
    )
    return rows


def _events(p: dict) -> int:
    rows = insert_select(
        Event,
        {
            "id": "i",
            "space_id": "1 + floor(%(spaces)s * power(random(), 2))::int",
            "organiser_id": "1 + floor(%(members)s * random())::int",
            "title": "'Event ' || i",
            "starts_at": "t",
            "ends_at": "t + interval '2 hours'",
            "location": "'Somewhere'",
            "capacity": "CASE WHEN mod(i, 3) = 0 THEN 50 ELSE NULL END",
            "status": "'published'",
            "created_at": "least(now(), t - interval '14 days')",
        },
        # a year of past events and three months of upcoming ones
        "FROM (SELECT i, now() + make_interval(days => 1) * (random() * 455 - 365) AS t"
        " FROM generate_series(1, %(events)s) AS i) AS e",
        p,
    )
    sequence_reset(Event)
    rows += execute(
        "INSERT INTO content_rsvp (event_id, member_id, status, created_at, updated_at)"
        " SELECT 1 + floor(%(events)s * random())::int, 1 + floor(%(members)s * random())::int,"
        " CASE WHEN random() < 0.85 THEN 'going' ELSE 'not_going' END, now(), now()"
        " FROM generate_series(1, %(rsvps)s) ON CONFLICT DO NOTHING",
        p,
    )
    execute(
        "UPDATE content_event e SET going_count = r.n FROM (SELECT event_id, count(*) AS n FROM content_rsvp"
        " WHERE status = 'going' GROUP BY event_id) r WHERE r.event_id = e.id"
    )
    return rows


def _inbox_and_history(p: dict) -> int:
    rows = insert_select(
        InboxItem,
        {
            "recipient_id": "1 + floor(%(members)s * power(random(), 2))::int",
            "kind": "'post.new'",
            "actor_id": "1 + floor(%(members)s * random())::int",
            "url": "'/p/' || i || '/'",
            "data": "jsonb_build_object('post_id', i, 'title', 'Post ' || i, 'space', 'Space')",
            "created_at": "now() - make_interval(days => %(days)s) * random()",
            "read_at": "CASE WHEN random() < 0.7 THEN now() ELSE NULL END",
        },
        "FROM generate_series(1, %(inbox)s) AS i",
        p,
    )
    # a history of sent mail and digests, so the dispatcher's and planner's indexes are not empty
    rows += execute(
        "INSERT INTO content_delivery (source_kind, source_id, recipient_id, channel, category, status,"
        " due_at, sent_at, attempts, message_id, reason, created_at)"
        " SELECT 'post.published', 1 + floor(%(posts)s * random())::int,"
        " 1 + floor(%(members)s * random())::int, c, 'posts', 'sent', t, t, 1, '', '', t"
        " FROM (SELECT (ARRAY['inbox','email','digest'])[1 + floor(random() * 3)::int] AS c,"
        " now() - make_interval(days => 400) * random() - interval '2 days' AS t"
        " FROM generate_series(1, %(posts)s)) AS d ON CONFLICT DO NOTHING",
        p,
    )
    return rows


PAIRS = (
    "SELECT a, b, now() FROM (SELECT 1 + floor(%(members)s * random())::int AS a,"
    " 1 + floor(%(members)s * power(random(), 3))::int AS b FROM generate_series(1, %(pairs)s)) AS pairs"
    " WHERE a <> b ON CONFLICT DO NOTHING"
)


def _blocks_and_mutes(p: dict) -> int:
    rows = execute("INSERT INTO members_block (blocker_id, blocked_id, created_at) " + PAIRS, p)
    rows += execute("INSERT INTO members_mute (muter_id, muted_id, created_at) " + PAIRS, p)
    return rows


def _counts() -> None:
    execute(
        "UPDATE content_space s SET"
        " post_count = (SELECT count(*) FROM content_post p WHERE p.space_id = s.id),"
        " member_count = (SELECT count(*) FROM content_spacemembership m"
        " WHERE m.space_id = s.id AND m.status = 'active')"
    )
    for model in (Post, Comment, InboxItem, SpaceMembership, Reaction, RSVP, Delivery, Block, Mute):
        sequence_reset(model)


def community_seed(*, scale: Scale) -> Seeded:
    """Seed an empty, migrated database. Deterministic for a scale (setseed)."""
    started = time.monotonic()
    execute("SELECT setseed(0.20261130)")
    p = _params(scale)
    rows = {
        "members": _members(p),
        "spaces": _spaces(p),
        "memberships": _memberships(p),
        "posts": _posts(p),
        "comments": _comments(p),
        "reactions": _reactions(p),
        "events_and_rsvps": _events(p),
        "inbox_items_and_deliveries": _inbox_and_history(p),
        "blocks_and_mutes": _blocks_and_mutes(p),
    }
    _counts()
    execute("VACUUM ANALYZE")
    return Seeded(
        scale=scale,
        seconds=time.monotonic() - started,
        rows=rows,
        broadcast_space_id=scale.spaces + 1,
        viewer_id=_viewer(scale),
    )


def _viewer(scale: Scale) -> int:
    return scalar(
        "SELECT member_id FROM content_spacemembership m JOIN members_member u ON u.id = m.member_id"
        " WHERE m.status = 'active' AND u.is_active AND m.space_id <= %s"
        " GROUP BY member_id ORDER BY count(*) DESC, member_id LIMIT 1",
        [scale.spaces],
    )


def community_seeded(*, scale: Scale) -> Seeded | None:
    """What an earlier run seeded in this database at this scale (BENCH_REUSE=1), or None when the
    database holds another scale or nothing. The figures' own rows from that run stay."""
    members = scalar("SELECT count(*) FROM members_member WHERE email ~ '^m[0-9]+@bench[.]example$'")
    if members != scale.members:
        return None
    rows = {"members": members, "posts": scalar("SELECT count(*) FROM content_post")}
    return Seeded(
        scale=scale, seconds=0.0, rows=rows, broadcast_space_id=scale.spaces + 1, viewer_id=_viewer(scale)
    )
