from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from privacy.models import Breach

pytestmark = [pytest.mark.django_db, pytest.mark.legal("L25")]

DISCOVERED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def breach(**kwargs) -> Breach:
    values = {"title": "Leaked backup", "discovered_at": DISCOVERED, "significant": False}
    values.update(kwargs)
    return Breach.objects.create(**values)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def test_a_significant_breach_has_a_cn_deadline_four_hours_after_discovery():
    item = breach(significant=True)
    assert item.deadline_cn == DISCOVERED + timedelta(hours=4)
    assert item.deadline_eu == DISCOVERED + timedelta(hours=72)


def test_a_breach_that_is_not_significant_has_no_cn_deadline_and_is_never_overdue_in_cn():
    item = breach(significant=False)
    assert item.deadline_cn is None
    with time_machine.travel(DISCOVERED + timedelta(days=30)):
        assert item.is_overdue_cn is False


def test_the_cn_clock_runs_out_after_four_hours_unless_reported():
    item = breach(significant=True)
    with time_machine.travel(DISCOVERED + timedelta(hours=3, minutes=59)):
        assert item.is_overdue_cn is False
    with time_machine.travel(DISCOVERED + timedelta(hours=4, minutes=1)):
        assert item.is_overdue_cn is True
        item.reported_cn_at = DISCOVERED + timedelta(hours=3)
        assert item.is_overdue_cn is False


def test_the_eu_clock_runs_out_after_seventy_two_hours_unless_reported():
    item = breach()
    with time_machine.travel(DISCOVERED + timedelta(hours=71, minutes=59)):
        assert item.is_overdue_eu is False
    with time_machine.travel(DISCOVERED + timedelta(hours=72, minutes=1)):
        assert item.is_overdue_eu is True
        item.reported_eu_at = DISCOVERED + timedelta(hours=70)
        assert item.is_overdue_eu is False


def test_the_database_annotation_agrees_with_the_properties():
    on_time = breach(title="on time", reported_eu_at=DISCOVERED, significant=True, reported_cn_at=DISCOVERED)
    late_cn = breach(title="late cn", significant=True, reported_eu_at=DISCOVERED)
    late_eu = breach(title="late eu")
    with time_machine.travel(DISCOVERED + timedelta(hours=5)):
        flags = dict(Breach.objects.with_overdue().values_list("title", "_overdue"))
        assert flags == {"on time": False, "late cn": True, "late eu": False}
    with time_machine.travel(DISCOVERED + timedelta(hours=73)):
        flags = dict(Breach.objects.with_overdue().values_list("title", "_overdue"))
        assert flags == {"on time": False, "late cn": True, "late eu": True}
        assert (late_cn.is_overdue_cn, late_eu.is_overdue_eu, on_time.is_overdue_eu) == (True, True, False)


def test_the_admin_list_shows_overdue_breaches_first_to_an_operator(operator_client):
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    breach(title="Recent and on time", discovered_at=now - timedelta(hours=1))
    breach(
        title="Old but reported",
        discovered_at=now - timedelta(days=9),
        reported_eu_at=now - timedelta(days=8),
    )
    breach(title="Overdue to the regulator", discovered_at=now - timedelta(days=5))
    with time_machine.travel(now):
        response = operator_client.get("/admin/privacy/breach/")
        assert response.status_code == 200
        html = response.content.decode()
        assert html.index("Overdue to the regulator") < html.index("Recent and on time")
        assert html.index("Recent and on time") < html.index("Old but reported")
        overdue_only = operator_client.get("/admin/privacy/breach/", {"overdue": "yes"}).content.decode()
        assert "Overdue to the regulator" in overdue_only
        assert "Recent and on time" not in overdue_only


@pytest.mark.parametrize(
    "params", [{"state": "open"}, {"state": "closed"}, {"significant__exact": "1"}, {"q": "x"}]
)
def test_the_admin_filters_and_search_work(operator_client, params):
    breach(closed_at=DISCOVERED + timedelta(days=3))
    assert operator_client.get("/admin/privacy/breach/", params).status_code == 200


def test_a_breach_added_in_the_admin_records_who_added_it(operator_client, operator):
    response = operator_client.post(
        "/admin/privacy/breach/add/",
        {
            "title": "Mail server misconfigured",
            "description": "",
            "discovered_at_0": "2026-11-30",
            "discovered_at_1": "06:00:00",
            "affected_categories": "email addresses",
            "affected_count": "120",
            "reported_cn_at_0": "",
            "reported_cn_at_1": "",
            "reported_eu_at_0": "",
            "reported_eu_at_1": "",
            "closed_at_0": "",
            "closed_at_1": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Breach.objects.get().created_by == operator


def test_a_member_cannot_open_the_breach_register(member_client, client):
    assert member_client.get("/admin/privacy/breach/").status_code == 302
    assert client.get("/admin/privacy/breach/").status_code == 302


@pytest.mark.parametrize("count", [1, 30])
def test_the_breach_admin_list_query_count_is_flat(operator_client, count, django_assert_num_queries):
    Breach.objects.bulk_create(
        [Breach(title=f"b{i}", discovered_at=DISCOVERED + timedelta(hours=i)) for i in range(count)]
    )
    # 1. the operator  2. COUNT for the paginator  3. COUNT of all rows (the "x of y" total)  4. the page's
    # rows with the overdue flag annotated  5. inbox unread count (base layout)  6. the date hierarchy's
    # first and last date  7. its distinct dates; never one query per row.
    with django_assert_num_queries(7):
        assert operator_client.get("/admin/privacy/breach/").status_code == 200
