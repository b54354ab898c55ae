import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from privacy.consents import (
    consent_grant,
    consent_granted_member_ids,
    consent_is_granted,
    consent_latest_entries,
    consent_needs_asking,
    consent_withdraw,
)
from privacy.models import AppendOnlyError, ConsentEntry
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.legal("L3")
def test_optional_purposes_are_off_when_nothing_was_decided(member):
    for purpose in ["marketing", "public_profile", "recommendations", "share_attendees", "terms"]:
        assert consent_is_granted(member, purpose) is False


@pytest.mark.legal("L2")
def test_grant_appends_an_entry_with_member_purpose_channel_and_actor(member, operator):
    entry = consent_grant(member=member, purpose="marketing", channel="admin", actor=operator)
    assert entry is not None
    assert (entry.member_id, entry.purpose, entry.granted, entry.channel, entry.actor_id) == (
        member.pk,
        "marketing",
        True,
        "admin",
        operator.pk,
    )
    assert consent_is_granted(member, "marketing") is True


@pytest.mark.legal("L4")
def test_withdrawal_takes_effect_at_once_and_keeps_the_history(member):
    consent_grant(member=member, purpose="marketing", channel="web")
    consent_withdraw(member=member, purpose="marketing", channel="web")
    assert consent_is_granted(member, "marketing") is False
    assert list(
        ConsentEntry.objects.filter(member=member).order_by("id").values_list("granted", flat=True)
    ) == [
        True,
        False,
    ]
    consent_grant(member=member, purpose="marketing", channel="api")
    assert consent_is_granted(member, "marketing") is True


@pytest.mark.legal("L2")
def test_repeating_the_same_decision_appends_nothing(member):
    assert consent_grant(member=member, purpose="public_profile", channel="web") is not None
    assert consent_grant(member=member, purpose="public_profile", channel="web") is None
    assert consent_withdraw(member=member, purpose="public_profile", channel="web") is not None
    assert consent_withdraw(member=member, purpose="public_profile", channel="web") is None
    assert ConsentEntry.objects.filter(member=member).count() == 2


@pytest.mark.legal("L2")
def test_a_first_refusal_is_recorded_once(member):
    assert consent_withdraw(member=member, purpose="marketing", channel="web") is not None
    assert consent_withdraw(member=member, purpose="marketing", channel="web") is None
    assert consent_is_granted(member, "marketing") is False


def test_consents_are_per_member_and_per_purpose(member, other_member):
    consent_grant(member=member, purpose="marketing", channel="web")
    assert consent_is_granted(other_member, "marketing") is False
    assert consent_is_granted(member, "recommendations") is False


def test_consent_check_is_one_query_and_accepts_a_member_id(member, django_assert_num_queries):
    consent_grant(member=member, purpose="marketing", channel="web")
    # 1. SELECT granted FROM consent entries WHERE member, purpose ORDER BY created_at DESC, id DESC LIMIT 1
    with django_assert_num_queries(1):
        assert consent_is_granted(member.pk, "marketing") is True


def test_unknown_purpose_is_refused(member):
    with pytest.raises(ValueError):
        consent_is_granted(member, "selling_data")


@pytest.mark.parametrize("count", [1, 50])
def test_batch_check_returns_members_whose_latest_decision_grants(count, django_assert_num_queries):
    members = MemberFactory.create_batch(count)
    for m in members:
        consent_grant(member=m, purpose="marketing", channel="web")
    withdrawn = members[0]
    consent_withdraw(member=withdrawn, purpose="marketing", channel="web")
    # 1. SELECT member_id of latest-per-member entries that grant (one correlated subquery)
    with django_assert_num_queries(1):
        ids = consent_granted_member_ids(member_ids=[m.pk for m in members], purpose="marketing")
    assert ids == {m.pk for m in members[1:]}


def test_latest_entries_give_the_current_decision_per_purpose(member):
    consent_grant(member=member, purpose="marketing", channel="web")
    consent_withdraw(member=member, purpose="marketing", channel="web")
    consent_grant(member=member, purpose="recommendations", channel="web")
    current = consent_latest_entries(member=member)
    assert current["marketing"].granted is False
    assert current["recommendations"].granted is True
    assert "public_profile" not in current


