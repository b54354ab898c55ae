"""Append-only records cannot be added, changed or deleted through the admin, not even by a superuser
and not by POSTing to its URLs either (LEGAL L2, L12, L17, L23)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from members.models import BannedEmail
from members.standing import member_ban
from moderation.models import ModerationAction, ReviewItem
from moderation.services import report_file, review_item_decide
from privacy.consents import consent_grant
from privacy.models import AccessLog, ConsentEntry, RetentionRun, StaffAccess
from privacy.retention import retention_apply
from privacy.staff_access import staff_access_record
from tests.factories import MemberFactory, PostFactory

pytestmark = pytest.mark.django_db


def consent_entry(operator, member, other_member):
    consent_grant(member=member, purpose="marketing", channel="web")
    return ConsentEntry.objects.filter(member=member, purpose="marketing").get()


def retention_run(operator, member, other_member):
    return retention_apply()[0]


def staff_access(operator, member, other_member):
    return staff_access_record(staff=operator, subject_id=member.pk, what="members.member:1", reason="x")


def moderation_action(operator, member, other_member):
    post = PostFactory(author=other_member)
    report_file(reporter=member, kind="post", object_id=post.pk, reason="spam")
    review_item_decide(item=ReviewItem.objects.get(), by=operator, action="hide", reason="Ads.", rule="R4")
    return ModerationAction.objects.get()


def access_log(operator, member, other_member):
    return AccessLog.objects.create(
        member_ref=member.pk, ip="203.0.113.7", method="GET", path="/", status=200, time=timezone.now()
    )


def banned_email(operator, member, other_member):
    member_ban(member=other_member, by=operator)
    return BannedEmail.objects.first()


APPEND_ONLY = {
    "consent ledger": consent_entry,
    "retention runs": retention_run,
    "staff access log": staff_access,
    "moderation audit log": moderation_action,
    "access log": access_log,
    "ban hashes": banned_email,
}


@pytest.mark.legal("L23")
@pytest.mark.parametrize("record", list(APPEND_ONLY))
def test_a_superuser_can_neither_add_change_nor_delete_an_append_only_record(
    client, operator, member, other_member, record
):
    obj = APPEND_ONLY[record](operator, member, other_member)
    model_admin = admin.site._registry[type(obj)]
    request = RequestFactory().get("/")
    request.user = operator
    assert operator.is_superuser
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, obj) is False
    assert model_admin.has_delete_permission(request, obj) is False
    assert "delete_selected" not in model_admin.get_actions(request)

    client.force_login(operator)
    opts = obj._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"
    change = reverse(f"{name}_change", args=[obj.pk])
    assert client.get(reverse(f"{name}_add")).status_code == 403
    assert client.post(reverse(f"{name}_add"), {}).status_code == 403
    assert client.post(reverse(f"{name}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    # The change page opens read-only ("view"); a POST to it changes nothing.
    page = client.get(change, {"reason": "Audit"})
    assert page.status_code == 200
    client.post(change, {"reason": "rewritten", "granted": "", "rows_affected": "0"})
    changelist = reverse(f"{name}_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    assert type(obj).objects.filter(pk=obj.pk).exists()
    fresh = type(obj).objects.get(pk=obj.pk)
    for field in opts.concrete_fields:
        assert getattr(fresh, field.attname) == getattr(obj, field.attname), field.name


def test_the_ledgers_stay_whole_after_the_attempts(client, operator, member, other_member):
    consent_entry(operator, member, other_member)
    staff_access(operator, member, other_member)
    retention_run(operator, member, other_member)
    counts = (ConsentEntry.objects.count(), StaffAccess.objects.count(), RetentionRun.objects.count())
    client.force_login(operator)
    for model in ("consententry", "staffaccess", "retentionrun"):
        ids = list(
            {"consententry": ConsentEntry, "staffaccess": StaffAccess, "retentionrun": RetentionRun}[
                model
            ].objects.values_list("pk", flat=True)
        )
        client.post(
            f"/admin/privacy/{model}/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
        )
    # the operator's own looks at the lists added staff access rows, never removed any
    assert ConsentEntry.objects.count() == counts[0]
    assert RetentionRun.objects.count() == counts[2]
    assert StaffAccess.objects.count() >= counts[1]


def test_member_written_content_is_read_in_the_admin_not_rewritten(client, operator):
    post = PostFactory(title="Original title", body="Original body")
    client.force_login(operator)
    url = f"/admin/content/post/{post.pk}/change/"
    html = client.get(url).content.decode()
    assert 'name="title"' not in html and 'name="body"' not in html and 'name="status"' not in html
    assert 'name="is_pinned"' in html
    response = client.post(url, {"kind": "announcement", "is_pinned": "on", "title": "Rewritten"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Original title" and post.is_pinned and post.kind == "announcement"
    assert client.get(f"/admin/content/post/{post.pk}/delete/").status_code == 403
    assert client.get("/admin/content/post/add/").status_code == 403


def test_other_members_rows_are_not_typed_in_through_the_admin(client, operator):
    MemberFactory()
    client.force_login(operator)
    for url in (
        "/admin/content/comment/add/",
        "/admin/content/reaction/add/",
        "/admin/content/rsvp/add/",
        "/admin/content/inboxitem/add/",
        "/admin/content/delivery/add/",
        "/admin/content/emailoptout/add/",
        "/admin/members/guardianconsent/add/",
        "/admin/privacy/exportarchive/add/",
    ):
        assert client.get(url).status_code == 403, url
