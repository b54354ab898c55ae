"""P2: SQL statements per page and per API list, with one item and with many. The counts must be
equal: a count that grows with the rows is an N+1."""

from collections.abc import Callable

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.context import Context
from bench.figures.p2_fixture import ITEMS, THREAD, Side, World, world_build
from bench.report import Figure

# (id, what, url for a side, who asks: "viewer" or "moderator")
PAGES: list[tuple[str, str, Callable[[World, Side], str], str]] = [
    ("P2.home", "home feed page", lambda w, s: "/", "viewer"),
    ("P2.space", "space page", lambda w, s: f"/s/{s.space.slug}/", "viewer"),
    ("P2.thread", f"post page, 1 vs {THREAD} comments", lambda w, s: f"/p/{s.thread.pk}/", "viewer"),
    ("P2.queue", "review queue page", lambda w, s: "/moderation/", "moderator"),
    ("P2.events", "upcoming events page", lambda w, s: "/events/", "viewer"),
    ("P2.space_events", "space events page", lambda w, s: f"/s/{s.space.slug}/events/", "viewer"),
    ("P2.spaces", "spaces page", lambda w, s: "/s/", "viewer"),
    ("P2.api_feed", "API home feed", lambda w, s: "/api/v1/feed/", "viewer"),
    ("P2.api_spaces", "API spaces", lambda w, s: "/api/v1/spaces/", "viewer"),
    ("P2.api_space_posts", "API space posts", lambda w, s: f"/api/v1/spaces/{s.space.slug}/posts/", "viewer"),
    ("P2.api_comments", "API comments", lambda w, s: f"/api/v1/posts/{s.thread.pk}/comments/", "viewer"),
    ("P2.api_events", "API events", lambda w, s: "/api/v1/events/", "viewer"),
    (
        "P2.api_space_events",
        "API space events",
        lambda w, s: f"/api/v1/spaces/{s.space.slug}/events/",
        "viewer",
    ),
    (
        "P2.api_member_posts",
        "API member posts",
        lambda w, s: f"/api/v1/members/{w.author.pk}/posts/",
        "viewer",
    ),
    ("P2.api_blocks", "API blocks", lambda w, s: "/api/v1/me/blocks/", "viewer"),
    ("P2.api_mutes", "API mutes", lambda w, s: "/api/v1/me/mutes/", "viewer"),
    (
        "P2.api_requests",
        "API join requests",
        lambda w, s: f"/api/v1/spaces/{s.space.slug}/requests/",
        "moderator",
    ),
]


def _count(client: Client, url: str) -> tuple[int, int, int]:
    """(status, queries, response bytes): the bytes show the "many" page really listed more."""
    client.get(url)  # once-a-day writes (the active day) and first-use work happen here, not below
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured.captured_queries), len(response.content)


def _clients(side: Side) -> dict[str, Client]:
    clients = {}
    for role in ("viewer", "moderator"):
        client = Client()
        client.force_login(getattr(side, role))
        clients[role] = client
    return clients


def measure(context: Context) -> list[Figure]:
    figures = []
    with transaction.atomic():
        world = world_build()
        one, many = _clients(world.one), _clients(world.many)
        for figure_id, what, url_for, role in PAGES:
            status_one, queries_one, bytes_one = _count(one[role], url_for(world, world.one))
            status_many, queries_many, bytes_many = _count(many[role], url_for(world, world.many))
            note = ""
            if status_one != 200 or status_many != 200:
                note = f"HTTP {status_one} / {status_many}: the count describes an error page"
            figures.append(
                Figure(
                    id=figure_id,
                    what=what,
                    unit="queries",
                    baseline=queries_one,
                    value=queries_many,
                    ratio=queries_many / queries_one if queries_one else None,
                    target=f"equal at 1 and {ITEMS}",
                    passed=queries_one == queries_many and not note,
                    note=note,
                    details={
                        "url_one": url_for(world, world.one),
                        "url_many": url_for(world, world.many),
                        "bytes_one": bytes_one,
                        "bytes_many": bytes_many,
                    },
                )
            )
        transaction.set_rollback(True)  # nothing of the fixture stays
    return figures
