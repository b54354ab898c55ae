"""LEGAL L23: opening a member's page in the admin records who, whose, what, when and why; the reason
is asked once per session for each member."""

import pytest
from django.contrib.auth.models import Permission

from privacy.models import StaffAccess
from tests.factories import MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.legal("L23")]


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def page(member) -> str:
    return f"/admin/members/member/{member.pk}/change/"


def test_opening_a_members_page_first_asks_why_and_shows_nothing_personal(operator_client, member):
    response = operator_client.get(page(member))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Why are you opening this member&#x27;s data?" in html
    assert 'name="reason"' in html and 'method="get"' in html
    assert member.email not in html and member.display_name not in html
    assert not StaffAccess.objects.exists()


def test_the_reason_is_recorded_with_who_whose_what_and_when(operator_client, operator, member):
    response = operator_client.get(page(member), {"reason": "Request #12"})
    assert response.status_code == 200
    assert member.email in response.content.decode()
    record = StaffAccess.objects.get()
    assert (record.staff_id, record.staff_email, record.subject_id, record.what, record.reason) == (
        operator.pk,
        operator.email,
        member.pk,
        f"members.member:{member.pk}",
        "Request #12",
    )
    assert record.created_at is not None


def test_the_reason_is_asked_once_per_session_and_member(operator_client, member, other_member):
    operator_client.get(page(member), {"reason": "Complaint 7"})
    again = operator_client.get(page(member))
    assert member.email in again.content.decode()
    assert list(StaffAccess.objects.order_by("id").values_list("reason", flat=True)) == [
        "Complaint 7",
        "Complaint 7",
    ]
    other = operator_client.get(page(other_member)).content.decode()
    assert 'name="reason"' in other and other_member.email not in other


def test_a_new_session_asks_again(client, operator, member):
    client.force_login(operator)
    client.get(page(member), {"reason": "Complaint 7"})
    client.logout()
    client.force_login(operator)
    assert 'name="reason"' in client.get(page(member)).content.decode()


def test_an_empty_reason_is_refused_beside_the_field(operator_client, member):
    html = operator_client.get(page(member), {"reason": "  "}).content.decode()
    assert "This field is required." in html
    assert member.email not in html
    assert not StaffAccess.objects.exists()


def test_other_query_parameters_survive_the_question(operator_client, member):
    html = operator_client.get(page(member), {"_changelist_filters": "is_active=1"}).content.decode()
    assert 'name="_changelist_filters" value="is_active=1"' in html


def test_the_change_form_opens_once_the_reason_is_given(operator_client, member):
    operator_client.get(page(member), {"reason": "Correction request 3"})
    response = operator_client.get(page(member))
    assert response.status_code == 200 and "adminform" in response.context


def test_staff_without_permission_get_refused_not_asked(client, member):
    clerk = MemberFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_staffaccess"))
    client.force_login(clerk)
    response = client.get(page(member))
    assert response.status_code == 403
    assert not StaffAccess.objects.exists()


def test_members_and_visitors_never_reach_it(client, member, other_member):
    assert client.get(page(member)).status_code == 302
    client.force_login(other_member)
    assert client.get(page(member)).status_code == 302
    assert not StaffAccess.objects.exists()


def test_searching_members_is_logged(operator_client, member):
    operator_client.get("/admin/members/member/", {"q": "member@example.org"})
    assert StaffAccess.objects.get().what == "members.member search: member@example.org"
