"""LEGAL L23, L24: staff whose role does not include personal data see w***@example.com and an IP's
network in admin lists and cannot search by them; opening a member's page shows the data, after a
reason that is logged."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from privacy.masking import email_mask, ip_mask
from privacy.models import AccessLog, PolicyDocument, PolicyVersion, StaffAccess
from privacy.services import policy_version_publish
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_an_address_keeps_its_first_letter_and_domain():
    assert email_mask("wang.wei@example.com") == "w***@example.com"
    assert email_mask("") == "" and email_mask(None) == ""
    assert email_mask("not-an-address") == "***"


def test_an_ip_keeps_its_network_only():
    assert ip_mask("203.0.113.7") == "203.0.113.x"
    assert ip_mask("2001:db8:1:2::5").startswith("2001:db8:1")
    assert "5" not in ip_mask("2001:db8:1:2::5").removeprefix("2001:db8:1")
    assert ip_mask(None) == ""


@pytest.fixture
def support(db):
    """A staff member of a custom group that may read members and the access log but not personal
    data: what any role without privacy.view_personal_data sees."""
    group = Group.objects.create(name="support")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["members", "privacy"], codename__in=["view_member", "view_accesslog"]
        )
    )
    return MemberFactory(email="sam.support@example.org", is_staff=True, groups=["support"])


@pytest.fixture
def wei(db):
    return MemberFactory(email="wang.wei@example.com", display_name="王伟")


@pytest.mark.legal("L24")
def test_staff_without_the_permission_see_masked_addresses_in_the_member_list(client, support, wei):
    client.force_login(support)
    html = client.get("/admin/members/member/").content.decode()
    assert "王伟" in html
    assert "w***@example.com" in html
    assert "wang.wei@example.com" not in html


@pytest.mark.legal("L24")
def test_they_cannot_find_a_member_by_address_either(client, support, wei):
    client.force_login(support)
    html = client.get("/admin/members/member/", {"q": "wang.wei@example.com"}).content.decode()
    assert "王伟" not in html
    assert "王伟" in client.get("/admin/members/member/", {"q": "王伟"}).content.decode()


@pytest.mark.legal("L23")
@pytest.mark.legal("L24")
def test_opening_the_member_asks_why_and_logs_it_before_showing_the_address(client, support, wei):
    client.force_login(support)
    url = f"/admin/members/member/{wei.pk}/change/"
    asked = client.get(url).content.decode()
    assert "Why are you opening this member&#x27;s data?" in asked
    assert "wang.wei@example.com" not in asked
    assert not StaffAccess.objects.filter(subject_id=wei.pk).exists()

    shown = client.get(url, {"reason": "Complaint C-2026-000012"}).content.decode()

    assert "wang.wei@example.com" in shown
    record = StaffAccess.objects.get(subject_id=wei.pk)
    assert record.staff_id == support.pk and record.reason == "Complaint C-2026-000012"
    assert record.what == f"members.member:{wei.pk}"


@pytest.mark.legal("L24")
@pytest.mark.parametrize("who", ["operator", "privacy_officer"])
def test_operators_and_privacy_officers_see_and_search_addresses(as_who, who, wei):
    client = as_who(who)
    html = client.get("/admin/members/member/", {"q": "wang.wei@example.com"}).content.decode()
    assert "wang.wei@example.com" in html


@pytest.mark.legal("L24")
def test_the_access_log_shows_an_ip_network_to_staff_without_the_permission(client, support, operator, wei):
    AccessLog.objects.create(
        member_ref=wei.pk, ip="203.0.113.77", method="GET", path="/", status=200, time=timezone.now()
    )
    client.force_login(support)
    masked = client.get("/admin/privacy/accesslog/").content.decode()
    assert "203.0.113.x" in masked and "203.0.113.77" not in masked
    client.force_login(operator)
    assert "203.0.113.77" in client.get("/admin/privacy/accesslog/").content.decode()


@pytest.mark.legal("L24")
def test_a_moderator_sees_who_published_the_rules_masked_an_operator_in_full(as_who, group_operator):
    version = PolicyVersion.objects.create(
        document=PolicyDocument.objects.get(kind="community_rules"),
        label="2027-02",
        body_en="Be kind.",
        body_zh="友善待人。",
    )
    policy_version_publish(version=version, by=group_operator)
    masked = as_who("staff_moderator").get("/admin/privacy/policyversion/").content.decode()
    assert "o***@example.org" in masked and group_operator.email not in masked
    shown = as_who("operator").get("/admin/privacy/policyversion/").content.decode()
    assert group_operator.email in shown


@pytest.mark.legal("L24")
def test_the_staff_access_log_masks_staff_addresses_for_whoever_lacks_the_permission(
    client, support, operator
):
    StaffAccess.objects.create(staff=operator, staff_email=operator.email, subject_id=1, what="x", reason="y")
    group = Group.objects.get(name="support")
    group.permissions.add(Permission.objects.get(codename="view_staffaccess"))
    client.force_login(support)
    html = client.get("/admin/privacy/staffaccess/").content.decode()
    assert "o***@example.org" in html and operator.email not in html
