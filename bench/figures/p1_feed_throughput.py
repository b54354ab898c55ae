"""P1: requests per second of a signed-in member's home feed (30 posts) under gunicorn with production
settings, driven by wrk, against a fixed string served through the same middleware stack, the same
gunicorn and the same session cookie."""

from django.conf import settings
from django.test import Client

from bench.context import Context
from bench.report import Figure, ratio_of
from bench.servers import gunicorn, page_get, wrk
from content.selectors.posts import feed_home
from members.models import Member

TARGET = 0.30


def _session_cookie(member: Member) -> str:
    client = Client()
    client.force_login(member)  # the session lives in Redis and PostgreSQL, which gunicorn shares
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def measure(context: Context) -> list[Figure]:
    viewer = Member.objects.get(pk=context.seeded.viewer_id)
    items = len(feed_home(viewer=viewer).posts)
    cookie = _session_cookie(viewer)
    seconds = context.scale.load_seconds
    with gunicorn(context) as base:
        status, body = page_get(f"{base}/", cookie=cookie)
        if status != 200 or viewer.display_name not in body:
            raise RuntimeError(f"the home page did not answer as the signed-in member (HTTP {status})")
        for path in ("/bench/fixed/", "/"):  # warm every worker: imports, templates, connections
            wrk(context, f"{base}{path}", cookie=cookie, seconds=1)
        fixed = wrk(context, f"{base}/bench/fixed/", cookie=cookie, seconds=seconds)
        feed = wrk(context, f"{base}/", cookie=cookie, seconds=seconds)
    errors = fixed["errors"] + feed["errors"]
    note = f"{errors} failed or non-2xx responses" if errors else ""
    ratio = ratio_of(feed["requests_per_second"], fixed["requests_per_second"])
    details = {
        "feed": feed,
        "fixed": fixed,
        "feed_items": items,
        "viewer_id": viewer.pk,
        "seconds_each": seconds,
        "gunicorn": "community.wsgi, 3 sync workers, access log on; wrk -t2 -c6",
    }
    return [
        Figure(
            id="P1",
            what=f"home feed ({items} posts) throughput",
            unit="req/s",
            baseline=fixed["requests_per_second"],
            value=feed["requests_per_second"],
            ratio=ratio,
            target=f">= {TARGET:.2f} of fixed",
            passed=ratio is not None and ratio >= TARGET and not errors,
            note=note,
            details=details,
        ),
        Figure(
            id="P1.latency",
            what="home feed latency p50 -> p95 (ms)",
            unit="ms",
            baseline=feed["p50_ms"],
            value=feed["p95_ms"],
            ratio=ratio_of(feed["p95_ms"], feed["p50_ms"]),
            target="info (p95/p50)",
            note=(
                f"feed p50 {feed['p50_ms']:.1f} / p95 {feed['p95_ms']:.1f} / p99 {feed['p99_ms']:.1f} ms; "
                f"fixed p50 {fixed['p50_ms']:.1f} / p95 {fixed['p95_ms']:.1f} / p99 {fixed['p99_ms']:.1f} ms"
            ),
            details={"feed": feed, "fixed": fixed},
        ),
    ]
