"""P7: the operators' pages on the seeded community (issue 7: "fast on a database of 100k members and
1M posts; check the query plans").

The seed has no moderation or activity history, so this figure first adds what the dashboard reads,
in proportion to the scale, with INSERT … SELECT: a day of activity for about 15 % of the members on
each of the last 90 days, reports and review items on 1 % of the posts (most decided, with their
audit rows and a few appeals), complaints with their threads and one-click unsubscribes.

Then, for 7, 30 and 90 days, it computes every dashboard section uncached (the cost the first
operator of a five-minute window pays) and times each statement; the three slowest are EXPLAINed
(ANALYZE) and the figure lists the tables they read whole. Baseline: one `count(*)` over all posts,
a sequential scan of the biggest table, in the same run: the ratio says how many such scans the
whole dashboard costs. The big changelists are opened by a superuser through the test client
(second request each), timed and counted, against the admin index.
"""

import statistics
import time
from contextlib import contextmanager

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from bench.bulk import execute, scalar
from bench.context import Context
from bench.report import Figure, ratio_of
from community.dashboard.selectors import PERIODS, SECTIONS, dashboard_figures
from members.models import Member

CHANGELISTS = {
    "members": "/admin/members/member/",
    "members searched by email": "/admin/members/member/?q=m4217%40bench.example",
    "posts": "/admin/content/post/",
    "comments": "/admin/content/comment/",
    "deliveries": "/admin/content/delivery/",
    "inbox items": "/admin/content/inboxitem/",
    "review items": "/admin/moderation/reviewitem/",
    "audit log": "/admin/moderation/moderationaction/",
    "active days": "/admin/members/activeday/",
}


def _seed_history() -> dict[str, int]:
    """What the dashboard reads and the seed does not make, in proportion to the seeded members and
    posts (one statement per table, inside PostgreSQL); nothing when an earlier run (BENCH_REUSE=1)
    made it already."""
    if scalar("SELECT count(*) FROM moderation_reviewitem WHERE snapshot_body = ''"):
        return {"reused": 1}
    rows = {}
    rows["active_days"] = execute(
        "INSERT INTO members_activeday (member_id, day)"
        " SELECT m.id, current_date - d FROM members_member m CROSS JOIN generate_series(0, 89) d"
        " WHERE random() < 0.15 ON CONFLICT DO NOTHING"
    )
    rows["review_items"] = execute(
        "INSERT INTO moderation_reviewitem (kind, object_id, space_id, reason, snapshot_title,"
        " snapshot_body, snapshot_author_id, priority, report_count, status, created_at, triage_due_at,"
        " due_at, decided_at, decision)"
        " SELECT 'post', p.id, p.space_id,"
        "  (ARRAY['spam', 'harassment', 'misleading', 'off_topic'])[1 + p.id %% 4],"
        "  left(p.title, 200), '', p.author_id, 1, 1,"
        "  CASE WHEN p.id %% 5 = 0 THEN 'open' ELSE 'decided' END, t.at, t.at + interval '1 day',"
        "  t.at + interval '3 days',"
        "  CASE WHEN p.id %% 5 = 0 THEN NULL ELSE t.at + (p.id %% 70) * interval '1 hour' END,"
        "  CASE WHEN p.id %% 5 = 0 THEN '' WHEN p.id %% 3 = 0 THEN 'remove' ELSE 'dismiss' END"
        " FROM content_post p"
        " CROSS JOIN LATERAL (SELECT now() - (p.id %% 90) * interval '1 day'"
        "  - (p.id %% 24) * interval '1 hour' AS at) t"
        " WHERE p.id %% 100 = 7"
    )
    rows["reports"] = execute(
        "INSERT INTO moderation_report (reporter_id, kind, object_id, review_item_id, reason, details,"
        " created_at, outcome, decided_at)"
        " SELECT 1 + (r.id * 7919) %% (SELECT max(id) FROM members_member), r.kind, r.object_id, r.id,"
        "  r.reason, '', r.created_at,"
        "  CASE r.decision WHEN '' THEN NULL WHEN 'remove' THEN 'upheld' ELSE 'dismissed' END, r.decided_at"
        " FROM moderation_reviewitem r"
    )
    rows["audit_log"] = execute(
        "INSERT INTO moderation_moderationaction (review_item_id, moderator_id, action, code, kind,"
        " object_id, target_author_id, reason, rule, rule_version, until, created_at)"
        " SELECT r.id, 1, r.decision, 'moderation.post.' || CASE r.decision WHEN 'remove' THEN 'removed'"
        "  ELSE 'dismissed' END, r.kind, r.object_id, r.snapshot_author_id, 'Bench decision', 'Rule 1', '',"
        "  NULL, r.decided_at"
        " FROM moderation_reviewitem r WHERE r.status = 'decided'"
    )
    rows["appeals"] = execute(
        "INSERT INTO moderation_appeal (action_id, appellant_id, statement, created_at, status,"
        " decided_by_id, decided_at, decision_reason)"
        " SELECT a.id, a.target_author_id, 'Please look again.', a.created_at + interval '1 day',"
        "  CASE WHEN a.id %% 3 = 0 THEN 'open' WHEN a.id %% 3 = 1 THEN 'upheld' ELSE 'rejected' END, NULL,"
        "  CASE WHEN a.id %% 3 = 0 THEN NULL ELSE a.created_at + interval '3 days' END, ''"
        " FROM moderation_moderationaction a WHERE a.action = 'remove' AND a.id %% 10 = 0"
        "  AND a.target_author_id IS NOT NULL"
    )
    rows["complaints"] = execute(
        "INSERT INTO moderation_complaint (reference, author_id, topic, subject, status, created_at, due_at,"
        " answered_at, closed_at, closed_by_id)"
        " SELECT 'C-BENCH-' || m.id, m.id, 'service', 'Bench complaint',"
        "  CASE WHEN m.id %% 3 = 0 THEN 'open' ELSE 'answered' END, t.at, t.at + interval '21 days',"
        "  CASE WHEN m.id %% 3 = 0 THEN NULL ELSE t.at + (m.id %% 90) * interval '1 hour' END, NULL, NULL"
        " FROM members_member m"
        " CROSS JOIN LATERAL (SELECT now() - (m.id %% 90) * interval '1 day' AS at) t WHERE m.id %% 100 = 3"
    )
    rows["complaint_messages"] = execute(
        "INSERT INTO moderation_complaintmessage (complaint_id, author_id, from_staff, body, created_at)"
        " SELECT c.id, c.author_id, false, 'Bench complaint text', c.created_at FROM moderation_complaint c"
        " UNION ALL"
        " SELECT c.id, 1, true, 'Bench answer', c.answered_at FROM moderation_complaint c"
        " WHERE c.answered_at IS NOT NULL"
    )
    rows["email_opt_outs"] = execute(
        "INSERT INTO content_emailoptout (member_id, category, created_at)"
        " SELECT m.id, 'posts', now() - (m.id %% 90) * interval '1 day' FROM members_member m"
        " WHERE m.id %% 50 = 1 ON CONFLICT DO NOTHING"
    )
    execute("ANALYZE")
    return rows


