from datetime import timedelta

import pytest
from django.utils import timezone

from privacy.consents import consent_grant
from privacy.models import AppendOnlyError, RetentionCategory, StaffAccess
from privacy.retention import retention_apply_category
from privacy.staff_access import staff_access_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.mark.legal("L23")
def test_opening_a_members_record_in_the_admin_is_logged_with_who_whose_what_and_why(
    operator_client, operator, member
):
    entry = consent_grant(member=member, purpose="marketing", channel="web")
    response = operator_client.get(
        f"/admin/privacy/consententry/{entry.pk}/change/", {"reason": "Request #12"}
    )
    assert response.status_code == 200
    record = StaffAccess.objects.get()
    assert (record.staff_id, record.staff_email, record.subject_id) == (
        operator.pk,
        operator.email,
        member.pk,
    )
    assert record.what == f"privacy.consententry:{entry.pk}"
    assert record.reason == "Request #12"
    assert record.created_at is not None


@pytest.mark.legal("L23")
def test_searching_the_list_is_logged_and_the_reason_is_not_taken_for_a_filter(operator_client):
    response = operator_client.get("/admin/privacy/consententry/", {"q": "42", "reason": "Complaint 7"})
    assert response.status_code == 200
    assert "e=1" not in response.get("Location", "")
    record = StaffAccess.objects.get()
    assert record.what == "privacy.consententry search: 42"
    assert record.reason == "Complaint 7"


def test_browsing_the_list_without_a_search_is_not_logged(operator_client):
    assert operator_client.get("/admin/privacy/consententry/").status_code == 200
    assert not StaffAccess.objects.exists()


@pytest.mark.legal("L23")
def test_staff_access_records_are_append_only_and_read_only_in_the_admin(operator_client, operator, member):
    record = staff_access_record(staff=operator, subject_id=member.pk, what="members.member:1", reason="x")
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    assert operator_client.post(f"/admin/privacy/staffaccess/{record.pk}/delete/").status_code == 403
    assert operator_client.get("/admin/privacy/staffaccess/").status_code == 200


@pytest.mark.legal("L23")
def test_staff_access_records_are_kept_three_years_then_deleted(operator, member):
    old = staff_access_record(staff=operator, subject_id=member.pk, what="a")
    young = staff_access_record(staff=operator, subject_id=member.pk, what="b")
    StaffAccess.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1096))
    StaffAccess.objects.filter(pk=young.pk).update(created_at=timezone.now() - timedelta(days=1000))
    run = retention_apply_category(category=RetentionCategory.objects.get(key="staff_access_logs"))
    assert run.rows_affected == 1
    assert list(StaffAccess.objects.values_list("pk", flat=True)) == [young.pk]


def test_the_record_outlives_the_member_it_is_about(operator, member):
    record = staff_access_record(staff=operator, subject_id=member.pk, what="members.member")
    from privacy.models import ConsentEntry

    ConsentEntry.objects.filter(member=member).delete()
    member.delete()
    assert StaffAccess.objects.filter(pk=record.pk, subject_id=record.subject_id).exists()
