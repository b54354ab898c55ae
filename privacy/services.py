"""Privacy's writes apart from consents (privacy/consents.py) and retention (privacy/retention.py)."""

from django.db import transaction
from django.utils import timezone

from privacy.consents import required_consents_forget_all
from privacy.models import AccountClosure, PolicyVersion


class PolicyAlreadyPublished(Exception):
    pass


def policy_version_publish(*, version: PolicyVersion, by) -> bool:
    """Publish a draft version; from then on it is immutable (LEGAL L1). Returns False when it was
    already published (a second click changes nothing)."""
    with transaction.atomic():
        # Conditional UPDATE: two operators publishing at once publish it once.
        updated = PolicyVersion.objects.filter(pk=version.pk, published_at__isnull=True).update(
            published_at=timezone.now(), published_by=by
        )
    if updated:
        version.refresh_from_db(fields=["published_at", "published_by"])
        # members' cached "nothing to accept" answers are stale now (L2): ask them on their next page
        required_consents_forget_all()
    return bool(updated)


def account_closure_record(*, member_id: int, closed_at=None) -> bool:
    """The account deletion flow calls this before deleting the member row: the consent ledger's
    3 years (LEGAL L11) count from here. Idempotent; returns False when already recorded."""
    _, created = AccountClosure.objects.get_or_create(
        member_ref=member_id, defaults={"closed_at": closed_at or timezone.now()}
    )
    return created
