import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from privacy.models import (
    AppendOnlyError,
    PolicyDocument,
    PolicyKind,
    PolicyVersion,
    RetentionCategory,
    policy_content_hash,
)
from privacy.rendering import policy_render
from privacy.services import policy_version_publish

pytestmark = pytest.mark.django_db


def draft(kind="terms", label="2027-01", body_en="New terms", body_zh="新条款"):
    return PolicyVersion.objects.create(
        document=PolicyDocument.objects.get(kind=kind), label=label, body_en=body_en, body_zh=body_zh
    )


@pytest.mark.legal("L1")
def test_every_document_has_a_published_first_version_with_its_hash():
    for kind in PolicyKind.values:
        version = PolicyVersion.objects.get(document__kind=kind)
        assert version.published_at is not None
        assert version.body_en.strip() and version.body_zh.strip()
        assert version.content_hash == policy_content_hash(version.body_en, version.body_zh)


def test_content_hash_changes_when_either_language_changes():
    base = policy_content_hash("a", "b")
    assert policy_content_hash("a", "c") != base
    assert policy_content_hash("ab", "") != policy_content_hash("a", "b")


@pytest.mark.legal("L1")
@pytest.mark.parametrize("kind", PolicyKind.values)
def test_policies_are_public_without_login(client, kind):
    response = client.get(f"/privacy/policies/{kind}/")
    assert response.status_code == 200
    assert "2026-11" in response.content.decode()


@pytest.mark.legal("L1")
def test_policy_is_shown_in_the_readers_language(client):
    english = client.get("/privacy/policies/privacy_policy/").content.decode()
    assert "What we hold" in english
    chinese = client.get("/privacy/policies/privacy_policy/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我们保存什么" in chinese


@pytest.mark.legal("L1")
def test_older_versions_stay_readable_and_listed(client, operator):
    newer = draft(body_en="Terms, second edition")
    policy_version_publish(version=newer, by=operator)
    current = client.get("/privacy/policies/terms/").content.decode()
    assert "Terms, second edition" in current
    assert 'href="/privacy/policies/terms/2026-11/"' in current
    older = client.get("/privacy/policies/terms/2026-11/").content.decode()
    assert "By creating an account" in older
    assert 'href="/privacy/policies/terms/"' in older


def test_drafts_and_unknown_documents_are_not_found(client):
    draft(label="secret-draft")
    assert client.get("/privacy/policies/terms/secret-draft/").status_code == 404
    assert client.get("/privacy/policies/cookies/").status_code == 404


@pytest.mark.legal("L1")
def test_privacy_policy_lists_purposes_data_keep_period_and_end_from_the_schedule(client):
    page = client.get("/privacy/policies/privacy_policy/").content.decode()
    assert "Proving which consents you gave or withdrew" in page
    assert "While the account exists, then 1095 days" in page
    RetentionCategory.objects.filter(key="consent_ledger").update(keep_days=1500)
    page = client.get("/privacy/policies/privacy_policy/").content.decode()
    assert "then 1500 days" in page


@pytest.mark.parametrize("extra_versions", [0, 30])
def test_policy_page_query_count_does_not_grow_with_versions(
    client, operator, extra_versions, django_assert_num_queries
):
    for n in range(extra_versions):
        policy_version_publish(
            version=draft(kind="privacy_policy", label=f"v{n}", body_en=f"text {n}"), by=operator
        )
    # 1. the latest published version  2. the retention categories for the notice table
    # 3. the list of published versions (without bodies)
    with django_assert_num_queries(3):
        assert client.get("/privacy/policies/privacy_policy/").status_code == 200


@pytest.mark.legal("L1")
def test_a_published_version_cannot_be_changed_or_deleted(operator):
    version = PolicyVersion.objects.get(document__kind="terms")
    version.body_en = "Quietly edited"
    with pytest.raises(AppendOnlyError):
        version.save()
    with pytest.raises(AppendOnlyError):
        version.delete()


def test_a_draft_can_be_edited_and_its_hash_follows(operator):
    version = draft()
    version.body_en = "Edited"
    version.save()
    assert version.content_hash == policy_content_hash("Edited", "新条款")


def test_publishing_twice_publishes_once(operator):
    version = draft()
    assert policy_version_publish(version=version, by=operator) is True
    first = version.published_at
    assert policy_version_publish(version=version, by=operator) is False
    version.refresh_from_db()
    assert version.published_at == first
    assert version.published_by_id == operator.pk


@pytest.mark.legal("L1")
def test_admin_shows_a_published_version_read_only_and_publishes_through_the_service(operator):
    request = RequestFactory().get("/admin/")
    request.user = operator
    model_admin = site._registry[PolicyVersion]
    published = PolicyVersion.objects.get(document__kind="terms")
    assert model_admin.has_change_permission(request, published) is False
    assert model_admin.has_delete_permission(request, published) is False
    assert "delete_selected" not in model_admin.get_actions(request)
    version = draft()
    assert model_admin.has_change_permission(request, version) is True


def test_admin_publish_action(admin_client_operator):
    version = draft()
    response = admin_client_operator.post(
        "/admin/privacy/policyversion/",
        {"action": "publish", "_selected_action": [version.pk]},
        follow=True,
    )
    assert response.status_code == 200
    version.refresh_from_db()
    assert version.published_at is not None


def test_policy_markdown_is_sanitised():
    html = policy_render("<script>alert(1)</script> [x](javascript:alert(1)) **ok**")
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert "<strong>ok</strong>" in html


@pytest.fixture
def admin_client_operator(client, operator):
    client.force_login(operator)
    return client