@pytest.mark.legal("L2")
def test_consent_entries_refuse_updates_and_deletes_through_the_orm(member):
    entry = consent_grant(member=member, purpose="marketing", channel="web")
    entry.granted = False
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert ConsentEntry.objects.get(pk=entry.pk).granted is True


@pytest.mark.legal("L2")
def test_admin_cannot_add_change_or_delete_consents_even_as_superuser(operator):
    request = RequestFactory().get("/admin/")
    request.user = operator
    model_admin = site._registry[ConsentEntry]
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_view_permission(request) is True


def _new_version(kind: str, label: str, operator):
    from privacy.models import PolicyDocument, PolicyVersion
    from privacy.services import policy_version_publish

    version = PolicyVersion.objects.create(
        document=PolicyDocument.objects.get(kind=kind), label=label, body_en=f"{kind} {label}", body_zh="新版"
    )
    policy_version_publish(version=version, by=operator)
    return version


@pytest.mark.legal("L2")
def test_after_a_refusal_the_member_is_asked_again_only_for_a_new_version(member, operator):
    assert consent_needs_asking(member=member, purpose="marketing") is True
    consent_withdraw(member=member, purpose="marketing", channel="web")
    assert consent_needs_asking(member=member, purpose="marketing") is False
    _new_version("marketing_terms", "2027-01", operator)
    assert consent_needs_asking(member=member, purpose="marketing") is True
    consent_withdraw(member=member, purpose="marketing", channel="web")
    assert consent_needs_asking(member=member, purpose="marketing") is False


@pytest.mark.legal("L2")
def test_a_changed_text_asks_again_and_a_new_grant_records_the_new_version(member, operator):
    first = consent_grant(member=member, purpose="terms", channel="web")
    assert first.version.label == "2026-11"
    newer = _new_version("terms", "2027-01", operator)
    assert consent_needs_asking(member=member, purpose="terms") is True
    second = consent_grant(member=member, purpose="terms", channel="web")
    assert second is not None and second.version_id == newer.pk
    assert consent_needs_asking(member=member, purpose="terms") is False


@pytest.mark.legal("L11")
def test_the_ledger_outlives_the_account_and_goes_three_years_after_its_closure(member, other_member):
    from datetime import timedelta

    from django.utils import timezone

    from privacy.models import AccountClosure, RetentionCategory
    from privacy.retention import retention_apply_category
    from privacy.services import account_closure_record

    consent_grant(member=member, purpose="terms", channel="web")
    consent_grant(member=other_member, purpose="terms", channel="web")
    member_id = member.pk
    assert account_closure_record(member_id=member_id) is True
    assert account_closure_record(member_id=member_id) is False
    member.delete()
    kept = ConsentEntry.objects.get(member_ref=member_id)
    assert kept.member_id is None and kept.granted is True

    category = RetentionCategory.objects.get(key="consent_ledger")
    assert retention_apply_category(category=category).rows_affected == 0
    AccountClosure.objects.filter(member_ref=member_id).update(
        closed_at=timezone.now() - timedelta(days=1096)
    )
    assert retention_apply_category(category=category).rows_affected == 1
    assert not ConsentEntry.objects.filter(member_ref=member_id).exists()
    assert ConsentEntry.objects.filter(member_ref=other_member.pk).exists()


@pytest.mark.legal("L11")
def test_an_account_deleted_without_a_closure_record_starts_its_clock_at_the_next_run(member):
    from privacy.models import AccountClosure, RetentionCategory
    from privacy.retention import retention_apply_category

    consent_grant(member=member, purpose="terms", channel="web")
    member_id = member.pk
    member.delete()
    run = retention_apply_category(category=RetentionCategory.objects.get(key="consent_ledger"))
    assert run.rows_affected == 0
    assert AccountClosure.objects.filter(member_ref=member_id).exists()
    assert ConsentEntry.objects.filter(member_ref=member_id).exists()
