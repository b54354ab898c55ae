"""Admin actions call the services: suspend a member (members/standing.py), resend the verification
email (allauth), place and lift legal holds (privacy/holds.py), start an export from a request
(privacy/export.py), publish a policy version (privacy/services.py)."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import CHANGE, LogEntry
from django.core import mail
from django.utils import timezone

from content.models import InboxItem
from members.models import Member
from moderation.models import ModerationAction
from privacy.holds import legal_hold_lift, legal_hold_place
from privacy.models import ExportArchive, LegalHold, PolicyDocument, PolicyVersion, RetentionCategory
from privacy.requests import data_request_file
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

MEMBERS = "/admin/members/member/"


def act(client, url, action, ids, **answers):
    data = {"action": action, "_selected_action": [str(i) for i in ids], "index": "0", **answers}
    return client.post(url, data)


# --- suspend --------------------------------------------------------------------------------------


@pytest.mark.legal("L20")
def test_the_suspend_action_asks_for_days_reason_and_rule_first(as_who, member):
    response = act(as_who("operator"), MEMBERS, "suspend", [member.pk])
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("days", "reason", "rule"):
        assert f'name="{name}"' in html
    assert Member.objects.get(pk=member.pk).suspended_until is None


@pytest.mark.legal("L20")
def test_an_operator_suspends_a_member_for_three_days_and_the_history_keeps_why(as_who, operator, member):
    client = as_who("operator")
    answers = {"apply": "1", "days": "3", "reason": "Insults in three threads.", "rule": "Rules 2026-11 §2"}
    response = act(client, MEMBERS, "suspend", [member.pk], **answers)
    assert response.status_code == 302
    until = Member.objects.get(pk=member.pk).suspended_until
    assert until is not None and abs(until - (timezone.now() + timedelta(days=3))) < timedelta(minutes=1)
    entry = LogEntry.objects.get(object_id=str(member.pk), action_flag=CHANGE)
    assert entry.user_id == operator.pk
    assert "Insults in three threads." in entry.get_change_message() and "§2" in entry.get_change_message()
    page = client.get(response.url).content.decode()
    assert "1 member suspended." in page


def test_the_suspend_form_says_what_is_wrong_and_keeps_the_text(as_who, member):
    answers = {"apply": "1", "days": "400", "reason": "Spam links.", "rule": "§4"}
    response = act(as_who("operator"), MEMBERS, "suspend", [member.pk], **answers)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a number of days from 1 to 365." in html
    assert "Spam links." in html
    assert Member.objects.get(pk=member.pk).suspended_until is None


def test_staff_accounts_are_not_suspended_from_the_list(as_who, privacy_officer, member):
    answers = {"apply": "1", "days": "3", "reason": "x", "rule": "y"}
    act(as_who("operator"), MEMBERS, "suspend", [member.pk, privacy_officer.pk], **answers)
    assert Member.objects.get(pk=privacy_officer.pk).suspended_until is None
    assert Member.objects.get(pk=member.pk).suspended_until is not None


def test_a_privacy_officer_cannot_suspend(as_who, member):
    answers = {"apply": "1", "days": "3", "reason": "x", "rule": "y"}
    act(as_who("privacy_officer"), MEMBERS, "suspend", [member.pk], **answers)
    assert Member.objects.get(pk=member.pk).suspended_until is None


# --- resend verification --------------------------------------------------------------------------


def test_an_operator_resends_the_verification_email_to_an_unverified_member(as_who):
    waiting = MemberFactory(email="waiting@example.org", verified=False)
    verified = MemberFactory(email="done@example.org")
    response = act(as_who("operator"), MEMBERS, "resend_verification", [waiting.pk, verified.pk])
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["waiting@example.org"]]
    assert not EmailAddress.objects.get(email="waiting@example.org").verified


def test_the_email_address_list_resends_too(as_who):
    waiting = MemberFactory(email="late@example.org", verified=False)
    address = EmailAddress.objects.get(user=waiting)
    act(as_who("operator"), "/admin/account/emailaddress/", "resend_verification", [address.pk])
    assert [message.to for message in mail.outbox] == [["late@example.org"]]


# --- legal holds ----------------------------------------------------------------------------------


@pytest.fixture
def category(db):
    return RetentionCategory.objects.get(key="deleted_content_records")


def test_a_privacy_officer_places_a_legal_hold_from_the_member_list(
    as_who, privacy_officer, member, category
):
    client = as_who("privacy_officer")
    asked = act(client, MEMBERS, "place_legal_hold", [member.pk])
    assert 'name="category"' in asked.content.decode()
    answers = {"apply": "1", "category": str(category.pk), "reason": "Court order 2026-77", "until": ""}
    response = act(client, MEMBERS, "place_legal_hold", [member.pk], **answers)
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.member_id_held, hold.category_id, hold.created_by_id) == (
        member.pk,
        category.pk,
        privacy_officer.pk,
    )
    assert hold.until is None
    # the same hold again is the one already in force
    act(client, MEMBERS, "place_legal_hold", [member.pk], **answers)
    assert LegalHold.objects.count() == 1


def test_a_hold_cannot_end_in_the_past(as_who, member, category):
    answers = {"apply": "1", "category": str(category.pk), "reason": "x", "until": "2020-01-01 00:00"}
    response = act(as_who("privacy_officer"), MEMBERS, "place_legal_hold", [member.pk], **answers)
    assert "A legal hold ends in the future." in response.content.decode()
    assert not LegalHold.objects.exists()


def test_lifting_a_hold_ends_it_now_and_keeps_the_row(as_who, operator, member, category):
    hold = legal_hold_place(category=category, member_id=member.pk, reason="Regulator", by=operator)
    response = act(as_who("privacy_officer"), "/admin/privacy/legalhold/", "lift", [hold.pk])
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.until is not None and hold.until <= timezone.now()
    assert legal_hold_lift(hold=hold, by=operator) is False  # twice changes nothing
    assert LegalHold.objects.count() == 1


def test_holds_are_not_deleted_in_the_admin(as_who, operator, member, category):
    hold = legal_hold_place(category=category, member_id=member.pk, reason="Regulator", by=operator)
    assert (
        as_who("operator").post(f"/admin/privacy/legalhold/{hold.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )


# --- exports and policies -------------------------------------------------------------------------


@pytest.mark.legal("L7")
def test_a_privacy_officer_starts_an_export_for_the_member_of_a_request(as_who, member):
    request = data_request_file(member=member, kind="explanation", details="Send me everything you hold.")
    response = act(as_who("privacy_officer"), "/admin/privacy/datarequest/", "start_export", [request.pk])
    assert response.status_code == 302
    archive = ExportArchive.objects.get()
    assert archive.member_id == member.pk and archive.status == "requested"
    # one export at a time: a second click finds the open one
    act(as_who("privacy_officer"), "/admin/privacy/datarequest/", "start_export", [request.pk])
    assert ExportArchive.objects.count() == 1


@pytest.fixture
def draft(db):
    return PolicyVersion.objects.create(
        document=PolicyDocument.objects.get(kind="community_rules"), label="2027-03", body_en="a", body_zh="b"
    )


@pytest.mark.legal("L1")
def test_an_operator_publishes_a_draft_a_moderator_cannot(as_who, draft):
    act(as_who("staff_moderator"), "/admin/privacy/policyversion/", "publish", [draft.pk])
    draft.refresh_from_db()
    assert draft.published_at is None
    act(as_who("group_operator"), "/admin/privacy/policyversion/", "publish", [draft.pk])
    draft.refresh_from_db()
    assert draft.published_at is not None


@pytest.mark.legal("L18")
def test_a_suspension_from_the_admin_is_in_the_audit_log_and_the_member_is_told(as_who, operator, member):
    answers = {"apply": "1", "days": "3", "reason": "Insults in three threads.", "rule": "Rules 2026-11 §2"}
    act(as_who("operator"), MEMBERS, "suspend", [member.pk], **answers)
    action = ModerationAction.objects.get(kind="member", object_id=member.pk)
    assert (action.action, action.moderator_id, action.target_author_id) == (
        "suspend",
        operator.pk,
        member.pk,
    )
    assert (action.reason, action.rule) == ("Insults in three threads.", "Rules 2026-11 §2")
    assert action.until == Member.objects.get(pk=member.pk).suspended_until
    assert InboxItem.objects.filter(recipient=member, kind="moderation.sanction").exists()
