"""The community health dashboard (/admin/dashboard/): each figure agrees with a small known dataset,
the page costs a fixed number of queries whatever the data, and each role sees its blocks."""

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.dashboard.selectors import (
    delivery_figures,
    moderation_figures,
    participation_figures,
    period_for,
    privacy_figures,
    welcome_figures,
)
from content.delivery.models import Delivery, EmailOptOut
from members.models import ActiveDay, Member
from moderation.models import Appeal, Complaint, ComplaintMessage, ModerationAction, Report, ReviewItem
from privacy.models import DataRequest, DeletionRequest, RetentionCategory, RetentionRun
from tests.factories import CommentFactory, MemberFactory, PostFactory, SpaceFactory
from tests.moderation.translations import pending_zh  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def utc():
    with timezone.override(UTC):
        yield


@pytest.fixture
def period(utc):
    return period_for(days=7, now=NOW)


# --- participation and welcome --------------------------------------------------------------------


@pytest.fixture
def community(db):
    """a joined long ago, b two days ago, c yesterday, d today. First posts: a's 40 days ago (outside
    the period), b's two days ago answered by a after 2 hours, c's a day ago answered only by c, d's two
    hours ago answered by a after 30 minutes."""
    space = SpaceFactory()
    people = {}
    for name, joined in (
        ("a", NOW - timedelta(days=40)),
        ("b", NOW - timedelta(days=2)),
        ("c", NOW - timedelta(days=1)),
        ("d", NOW - timedelta(hours=3)),
    ):
        with at(joined):
            people[name] = MemberFactory(email=f"{name}@example.org")
    a, b, c, d = (people[n] for n in "abcd")

    def post(author, when):
        with at(when):
            return PostFactory(space=space, author=author)

    def comment(on, author, when):
        with at(when):
            return CommentFactory(post=on, author=author)

    post(a, NOW - timedelta(days=40))
    post(a, NOW - timedelta(days=3))
    b_first = post(b, NOW - timedelta(days=2))
    comment(b_first, a, NOW - timedelta(days=2) + timedelta(hours=2))
    c_first = post(c, NOW - timedelta(days=1))
    comment(c_first, c, NOW - timedelta(hours=20))
    d_first = post(d, NOW - timedelta(hours=2))
    comment(d_first, a, NOW - timedelta(hours=1, minutes=30))
    ActiveDay.objects.bulk_create(
        [
            ActiveDay(member=a, day=TODAY),
            ActiveDay(member=a, day=TODAY - timedelta(days=3)),
            ActiveDay(member=a, day=TODAY - timedelta(days=10)),
            ActiveDay(member=b, day=TODAY),
            ActiveDay(member=c, day=TODAY - timedelta(days=20)),
        ]
    )
    return people


def test_participation_counts_active_members_new_members_posts_and_comments(community, period):
    with at(NOW):
        figures = participation_figures(period=period)
    assert (figures["dau"], figures["wau"], figures["mau"]) == (2, 2, 3)
    assert figures["active_per_day"] == [0, 0, 0, 1, 0, 0, 2]  # Nov 24 … Nov 30
    assert figures["new_members_per_day"] == [0, 0, 0, 0, 1, 1, 1]
    assert figures["posts_per_day"] == [0, 0, 0, 1, 1, 1, 1]
    assert figures["comments_per_day"] == [0, 0, 0, 0, 1, 1, 1]
    assert figures["members"] == Member.objects.filter(is_active=True).count() == 4
    assert figures["members_who_wrote"] == 4
    assert figures["share_who_wrote"] == 1.0


def test_welcome_measures_answers_to_first_posts_by_someone_else(community, period):
    with at(NOW):
        figures = welcome_figures(period=period)
    assert figures["first_posts"] == 3  # b, c and d; a's first post is older than the period
    assert figures["ripe"] == 2  # d's post is two hours old: not counted in the share yet
    assert figures["answered_in_time"] == 1  # b; c answered only themselves
    assert figures["share_answered_in_time"] == 0.5
    assert figures["answered"] == 2  # b and d
    assert figures["median_first_reply_seconds"] == (2 * 3600 + 30 * 60) / 2


# --- moderation -----------------------------------------------------------------------------------


def review_item(object_id, *, status, created, due, triage, decided=None):
    return ReviewItem.objects.create(
        kind="post",
        object_id=object_id,
        reason="spam",
        status=status,
        created_at=created,
        due_at=due,
        triage_due_at=triage,
        decided_at=decided,
        decision="hide" if decided else "",
    )