@contextmanager
def _statements_timed():
    """Every statement's SQL, parameters and seconds."""
    timed = []

    def time_it(execute_, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute_(sql, params, many, context)
        finally:
            timed.append((time.perf_counter() - started, sql, params))

    with connection.execute_wrapper(time_it):
        yield timed


def _plan(sql: str, params) -> dict:
    """EXPLAIN ANALYZE of one statement: its time and the tables it read with a sequential scan."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        (plan,) = cursor.fetchone()[0]
    scans = []

    def walk(node: dict) -> None:
        if node.get("Node Type") == "Seq Scan":
            rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
            scans.append(f"{node.get('Relation Name')} ({rows:,} rows)")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return {"ms": round(plan["Execution Time"], 1), "seq_scans": scans, "sql": sql[:300]}


def _dashboard(days: int) -> dict:
    cache.clear()
    with _statements_timed() as timed:
        started = time.perf_counter()
        dashboard_figures(sections=SECTIONS, days=days)
        seconds = time.perf_counter() - started
    slowest = sorted(timed, key=lambda row: row[0], reverse=True)[:3]
    return {
        "seconds": seconds,
        "statements": len(timed),
        "slowest": [_plan(sql, params) for _, sql, params in slowest],
    }


def _full_scan_seconds() -> float:
    runs = []
    with connection.cursor() as cursor:
        for _ in range(3):
            started = time.perf_counter()
            cursor.execute("SELECT count(*) FROM content_post")
            cursor.fetchone()
            runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def _page(client: Client, url: str) -> dict:
    client.get(url)  # the first request warms the caches the way a working operator's would
    runs, statements = [], 0
    for _ in range(3):
        with _statements_timed() as timed:
            started = time.perf_counter()
            response = client.get(url)
            runs.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        statements = len(timed)
    return {"seconds": statistics.median(runs), "statements": statements}


def measure(context: Context) -> list[Figure]:
    started = time.monotonic()
    seeded = _seed_history()
    seed_seconds = time.monotonic() - started
    scan = _full_scan_seconds()
    figures = []
    with timezone.override("Asia/Shanghai"):
        for days in PERIODS:
            result = _dashboard(days)
            figures.append(
                Figure(
                    id=f"P7.dashboard.{days}d",
                    what=f"health dashboard, {days} days, uncached (every section)",
                    unit="s",
                    baseline=scan,
                    value=result["seconds"],
                    ratio=ratio_of(result["seconds"], scan),
                    target="information (in full scans of posts)",
                    details={**result, "seeded_history": seeded, "seed_seconds": round(seed_seconds, 1)},
                )
            )
    operator = Member.objects.filter(
        email="p7-operator@bench.example"
    ).first() or Member.objects.create_superuser(email="p7-operator@bench.example", password=None)
    client = Client()
    client.force_login(operator)
    index = _page(client, "/admin/")
    for name, url in CHANGELISTS.items():
        page = _page(client, url)
        figures.append(
            Figure(
                id=f"P7.admin.{name.replace(' ', '_')}",
                what=f"admin changelist: {name} ({page['statements']} statements)",
                unit="s",
                baseline=index["seconds"],
                value=page["seconds"],
                ratio=ratio_of(page["seconds"], index["seconds"]),
                target="information (vs the admin index)",
                details={"url": url, **page, "index": index},
            )
        )
    return figures
