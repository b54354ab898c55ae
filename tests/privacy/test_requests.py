from datetime import UTC, datetime

import pytest
import time_machine

from privacy.models import DataRequest
from privacy.requests import DataRequestInvalid, data_request_decide, data_request_file, working_days_after
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.mark.legal("L8")
def test_a_request_is_due_fifteen_working_days_later_skipping_weekends():
    # Monday 2 November + 15 working days (three weeks of weekdays) = Monday 23 November.
    assert working_days_after(start=MONDAY) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.legal("L8")
def test_holidays_from_the_settings_push_the_due_date(settings):
    settings.PRIVACY_HOLIDAYS = ["2026-11-03", "2026-11-04"]
    assert working_days_after(start=MONDAY) == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.legal("L8")
def test_the_due_date_never_passes_the_thirty_day_hard_stop(settings):
    settings.PRIVACY_HOLIDAYS = [f"2026-11-{day:02d}" for day in range(3, 28)]
    assert working_days_after(start=MONDAY) == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.mark.legal("L8")
def test_filing_a_request_records_it_as_received_with_its_due_date(member):
    with time_machine.travel(MONDAY, tick=False):
        filed = data_request_file(member=member, kind="correction", details="My birthday is wrong")
    assert filed.status == "received"
    assert filed.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 11, 22, tzinfo=UTC)):
        assert filed.is_overdue is False
    with time_machine.travel(datetime(2026, 11, 24, tzinfo=UTC)):
        assert filed.is_overdue is True


@pytest.mark.legal("L8")
def test_a_refusal_without_a_reason_is_not_recorded(member, operator):
    filed = data_request_file(member=member, kind="deletion", details="Delete my old posts")
    with pytest.raises(DataRequestInvalid) as error:
        data_request_decide(request=filed, by=operator, status="refused", reason="  ")
    assert error.value.field == "refusal_reason"
    filed.refresh_from_db()
    assert filed.status == "received"


@pytest.mark.legal("L8")
def test_a_refusal_with_a_reason_is_recorded_with_who_and_when(member, operator):
    filed = data_request_file(member=member, kind="deletion", details="Delete my old posts")
    data_request_decide(request=filed, by=operator, status="refused", reason="Kept by law for 6 months")
    filed.refresh_from_db()
    assert (filed.status, filed.refusal_reason, filed.handled_by) == (
        "refused",
        "Kept by law for 6 months",
        operator,
    )
    assert filed.decided_at is not None


@pytest.mark.legal("L8")
def test_a_member_files_a_request_and_sees_its_status_and_due_date(member_client, member):
    response = member_client.post(
        "/privacy/requests/", {"kind": "explanation", "details": "Why do you keep my IP?"}
    )
    assert response.status_code == 302
    page = member_client.get("/privacy/requests/").content.decode()
    assert "Explain how my data is used" in page
    assert "Received" in page
    assert DataRequest.objects.get().member == member


@pytest.mark.legal("L10")
def test_a_close_relative_can_file_a_next_of_kin_request(member_client):
    response = member_client.post(
        "/privacy/requests/", {"kind": "next_of_kin", "details": "My late father's account, please delete"}
    )
    assert response.status_code == 302
    assert DataRequest.objects.get().kind == "next_of_kin"


@pytest.mark.legal("L8")
def test_an_empty_request_shows_the_error_beside_the_field_and_keeps_the_choice(member_client):
    response = member_client.post("/privacy/requests/", {"kind": "guardian", "details": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "errorlist" in html
    assert '<option value="guardian" selected>' in html
    assert not DataRequest.objects.exists()


def test_the_requests_page_needs_a_login(client):
    assert client.get("/privacy/requests/").status_code == 302


@pytest.mark.legal("L8")
def test_only_the_owner_sees_a_request(client, member, other_member, moderator, operator):
    filed = data_request_file(member=member, kind="correction", details="Secret detail")
    url = f"/privacy/requests/{filed.pk}/"
    client.force_login(member)
    assert "Secret detail" in client.get(url).content.decode()
    for someone in (other_member, moderator, operator):
        client.force_login(someone)
        assert client.get(url).status_code == 404
        assert "Secret detail" not in client.get("/privacy/requests/").content.decode()
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.legal("L8")
def test_the_member_reads_the_written_reason_for_a_refusal(member_client, member, operator):
    filed = data_request_file(member=member, kind="deletion", details="Delete my report")
    data_request_decide(request=filed, by=operator, status="refused", reason="Needed for an open case")
    html = member_client.get(f"/privacy/requests/{filed.pk}/").content.decode()
    assert "Refused" in html and "Needed for an open case" in html


def test_the_centre_links_to_the_requests_page(member_client):
    assert 'href="/privacy/requests/"' in member_client.get("/privacy/").content.decode()


@pytest.mark.parametrize("count", [1, 50])
def test_the_requests_page_query_count_is_flat(member_client, member, count, django_assert_num_queries):
    for _ in range(count):
        data_request_file(member=member, kind="complaint", details="Slow answers")
    # 1. the member (the session lives in the cache)  2. inbox unread count (base layout)  3. the
    # member's requests; never one query per row. The re-consent banner reads what sign-in cached.
    with django_assert_num_queries(3):
        assert member_client.get("/privacy/requests/").status_code == 200


@pytest.mark.legal("L8")
def test_the_admin_lists_overdue_requests_first(operator_client):
    with time_machine.travel(MONDAY, tick=False):
        late = data_request_file(member=MemberFactory(), kind="correction", details="late one")
    with time_machine.travel(datetime(2026, 11, 20, tzinfo=UTC), tick=False):
        fresh = data_request_file(member=MemberFactory(), kind="correction", details="fresh one")
    with time_machine.travel(datetime(2026, 11, 25, tzinfo=UTC)):
        html = operator_client.get("/admin/privacy/datarequest/").content.decode()
        assert html.index(f"/admin/privacy/datarequest/{late.pk}/change/") < html.index(
            f"/admin/privacy/datarequest/{fresh.pk}/change/"
        )
        assert operator_client.get("/admin/privacy/datarequest/", {"overdue": "yes"}).status_code == 200


@pytest.mark.legal("L8")
def test_the_admin_refuses_a_refusal_without_a_reason(operator_client, member):
    filed = data_request_file(member=member, kind="deletion", details="Delete it")
    url = f"/admin/privacy/datarequest/{filed.pk}/change/"
    response = operator_client.post(url, {"status": "refused", "refusal_reason": ""})
    assert response.status_code == 200
    assert "A refusal needs a written reason." in response.content.decode()
    response = operator_client.post(url, {"status": "refused", "refusal_reason": "Kept by law"})
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.status == "refused" and filed.decided_at is not None


@pytest.mark.parametrize("count", [1, 30])
def test_the_request_admin_list_query_count_is_flat(operator_client, count, django_assert_num_queries):
    for member in MemberFactory.create_batch(count):
        data_request_file(member=member, kind="complaint", details="x")
    # 1. the operator  2. COUNT for the paginator  3. the page's rows with member and handler joined and
    # the overdue flag annotated  4. inbox unread count (base layout); never one query per row.
    with django_assert_num_queries(4):
        assert operator_client.get("/admin/privacy/datarequest/").status_code == 200
