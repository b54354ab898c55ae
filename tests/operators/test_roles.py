"""Staff roles kept in code (community/roles.py): each role can do what it should in the admin and the
moderation pages, and nothing more."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.utils import timezone

from community.roles import MODERATOR, OPERATOR, PRIVACY_OFFICER, ROLES, roles_sync
from members.models import Member
from moderation.models import ReviewItem
from moderation.services import report_file
from privacy.models import DataRequest, PolicyDocument, PolicyVersion, RetentionCategory
from privacy.requests import data_request_file
from tests.factories import MemberFactory, PostFactory

pytestmark = pytest.mark.django_db

ROLE_FIXTURES = ["operator", "group_operator", "staff_moderator", "privacy_officer"]


def permission_names(group: Group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def test_migrate_created_the_three_roles_with_their_permissions():
    groups = {group.name: group for group in Group.objects.filter(name__in=ROLES)}
    assert set(groups) == {OPERATOR, MODERATOR, PRIVACY_OFFICER}
    assert groups[OPERATOR].permissions.count() == Permission.objects.count()
    assert "privacy.change_datarequest" in permission_names(groups[PRIVACY_OFFICER])
    assert "privacy.view_personal_data" in permission_names(groups[PRIVACY_OFFICER])
    assert "privacy.add_policyversion" in permission_names(groups[MODERATOR])
    assert "privacy.view_personal_data" not in permission_names(groups[MODERATOR])
    assert "members.change_member" not in permission_names(groups[PRIVACY_OFFICER])


def test_syncing_twice_changes_nothing_and_takes_back_a_permission_added_by_hand():
    officer = Group.objects.get(name=PRIVACY_OFFICER)
    before = permission_names(officer)
    officer.permissions.add(Permission.objects.get(codename="change_member"))

    first = roles_sync()
    second = roles_sync()

    assert first.groups_created == second.groups_created == 0
    assert permission_names(officer) == before
    assert Group.objects.filter(name__in=ROLES).count() == 3


def test_the_sync_roles_command_recreates_a_deleted_role(capsys):
    Group.objects.filter(name=MODERATOR).delete()
    call_command("sync_roles")
    assert "1 created" in capsys.readouterr().out
    assert "privacy.view_policyversion" in permission_names(Group.objects.get(name=MODERATOR))


# --- the admin, page by page ----------------------------------------------------------------------


@pytest.fixture
def objects(member, other_member):
    post = PostFactory(author=other_member)
    report_file(reporter=member, kind="post", object_id=post.pk, reason="spam")
    request = data_request_file(member=member, kind="correction", details="My name is misspelt.")
    return {
        "member": member,
        "post": post,
        "item": ReviewItem.objects.get(),
        "request": request,
        "category": RetentionCategory.objects.get(key="access_logs"),
        "rules": PolicyDocument.objects.get(kind="community_rules"),
    }


# (url, operator, group operator, moderator, privacy officer): a representative model per app
PAGES = [
    ("/admin/", 200, 200, 200, 200),
    ("/admin/dashboard/", 200, 200, 200, 200),
    ("/admin/members/member/", 200, 200, 403, 200),
    ("/admin/members/member/{member}/change/?reason=Request+%23{request}", 200, 200, 403, 200),
    ("/admin/members/member/add/", 200, 200, 403, 403),
    ("/admin/account/emailaddress/", 200, 200, 403, 403),
    ("/admin/auth/group/", 200, 200, 403, 403),
    ("/admin/content/post/", 200, 200, 403, 403),
    ("/admin/content/post/{post}/change/", 200, 200, 403, 403),
    ("/admin/content/space/", 200, 200, 403, 403),
    ("/admin/content/delivery/", 200, 200, 403, 403),
    ("/admin/moderation/reviewitem/", 200, 200, 403, 403),
    ("/admin/moderation/reviewitem/{item}/change/", 200, 200, 403, 403),
    ("/admin/moderation/watchedword/", 200, 200, 200, 403),
    ("/admin/moderation/watchedword/add/", 200, 200, 200, 403),
    ("/admin/privacy/datarequest/", 200, 200, 403, 200),
    ("/admin/privacy/datarequest/{request}/change/", 200, 200, 403, 200),
    ("/admin/privacy/consententry/", 200, 200, 403, 200),
    ("/admin/privacy/staffaccess/", 200, 200, 403, 200),
    ("/admin/privacy/retentioncategory/{category}/change/", 200, 200, 403, 200),
    ("/admin/privacy/retentionrun/", 200, 200, 403, 200),
    ("/admin/privacy/legalhold/add/", 200, 200, 403, 200),
    ("/admin/privacy/breach/add/", 200, 200, 403, 200),
    ("/admin/privacy/deletionrequest/", 200, 200, 403, 200),
    ("/admin/privacy/policyversion/", 200, 200, 200, 403),
    ("/admin/privacy/policyversion/add/", 200, 200, 200, 403),
    ("/admin/privacy/policydocument/{rules}/change/", 200, 200, 200, 403),
    ("/admin/privacy/accesslog/", 200, 200, 403, 403),
    ("/admin/django_celery_beat/periodictask/", 200, 200, 403, 403),
]


@pytest.mark.legal("L24")
@pytest.mark.parametrize(("url", "statuses"), [(page[0], page[1:]) for page in PAGES])
@pytest.mark.parametrize("who", ROLE_FIXTURES)
def test_each_role_opens_the_admin_pages_it_should_and_no_other(as_who, objects, url, statuses, who):
    expected = statuses[ROLE_FIXTURES.index(who)]
    ids = {name: getattr(obj, "pk", obj) for name, obj in objects.items()}
    response = as_who(who).get(url.format(**ids))
    assert response.status_code == expected, f"{who} {url}"


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
@pytest.mark.parametrize("url", ["/admin/", "/admin/dashboard/", "/admin/privacy/datarequest/"])
def test_people_without_a_staff_role_are_sent_to_the_admin_sign_in(as_who, who, url):
    response = as_who(who).get(url)
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_a_privacy_officer_reads_a_member_but_cannot_change_them(as_who, objects):
    member = objects["member"]
    client = as_who("privacy_officer")
    url = f"/admin/members/member/{member.pk}/change/"
    html = client.get(url, {"reason": "Request 12"}).content.decode()
    assert member.email in html
    assert 'name="is_superuser"' not in html and 'name="email"' not in html
    response = client.post(url, {"email": "taken@example.org", "display_name": "X", "is_superuser": "on"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.email != "taken@example.org" and not member.is_superuser


def test_a_moderator_drafts_the_community_rules_but_no_other_document(as_who, objects):
    client = as_who("staff_moderator")
    html = client.get("/admin/privacy/policyversion/add/").content.decode()
    rules, terms = objects["rules"], PolicyDocument.objects.get(kind="terms")
    assert f'value="{rules.pk}"' in html and f'value="{terms.pk}"' not in html
    response = client.post(
        "/admin/privacy/policyversion/add/",
        {"document": terms.pk, "label": "sneaky", "body_en": "x", "body_zh": "x"},
    )
    assert response.status_code == 200  # refused: not a choice
    response = client.post(
        "/admin/privacy/policyversion/add/",
        {"document": rules.pk, "label": "2027-01", "body_en": "Be kind.", "body_zh": "友善待人。"},
    )
    assert response.status_code == 302
    draft = PolicyVersion.objects.get(label="2027-01")
    assert draft.published_at is None
    # other documents' versions are not even listed
    listed = client.get("/admin/privacy/policyversion/").content.decode()
    terms_version = PolicyVersion.objects.filter(document=terms).first()
    assert terms_version is None or f"/admin/privacy/policyversion/{terms_version.pk}/change/" not in listed


def test_the_privacy_officer_decides_a_request_the_moderator_cannot(as_who, objects):
    data_request = objects["request"]
    url = f"/admin/privacy/datarequest/{data_request.pk}/change/"
    assert as_who("staff_moderator").post(url, {"status": "done"}).status_code == 403
    assert DataRequest.objects.get(pk=data_request.pk).status == "received"
    response = as_who("privacy_officer").post(url, {"status": "done", "refusal_reason": ""})
    assert response.status_code == 302
    assert DataRequest.objects.get(pk=data_request.pk).status == "done"


@pytest.mark.parametrize(
    ("who", "status"), [("staff_moderator", 200), ("group_operator", 200), ("operator", 200)]
)
def test_moderators_and_operators_use_the_moderation_queue(as_who, who, status):
    assert as_who(who).get("/moderation/").status_code == status


@pytest.mark.legal("L24")
def test_a_privacy_officer_is_not_a_site_moderator(as_who):
    assert as_who("privacy_officer").get("/moderation/").status_code == 403


def test_a_member_of_no_role_with_staff_status_sees_no_dashboard(client):
    staff = MemberFactory(is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/dashboard/").status_code == 403
    assert client.get("/admin/members/member/").status_code == 403


def test_the_demo_has_one_staff_member_per_role_and_a_past_to_show(client):
    call_command("seed_demo", stdout=io.StringIO())
    for email, role in [
        ("operator@example.com", OPERATOR),
        ("moderator@example.com", MODERATOR),
        ("privacy@example.com", PRIVACY_OFFICER),
    ]:
        staff = Member.objects.get(email=email)
        assert staff.is_staff and staff.groups.filter(name=role).exists(), email
    assert Member.objects.filter(date_joined__lt=timezone.now() - timedelta(days=30)).count() >= 10
    client.force_login(Member.objects.get(email="privacy@example.com"))
    html = client.get("/admin/dashboard/").content.decode()
    assert 'id="participation"' in html and 'id="privacy"' in html