def test_moderation_shows_the_queue_decision_time_reasons_and_appeals(period, moderator, member):
    future, past = NOW + timedelta(days=3), NOW - timedelta(hours=1)
    first = review_item(1, status="open", created=NOW - timedelta(days=2), due=future, triage=past)
    review_item(2, status="claimed", created=NOW - timedelta(days=20), due=past, triage=past)
    review_item(
        3,
        status="decided",
        created=NOW - timedelta(days=3),
        due=future,
        triage=future,
        decided=NOW - timedelta(days=2),
    )
    review_item(
        4,
        status="decided",
        created=NOW - timedelta(days=5),
        due=future,
        triage=future,
        decided=NOW - timedelta(days=5) + timedelta(hours=2),
    )
    review_item(
        5,
        status="decided",
        created=NOW - timedelta(days=21),
        due=future,
        triage=future,
        decided=NOW - timedelta(days=20),
    )
    for number, (reason, when) in enumerate(
        [("spam", 1), ("spam", 2), ("spam", 3), ("harassment", 1), ("spam", 20)]
    ):
        with at(NOW - timedelta(days=when)):
            Report.objects.create(
                reporter=MemberFactory(),
                kind="post",
                object_id=100 + number,
                review_item=first,
                reason=reason,
            )
    actions = [
        ModerationAction.objects.create(
            moderator=moderator, action="hide", kind="post", object_id=n, reason="Ads.", rule="R4"
        )
        for n in range(3)
    ]
    Appeal.objects.create(
        action=actions[0],
        appellant=member,
        statement="x",
        created_at=NOW - timedelta(days=3),
        status="upheld",
        decided_at=NOW - timedelta(days=1),
    )
    Appeal.objects.create(
        action=actions[1],
        appellant=member,
        statement="x",
        created_at=NOW - timedelta(days=2),
        status="rejected",
        decided_at=NOW - timedelta(days=1),
    )
    Appeal.objects.create(
        action=actions[2], appellant=member, statement="x", created_at=NOW - timedelta(days=1)
    )

    # complaints: one open and overdue, one open on time, one answered 5 hours after it came (in the
    # period), one answered 3 hours after it came 20 days ago (outside)
    def complaint(number, *, created, due, status="open", answered_after=None):
        made = Complaint.objects.create(
            reference=f"C-2026-{number:06d}",
            author=member,
            topic="service",
            subject="x",
            status=status,
            created_at=created,
            due_at=due,
        )
        ComplaintMessage.objects.create(complaint=made, author=member, body="x", created_at=created)
        if answered_after:
            ComplaintMessage.objects.create(
                complaint=made,
                author=moderator,
                from_staff=True,
                body="y",
                created_at=created + answered_after,
            )
            ComplaintMessage.objects.create(
                complaint=made,
                author=moderator,
                from_staff=True,
                body="z",
                created_at=created + 2 * answered_after,
            )

    complaint(1, created=NOW - timedelta(days=20), due=NOW - timedelta(days=1))
    complaint(2, created=NOW - timedelta(days=1), due=future)
    complaint(
        3, created=NOW - timedelta(days=2), due=future, status="answered", answered_after=timedelta(hours=5)
    )
    complaint(
        4, created=NOW - timedelta(days=20), due=future, status="answered", answered_after=timedelta(hours=3)
    )

    with at(NOW):
        figures = moderation_figures(period=period)

    assert (figures["open"], figures["overdue"], figures["triage_overdue"]) == (2, 1, 1)
    assert figures["decided"] == 2
    assert figures["median_decision_seconds"] == (86400 + 7200) / 2
    assert figures["reports_by_reason"] == [["spam", 3], ["harassment", 1]]
    assert figures["reports"] == 4
    assert (figures["appeals_filed"], figures["appeals_open"], figures["appeals_decided"]) == (3, 1, 2)
    assert (figures["appeals_upheld"], figures["reversal_rate"]) == (1, 0.5)
    assert (figures["complaints_open"], figures["complaints_overdue"], figures["complaints_received"]) == (
        2,
        1,
        2,
    )
    assert figures["median_complaint_answer_seconds"] == 5 * 3600  # the first answer, not the second


# --- delivery -------------------------------------------------------------------------------------


def delivery(number, *, status, source_kind="post.published", sent=None, due=NOW, reason="", recipient=None):
    return Delivery.objects.create(
        source_kind=source_kind,
        source_id=number,
        recipient=recipient or MemberFactory(),
        channel="email",
        category="posts",
        status=status,
        sent_at=sent,
        due_at=due,
        reason=reason,
    )


