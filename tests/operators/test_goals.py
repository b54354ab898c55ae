"""Community goals (issue 10): each figure a goal aims at agrees with a known dataset (the dashboard's
own, tests/operators/test_dashboard.py), this period and the one before (the trend); met or not in the
goal's direction; the admin for operators only, with clear errors; the dashboard's goals block and
the public /how-we-are-doing/ page, off until a goal is published, at a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from community.dashboard.demo import seed_demo_goals
from community.goals import METRICS, Direction, value_format
from community.goals_progress import (
    BETTER,
    MET,
    NO_DATA,
    NOT_MET,
    SAME,
    WORSE,
    goals_active,
    goals_changed,
    goals_progress,
    goals_public_page_exists,
)
from community.models import Goal
from content.delivery.models import Delivery, EmailOptOut
from members.models import ActiveDay
from moderation.models import Complaint, ComplaintMessage
from tests.factories import MemberFactory
from tests.operators.test_dashboard import NOW, TODAY, at, community, review_item, utc  # noqa: F401

pytestmark = pytest.mark.django_db

FUTURE = NOW + timedelta(days=30)


def goal(metric: str, target="1", *, days=7, **fields) -> Goal:
    fields.setdefault("direction", METRICS[metric].direction)
    return Goal.objects.create(metric=metric, target=Decimal(target), period_days=days, **fields)


def progress_of(*metrics: str, days: int = 7, history: int = 2, **fields) -> dict:
    goals = [goal(metric, days=days, **fields) for metric in metrics]
    with at(NOW):
        found = goals_progress(goals=goals, history=history, now=NOW)
    return {p.goal.metric: p for p in found}


# --- each figure against the known dataset ----------------------------------------------------------


@pytest.mark.usefixtures("community", "utc")
def test_participation_and_welcome_goals_read_the_dashboards_figures_now_and_the_week_before():
    # the dataset: tests/operators/test_dashboard.py `community` (a long-time member and three who
    # joined in the last two days; first posts answered within 2 h, by oneself only, and within 30 min)
    found = progress_of(
        "first_posts_answered",
        "first_reply_time",
        "daily_active",
        "weekly_active",
        "monthly_active",
        "new_members",
        "posts_per_day",
    )
    actual = {code: p.actual for code, p in found.items()}
    assert actual == {
        "first_posts_answered": 50.0,  # b's answered in 2 h; c answered only themselves; d's too young
        "first_reply_time": pytest.approx(1.25),  # the median of 2 h and 30 min, in hours
        "daily_active": pytest.approx(3 / 7),  # active per day [0, 0, 0, 1, 0, 0, 2]
        "weekly_active": 2,
        "monthly_active": 3,
        "new_members": 3,
        "posts_per_day": pytest.approx(4 / 7),
    }
    # the 7 days before (Nov 17–23): only a, active on Nov 20; c on Nov 10 counts for the month
    previous = {code: p.previous for code, p in found.items()}
    assert previous == {
        "first_posts_answered": None,
        "first_reply_time": None,
        "daily_active": pytest.approx(1 / 7),
        "weekly_active": 1,
        "monthly_active": 2,
        "new_members": 0,
        "posts_per_day": 0.0,
    }
    assert found["weekly_active"].trend == found["new_members"].trend == BETTER
    assert found["first_posts_answered"].trend is None
    assert "Nothing to compare" in found["first_posts_answered"].trend_text


def complaint(number, *, author, staff, created, due, status="open", answered_after=None):
    made = Complaint.objects.create(
        reference=f"C-2026-{number:06d}",
        author=author,
        topic="service",
        subject="x",
        status=status,
        created_at=created,
        due_at=due,
    )
    ComplaintMessage.objects.create(complaint=made, author=author, body="x", created_at=created)
    if answered_after:
        ComplaintMessage.objects.create(
            complaint=made, author=staff, from_staff=True, body="y", created_at=created + answered_after
        )
    return made


@pytest.fixture
def moderation_history(member, moderator):
    """This week (Nov 24–30, up to noon on the 30th) and the week before (Nov 17–23, over at midnight
    on the 24th)."""
    day, hour = timedelta(days=1), timedelta(hours=1)

    def item(number, *, created, due=FUTURE, decided=None):
        status = "decided" if decided else "open"
        return review_item(number, status=status, created=created, due=due, triage=FUTURE, decided=decided)

    # decided this week after 4 h, 24 h, 7 days and 16 days (median 96 h); the week before after 24 h
    item(1, created=NOW - 2 * day, decided=NOW - 2 * day + 4 * hour)
    item(2, created=NOW - 3 * day, decided=NOW - 2 * day)
    item(3, created=NOW - 10 * day, decided=NOW - 9 * day)
    item(5, created=NOW - 12 * day, due=NOW - 11 * day, decided=NOW - 5 * day)
    item(6, created=NOW - 20 * day, due=NOW - 18 * day, decided=NOW - 4 * day)
    # past due now: 4 and 7; at the end of the week before: 5, 6 (decided since) and 7
    item(4, created=NOW - day, due=NOW - hour)
    item(7, created=NOW - 15 * day, due=NOW - 14 * day)

    def complaint_(number, created, **fields):
        return complaint(number, author=member, staff=moderator, created=created, **fields)

    # answered this week after 1 and 3 days (median 2); the week before after 1 day
    complaint_(1, NOW - 2 * day, due=FUTURE, status="answered", answered_after=day)
    complaint_(2, NOW - 4 * day - 12 * hour, due=FUTURE, status="answered", answered_after=3 * day)
    complaint_(3, NOW - 10 * day, due=FUTURE, status="answered", answered_after=day)
    # past the answer date: 4 now and at the end of the week before; 5 then (answered since)
    complaint_(4, NOW - 20 * day, due=NOW - 15 * day)
    complaint_(5, NOW - 14 * day, due=NOW - 8 * day, status="answered", answered_after=9 * day)


@pytest.mark.usefixtures("moderation_history", "utc")
def test_moderation_goals_read_the_queue_and_the_complaints_desk_as_they_stood_at_each_periods_end():
    found = progress_of(
        "decision_time", "overdue_review_items", "complaint_answer_time", "complaints_overdue"
    )
    assert found["decision_time"].history == [pytest.approx(24.0), pytest.approx(96.0)]
    assert found["overdue_review_items"].history == [3, 2]
    assert found["complaint_answer_time"].history == [pytest.approx(1.0), pytest.approx(2.0)]
    assert found["complaints_overdue"].history == [2, 1]
    # at most: fewer overdue items are better, longer waits worse
    assert found["decision_time"].trend == WORSE
    assert found["overdue_review_items"].trend == found["complaints_overdue"].trend == BETTER
    assert found["complaint_answer_time"].trend == WORSE
    assert found["complaint_answer_time"].trend_text == "Worse than the previous 7 days"


def email(number, recipient, *, sent, category="posts"):
    return Delivery.objects.create(
        source_kind="post.published",
        source_id=number,
        recipient=recipient,
        channel="email",
        category=category,
        status="sent",
        sent_at=sent,
        due_at=sent,
    )


@pytest.fixture
def email_history():
    busy, quiet, leaver = MemberFactory.create_batch(3)
    # this week: busy gets 3 on the 30th (one promotional) and 1 on the 29th, quiet 1 on the 29th
    for number, hours in enumerate([1, 2, 3]):
        email(
            number,
            busy,
            sent=NOW - timedelta(hours=hours),
            category="promotional" if number == 0 else "posts",
        )
    email(10, busy, sent=NOW - timedelta(days=1))
    email(11, quiet, sent=NOW - timedelta(days=1))
    with at(NOW - timedelta(days=2)):
        EmailOptOut.objects.create(member=leaver, category="posts")
    # the week before: one email, no unsubscribe
    email(20, busy, sent=NOW - timedelta(days=10))


@pytest.mark.usefixtures("email_history", "utc")
def test_email_goals_read_emails_per_member_per_day_unsubscribes_and_the_promotional_share():
    found = progress_of("emails_p95", "emails_max", "unsubscribes_per_thousand", "promotional_share")
    # member-days this week: 3, 1, 1; the 95th percentile lies between the 1 and the 3
    assert found["emails_p95"].history == [1.0, pytest.approx(2.8)]
    assert found["emails_max"].history == [1.0, 3.0]
    assert found["unsubscribes_per_thousand"].history == [0.0, pytest.approx(200.0)]  # 1 of 5 emails
    assert found["promotional_share"].history == [0.0, pytest.approx(20.0)]
    assert {p.trend for p in found.values()} == {WORSE}


def test_every_metric_names_a_figure_its_dashboard_section_computes():
    # each reader runs on the empty figures of its section without a KeyError
    from community.dashboard.selectors import dashboard_figures

    sections = {metric.section for metric in METRICS.values()}
    figures = dashboard_figures(sections=sections, days=30)
    for metric in METRICS.values():
        metric.read(figures[metric.section], 30)
    assert len(METRICS) >= 15


# --- met or not, and the trend's words -------------------------------------------------------------


@pytest.mark.usefixtures("community", "utc")
@pytest.mark.parametrize(
    ("metric", "direction", "target", "state"),
    [
        ("weekly_active", Direction.AT_LEAST, "2", MET),  # 2 active, at least 2
        ("weekly_active", Direction.AT_LEAST, "3", NOT_MET),
        ("first_reply_time", Direction.AT_MOST, "1.25", MET),  # 1.25 h, at most 1.25 h
        ("first_reply_time", Direction.AT_MOST, "1", NOT_MET),
        ("weekly_active", Direction.AT_MOST, "1", NOT_MET),  # a goal may turn the usual way round
    ],
)
def test_a_goal_is_met_when_the_actual_value_is_on_the_right_side_of_its_target(
    metric, direction, target, state
):
    found = progress_of(metric, target=target, direction=direction)[metric]
    assert found.state == state
    assert found.met is (state == MET)


@pytest.mark.usefixtures("utc")
def test_a_goal_without_figures_is_neither_met_nor_missed():
    found = progress_of("first_reply_time")["first_reply_time"]
    assert (found.actual, found.state, found.met, found.trend) == (None, NO_DATA, None, None)
    assert found.actual_text == "—" and found.state_text == "No figures yet"


@pytest.mark.usefixtures("community", "utc")
def test_the_trend_follows_the_goals_direction_and_says_so_in_words():
    at_least = progress_of("weekly_active")["weekly_active"]
    turned = progress_of("weekly_active", direction=Direction.AT_MOST)["weekly_active"]
    assert (at_least.trend, turned.trend) == (BETTER, WORSE)
    assert at_least.trend_text == "Better than the previous 7 days"
    same = progress_of("posts_per_day", days=90, history=4)["posts_per_day"]
    assert same.history == [0.0, 0.0, 0.0, pytest.approx(5 / 90)]  # a year back, oldest first
    assert progress_of("monthly_active", days=90)["monthly_active"].previous == 0
    flat = progress_of("emails_max")["emails_max"]
    assert flat.trend is None  # no email either week


def test_values_are_written_in_their_unit():
    assert value_format(80, "percent") == "80%"
    assert value_format(Decimal("24.00"), "hours") == "24 hours"
    assert value_format(2.5, "days") == "2.5 days"
    assert value_format(1.5, "per_thousand") == "1.5 per 1,000 emails"
    assert value_format(3 / 7, "count") == "0.4"
    assert value_format(1200, "count") == "1,200"
    assert value_format(None, "count") == "—"


@pytest.mark.usefixtures("utc")
def test_the_same_figure_twice_is_called_the_same():
    goals = [goal("weekly_active", days=7)]
    ActiveDay.objects.create(member=MemberFactory(), day=TODAY - timedelta(days=8))
    ActiveDay.objects.create(member=MemberFactory(), day=TODAY)
    with at(NOW):
        (found,) = goals_progress(goals=goals, now=NOW)
    assert (found.actual, found.previous, found.trend) == (1, 1, SAME)
    assert found.trend_text == "The same as the previous 7 days"


# --- the admin ----------------------------------------------------------------------------------------

VALID = {
    "metric": "first_posts_answered",
    "direction": "",
    "target": "80",
    "period_days": "30",
    "title": "",
    "position": "0",
    "active": "on",
}


@pytest.mark.parametrize("who", ["operator", "group_operator"])
def test_operators_add_and_change_goals_in_the_admin(as_who, who):
    client = as_who(who)
    assert client.get("/admin/community/goal/").status_code == 200
    assert client.get("/admin/community/goal/add/").status_code == 200
    response = client.post("/admin/community/goal/add/", VALID)
    assert response.status_code == 302, response.context["adminform"].form.errors
    made = Goal.objects.get()
    assert made.direction == Direction.AT_LEAST  # the figure's usual way, as it was left empty
    assert (made.target, made.period_days, made.published) == (Decimal("80"), 30, False)
    response = client.post(
        f"/admin/community/goal/{made.pk}/change/", {**VALID, "target": "75", "published": "on"}
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.target, made.published) == (Decimal("75"), True)
    assert goals_public_page_exists()  # the footer's link shows from now on


@pytest.mark.parametrize("who", ["staff_moderator", "privacy_officer"])
def test_moderators_and_privacy_officers_cannot_see_or_change_goals(as_who, who):
    made = goal("weekly_active")
    client = as_who(who)
    assert client.get("/admin/community/goal/").status_code == 403
    assert client.get("/admin/community/goal/add/").status_code == 403
    assert client.get(f"/admin/community/goal/{made.pk}/change/").status_code == 403
    assert client.post("/admin/community/goal/add/", VALID).status_code == 403
    assert Goal.objects.count() == 1


@pytest.mark.parametrize("who", ["member", "moderator", "anonymous"])
def test_members_and_visitors_are_sent_to_the_admins_sign_in(as_who, who):
    response = as_who(who).post("/admin/community/goal/add/", VALID)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("target", "-1", "Ensure this value is greater than or equal to 0."),
        ("target", "120", "A percentage goes from 0 to 100."),
        ("target", "lots", "Enter a number."),
        ("period_days", "12", "Select a valid choice. 12 is not one of the available choices."),
        ("metric", "karma", "Select a valid choice. karma is not one of the available choices."),
    ],
)
def test_bad_input_in_the_admin_gets_a_clear_error_beside_its_field(client, operator, field, value, error):
    client.force_login(operator)
    response = client.post("/admin/community/goal/add/", {**VALID, field: value})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [error]
    assert error in response.content.decode()
    assert not Goal.objects.exists()


def test_a_hundred_percent_and_zero_are_fine_targets(client, operator):
    client.force_login(operator)
    assert client.post("/admin/community/goal/add/", {**VALID, "target": "100"}).status_code == 302
    response = client.post(
        "/admin/community/goal/add/", {**VALID, "metric": "complaints_overdue", "target": "0"}
    )
    assert response.status_code == 302
    assert Goal.objects.get(metric="complaints_overdue").direction == Direction.AT_MOST


def test_the_add_form_explains_each_figure_and_its_unit(client, operator):
    client.force_login(operator)
    html = client.get("/admin/community/goal/add/").content.decode()
    for metric in METRICS.values():
        assert str(metric.label).replace("'", "&#x27;") in html
    assert "Target: a percentage, 0 to 100; usually at least." in html
    assert "Target: hours; usually at most." in html


def forget_figures(client, member=None):
    """Empty the cache (goals and figures) to count a cold reader again; sessions live in the cache
    too, so sign the client in again."""
    cache.clear()
    if member is not None:
        client.force_login(member)


def changelist_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/community/goal/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.usefixtures("utc")
def test_the_goal_list_shows_each_goals_figure_at_the_same_queries_for_one_goal_or_thirty(client, operator):
    client.force_login(operator)
    goal("weekly_active", "1", days=30)
    ActiveDay.objects.create(member=operator, day=TODAY)
    with at(NOW):
        one, html = changelist_queries(client)
        assert "✓</span> Goal met" in html
        # the operator; COUNT for the paginator; the date hierarchy's first and last day and its
        # distinct dates; the page of goals; the participation figures of this 30 days and the 30
        # before (6 + 6); the inbox count
        assert one == 18
        for number in range(29):
            goal("monthly_active" if number % 2 else "new_members", str(number), days=30)
        forget_figures(client, operator)
        assert changelist_queries(client)[0] == one


# --- the dashboard's goals block -----------------------------------------------------------------------


def dashboard(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/dashboard/?days=30")
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.usefixtures("community", "utc")
def test_operators_see_each_goal_on_top_of_the_dashboard_in_words(client, operator):
    goal("weekly_active", "3", title="Three regulars a week")
    goal("first_reply_time", "2", published=True)
    client.force_login(operator)
    with at(NOW):
        html = dashboard(client)[1]
    block = html.split('id="goals"')[1].split('id="participation"')[0]
    assert "Three regulars a week" in block
    assert "Not met yet" in block and "Goal met" in block
    assert "at least 3" in block and "at most 2 hours" in block
    assert '<span class="goal-arrow" aria-hidden="true">↑</span> Better than the previous 7 days (1)' in block
    assert 'href="/admin/community/goal/add/"' in block
    for made in Goal.objects.all():
        assert f'href="/admin/community/goal/{made.pk}/change/"' in block
    assert 'href="/how-we-are-doing/"' in block  # one is published
    assert html.index('id="goals"') < html.index('id="participation"')


@pytest.mark.parametrize("who", ["staff_moderator", "privacy_officer"])
def test_other_staff_see_no_goals_block(as_who, who):
    goal("weekly_active")
    html = as_who(who).get("/admin/dashboard/").content.decode()
    assert 'id="goals"' not in html


@pytest.mark.usefixtures("utc")
def test_the_dashboard_costs_the_same_queries_for_one_goal_or_fifteen(client, operator):
    client.force_login(operator)
    goal("weekly_active", days=30)
    with at(NOW):
        one = dashboard(client)[0]
        # the operator; the active goals; the dashboard's 21 figure queries (its 30 days, shared with
        # the goal's current period); participation for the three 30-day periods before (3 × 6); the
        # inbox count
        assert one == 1 + 1 + 21 + 18 + 1
        for metric in ("daily_active", "monthly_active", "new_members", "posts_per_day"):
            for target in range(3):
                goal(metric, str(target), days=30)
        forget_figures(client, operator)
        many, html = dashboard(client)
    assert html.count('class="goal ') == 13
    assert many == one


def test_a_second_look_at_the_dashboard_reads_goals_and_figures_from_the_cache(client, operator):
    goal("weekly_active")
    client.force_login(operator)
    dashboard(client)
    assert dashboard(client)[0] == 2  # the operator and the inbox count


# --- the public page -------------------------------------------------------------------------------


def test_the_public_page_does_not_exist_while_no_goal_is_published(client):
    assert client.get("/how-we-are-doing/").status_code == 404
    goal("weekly_active")
    goal("new_members", published=True, active=False)
    goals_changed()
    assert client.get("/how-we-are-doing/").status_code == 404
    assert not goals_public_page_exists()


@pytest.mark.usefixtures("community", "utc")
def test_anyone_reads_the_published_goals_and_nothing_else(client, member):
    goal("weekly_active", "2", published=True, title="Regulars every week")
    goal("overdue_review_items", "0")  # not published: a staff figure stays staff
    goal("first_posts_answered", "80", published=True)
    goals_changed()
    with at(NOW):
        html = client.get("/how-we-are-doing/").content.decode()
    assert "Regulars every week" in html
    assert "New members&#x27; first posts answered within 24 hours" in html
    assert "Overdue review items" not in html
    assert "at least 80%" in html and "50%" in html and "Not met yet" in html
    assert "Members who used the site in the last 7 days of the period." in html
    assert "the last 7 days, Nov. 24, 2026 to Nov. 30, 2026" in html
    assert "Counted by the site itself on" in html
    assert ' style="' not in html and "<script>" not in html
    client.force_login(member)
    assert client.get("/how-we-are-doing/").status_code == 200


def public_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/how-we-are-doing/").status_code == 200
    return len(queries)


@pytest.mark.usefixtures("utc")
def test_the_public_page_costs_the_same_queries_for_one_goal_or_ten(client):
    goal("first_posts_answered", published=True)
    with at(NOW):
        # the active goals; the welcome figures of this week and the week before (1 + 1)
        assert public_queries(client) == 3
        assert public_queries(client) == 0  # a second visitor: all from the cache
        for number in range(9):
            goal("first_reply_time" if number % 2 else "first_posts_answered", str(number), published=True)
        forget_figures(client)
        assert public_queries(client) == 3


def test_the_footer_link_flag_follows_the_published_goals(client, operator):
    assert not goals_public_page_exists()
    made = goal("weekly_active", published=True)
    goals_changed()
    assert goals_public_page_exists()
    client.force_login(operator)
    client.post(
        "/admin/community/goal/", {"action": "delete_selected", "_selected_action": [made.pk], "post": "yes"}
    )
    assert not Goal.objects.exists()
    assert not goals_public_page_exists()


def test_the_goal_rows_are_read_once_and_kept(django_assert_num_queries):
    goal("weekly_active")
    with django_assert_num_queries(1):
        assert len(goals_active()) == len(goals_active()) == 1


def test_the_footer_link_shows_only_while_a_goal_is_published_and_costs_no_query(django_assert_num_queries):
    page = Template("{% load goals_tags %}<p>{% goals_footer_link %}</p>")
    with django_assert_num_queries(0):
        assert page.render(Context()) == "<p></p>"
    goal("weekly_active", published=True)
    goals_changed()
    with django_assert_num_queries(0):
        assert page.render(Context()) == '<p> · <a href="/how-we-are-doing/">How we are doing</a></p>'


def test_the_demo_sets_four_goals_once_two_of_them_published():
    assert seed_demo_goals() == 4
    assert seed_demo_goals() == 0
    assert Goal.objects.count() == 4
    assert [g.metric for g in Goal.objects.filter(published=True)] == [
        "first_posts_answered",
        "complaint_answer_time",
    ]
    assert goals_public_page_exists()
