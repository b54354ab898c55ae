import pytest

from privacy.consents import consent_grant
from privacy.models import LegalHold, RetentionCategory
from privacy.retention import retention_apply
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.mark.parametrize(
    "model",
    ["consententry", "policydocument", "policyversion", "retentioncategory", "legalhold", "retentionrun"],
)
def test_every_privacy_model_has_a_working_admin_list(operator_client, model):
    consent_grant(member=MemberFactory(), purpose="marketing", channel="web")
    retention_apply()
    assert operator_client.get(f"/admin/privacy/{model}/").status_code == 200


@pytest.mark.parametrize("term", ["12", "abc"])
def test_consent_admin_search_by_member_id_tolerates_any_text(operator_client, term):
    assert operator_client.get("/admin/privacy/consententry/", {"q": term}).status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_consent_admin_list_query_count_is_flat(operator_client, count, django_assert_num_queries):
    for member in MemberFactory.create_batch(count):
        consent_grant(member=member, purpose="terms", channel="web")
    # 1. the operator  2. COUNT of the ledger for the paginator  3. the page's rows with member, actor,
    # version and document joined  4. inbox unread count (base layout); never one query per row.
    with django_assert_num_queries(4):
        assert operator_client.get("/admin/privacy/consententry/").status_code == 200


@pytest.mark.legal("L11")
def test_the_admin_refuses_a_keep_period_under_the_floor(operator_client):
    category = RetentionCategory.objects.get(key="access_logs")
    response = operator_client.post(
        f"/admin/privacy/retentioncategory/{category.pk}/change/",
        {
            "label": category.label,
            "description": "",
            "keep_days": 30,
            "counted_from": "recorded",
            "action": "delete",
        },
    )
    assert response.status_code == 200
    assert "The law requires keeping this at least 183 days." in response.content.decode()
    category.refresh_from_db()
    assert category.keep_days == 190


def test_an_operator_places_a_legal_hold_and_is_recorded_as_its_author(operator_client, operator, member):
    category = RetentionCategory.objects.get(key="deleted_content_records")
    response = operator_client.post(
        "/admin/privacy/legalhold/add/",
        {
            "category": category.pk,
            "member_id_held": member.pk,
            "object_id": "",
            "reason": "Court order",
            "until_0": "",
            "until_1": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hold = LegalHold.objects.get()
    assert hold.created_by_id == operator.pk


def test_retention_runs_are_read_only_in_the_admin(operator_client):
    run = retention_apply()[0]
    response = operator_client.get(f"/admin/privacy/retentionrun/{run.pk}/change/")
    assert response.status_code == 200
    assert 'name="rows_affected"' not in response.content.decode()
    assert operator_client.post(f"/admin/privacy/retentionrun/{run.pk}/delete/").status_code == 403