def test_delivery_counts_emails_by_fate_cancellations_by_reason_and_unsubscribes(period):
    busy = MemberFactory()
    delivery(1, status="sent", sent=NOW - timedelta(hours=1), recipient=busy)
    delivery(2, status="sent", sent=NOW - timedelta(hours=2), recipient=busy)
    delivery(3, status="sent", source_kind="digest", sent=NOW - timedelta(days=1))
    delivery(4, status="rolled_over", due=NOW - timedelta(days=1))
    delivery(5, status="cancelled", due=NOW - timedelta(days=2), reason="daily cap")
    delivery(6, status="cancelled", due=NOW - timedelta(days=2), reason="unsubscribed")
    delivery(7, status="sent", sent=NOW - timedelta(days=20))
    delivery(8, status="pending", due=NOW)
    with at(NOW - timedelta(days=1)):
        EmailOptOut.objects.create(member=MemberFactory(), category="posts")
    with at(NOW - timedelta(days=30)):
        EmailOptOut.objects.create(member=MemberFactory(), category="promotional")

    with at(NOW):
        figures = delivery_figures(period=period)

    assert figures["per_day"] == {
        "instant": [0, 0, 0, 0, 0, 0, 2],
        "digest": [0, 0, 0, 0, 0, 1, 0],
        "rolled_over": [0, 0, 0, 0, 0, 1, 0],
        "cancelled": [0, 0, 0, 0, 2, 0, 0],
    }
    assert (figures["sent"], figures["sent_instant"], figures["sent_digest"]) == (3, 2, 1)
    assert (figures["rolled_over"], figures["cancelled"]) == (1, 2)
    assert figures["cancelled_by_reason"] == [["daily cap", 1], ["unsubscribed", 1]]
    # posts: 1 unsubscribe, 3 emails of that kind sent (the helper's digest is filed under posts too)
    assert figures["unsubscribes_by_category"] == [["posts", 1, 3, pytest.approx(1000 / 3)]]
    assert figures["unsubscribes_per_thousand"] == pytest.approx(1000 / 3)
    assert figures["sent_promotional"] == 0
    # one member got 2 emails today, another 1 digest yesterday
    assert figures["per_member_day"] == {"median": 1.5, "p95": pytest.approx(1.95), "most": 2.0}


# --- privacy --------------------------------------------------------------------------------------


def test_privacy_shows_the_request_desk_deletions_and_retention_runs(period, member):
    DataRequest.objects.create(
        member=member,
        kind="correction",
        details="x",
        created_at=NOW - timedelta(days=20),
        due_at=NOW - timedelta(days=1),
    )
    DataRequest.objects.create(
        member=member,
        kind="explanation",
        details="x",
        created_at=NOW - timedelta(days=2),
        due_at=NOW + timedelta(days=10),
    )
    DataRequest.objects.create(
        member=member,
        kind="complaint",
        details="x",
        created_at=NOW - timedelta(days=30),
        due_at=NOW - timedelta(days=9),
        status="done",
        decided_at=NOW - timedelta(days=10),
    )
    DeletionRequest.objects.create(
        member_ref=901, requested_at=NOW - timedelta(days=1), due_at=NOW + timedelta(days=6)
    )
    DeletionRequest.objects.create(
        member_ref=902, requested_at=NOW - timedelta(days=8), due_at=NOW - timedelta(days=1)
    )
    categories = list(RetentionCategory.objects.order_by("key")[:2])
    RetentionRun.objects.create(
        category=categories[0],
        action="delete",
        cutoff=NOW,
        rows_affected=5,
        rows_held=1,
        started_at=NOW - timedelta(days=2),
        finished_at=NOW - timedelta(days=2),
    )
    RetentionRun.objects.create(
        category=categories[1], action="delete", cutoff=NOW, started_at=NOW - timedelta(hours=3)
    )
    RetentionRun.objects.create(
        category=categories[1],
        action="delete",
        cutoff=NOW,
        rows_affected=7,
        started_at=NOW - timedelta(days=9),
        finished_at=NOW - timedelta(days=9),
    )

    with at(NOW):
        figures = privacy_figures(period=period)

    assert (figures["requests_open"], figures["requests_overdue"], figures["requests_received"]) == (2, 1, 1)
    assert figures["median_request_answer_seconds"] is None  # the only answer came before the period
    assert (figures["deletions_in_grace"], figures["deletions_waiting"]) == (1, 1)
    assert (figures["retention_runs"], figures["retention_stalled"]) == (2, 1)
    assert figures["retention_idle"] == RetentionCategory.objects.count() - 2
    rows = {row["key"]: row for row in figures["retention"]}
    assert (rows[categories[0].key]["rows_affected"], rows[categories[0].key]["rows_held"]) == (5, 1)
    assert rows[categories[1].key]["rows_affected"] == 0  # the older run is outside the 7 days
    assert rows[categories[1].key]["last_run"] == (NOW - timedelta(hours=3)).isoformat()


# --- the page -------------------------------------------------------------------------------------


@pytest.fixture
def uncached(monkeypatch):
    """The figures are cached for five minutes: count a reader who finds none."""
    monkeypatch.setattr("community.dashboard.selectors.CACHE_SECONDS", 0)


def dashboard_queries(client, url="/admin/dashboard/") -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.usefixtures("uncached")
def test_the_dashboard_costs_the_same_queries_for_one_post_or_two_hundred(client, operator):
    client.force_login(operator)
    space = SpaceFactory()
    PostFactory(space=space)
    # 1 the operator; 21 figures: participation 6 (active per day, DAU/WAU/MAU, new members, posts,
    # comments, share who wrote), welcome 1 (counts and median together), moderation 6 (queue, median
    # decision, reasons, appeals, complaints, median first answer), delivery 4 (fates by day and kind,
    # cancellations, unsubscribes, emails per member per day), privacy 4 (requests, median answer,
    # deletions, retention); 1 inbox unread count (the admin header's context); 1 the active goals
    # (the goals block, operators only)
    one = dashboard_queries(client)
    authors = MemberFactory.create_batch(20)
    for number in range(199):
        post = PostFactory(space=space, author=authors[number % 20])
        if number % 4 == 0:
            CommentFactory(post=post, author=authors[(number + 1) % 20])
    assert dashboard_queries(client) == one == 24


def test_a_second_reader_within_five_minutes_costs_no_figure_query(client, operator):
    client.force_login(operator)
    client.get("/admin/dashboard/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/dashboard/").status_code == 200
    assert len(queries) == 2  # the operator and the inbox count


@pytest.mark.usefixtures("uncached")
def test_a_moderator_sees_only_the_moderation_block(as_who):
    client = as_who("staff_moderator")
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/admin/dashboard/").content.decode()
    assert 'id="moderation"' in html
    for block in ("participation", "welcome", "delivery", "privacy"):
        assert f'id="{block}"' not in html
    # the moderator; their roles; 6 moderation figures; their own and their groups' permissions (the
    # admin's menu); the inbox count
    assert len(queries) == 11


@pytest.mark.parametrize("who", ["operator", "group_operator", "privacy_officer"])
def test_operators_and_privacy_officers_see_every_block(as_who, who):
    html = as_who(who).get("/admin/dashboard/").content.decode()
    for block in ("participation", "welcome", "moderation", "delivery", "privacy"):
        assert f'id="{block}"' in html


@pytest.mark.parametrize(
    ("asked", "shown"), [("7", 7), ("30", 30), ("90", 90), ("", 30), ("365", 30), ("x", 30)]
)
def test_the_period_is_7_30_or_90_days(as_who, asked, shown):
    html = as_who("operator").get("/admin/dashboard/", {"days": asked}).content.decode()
    assert f'<a href="?days={shown}" class="current" aria-current="page">' in html
    data = json.loads(
        re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html).group(1)
    )
    active = next(chart for chart in data["charts"] if chart["id"] == "active")
    assert len(active["labels"]) == shown


def test_the_page_carries_its_data_as_json_and_no_inline_script(as_who):
    html = as_who("operator").get("/admin/dashboard/").content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert "/static/vendor/chart-4.6.1.umd.min" in html and "/static/js/dashboard" in html
    assert "cdn" not in html.lower()
    assert ' style="' not in html.split('id="content-main"')[1]
    # every chart has its numbers in a table beside it
    assert html.count("<canvas") == html.count('class="health-table"') >= 4


def test_the_admin_index_links_to_the_dashboard(as_who):
    assert 'href="/admin/dashboard/"' in as_who("privacy_officer").get("/admin/").content.decode()


@pytest.mark.usefixtures("pending_zh")
def test_the_admin_and_the_dashboard_speak_chinese_to_a_chinese_operator(client, operator):
    Member.objects.filter(pk=operator.pk).update(language="zh-hans")
    client.force_login(operator)
    index = client.get("/admin/").content.decode()
    assert "运营社区" in index  # the admin index title, ours (community/apps.py)
    assert "社区健康" in index
    html = client.get("/admin/dashboard/").content.decode()
    assert "<h1>社区健康</h1>" in html
    for words in ("参与", "欢迎", "审核", "邮件", "隐私", "最近 7 天"):
        assert words in html, words
