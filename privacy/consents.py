"""The consent ledger's services and selectors (LEGAL L2–L4).

Other apps ask `consent_is_granted(member, purpose)` at the moment they act (a delivery job checks at
send time, not when it was queued: L4, L15). Decisions are appended, never edited.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from privacy.models import ConsentChannel, ConsentEntry, ConsentPurpose, PolicyKind, PolicyVersion

# Which document a purpose's consent refers to (its version is stored with the decision).
PURPOSE_DOCUMENT = {
    ConsentPurpose.TERMS: PolicyKind.TERMS,
    ConsentPurpose.MARKETING: PolicyKind.MARKETING_TERMS,
    ConsentPurpose.PUBLIC_PROFILE: PolicyKind.PRIVACY_POLICY,
    ConsentPurpose.RECOMMENDATIONS: PolicyKind.PRIVACY_POLICY,
    ConsentPurpose.SHARE_ATTENDEES: PolicyKind.PRIVACY_POLICY,
}

# LEGAL L3: everything but the terms is optional and off until granted.
OPTIONAL_PURPOSES = [p for p in ConsentPurpose if p != ConsentPurpose.TERMS]


class UnknownPurpose(ValueError):
    pass


def _member_id(member) -> int:
    return member if isinstance(member, int) else member.pk


def _check_purpose(purpose: str) -> str:
    if purpose not in ConsentPurpose.values:
        raise UnknownPurpose(purpose)
    return purpose


def _latest(member_id: int, purpose: str):
    return ConsentEntry.objects.filter(member_id=member_id, purpose=purpose).order_by("-created_at", "-id")


def consent_is_granted(member, purpose: str) -> bool:
    """True when the member's latest decision for the purpose is a grant. One indexed query
    (consent_latest); no decision at all means no consent (L3: off by default)."""
    granted = _latest(_member_id(member), _check_purpose(purpose)).values_list("granted", flat=True).first()
    return bool(granted)


def consent_granted_member_ids(*, member_ids: Iterable[int], purpose: str) -> set[int]:
    """Of the given members, those whose latest decision grants the purpose. One query for a batch,
    for jobs that walk recipients in batches of ids."""
    ids = list(member_ids)
    if not ids:
        return set()
    _check_purpose(purpose)
    latest = ConsentEntry.objects.filter(member_id=OuterRef("member_id"), purpose=purpose).order_by(
        "-created_at", "-id"
    )
    rows = ConsentEntry.objects.filter(
        member_id__in=ids, purpose=purpose, granted=True, pk=Subquery(latest.values("pk")[:1])
    ).values_list("member_id", flat=True)
    return set(rows)


def consent_latest_entries(*, member) -> dict[str, ConsentEntry]:
    """The member's current decision per purpose (purposes never decided are absent). One query."""
    # Only the latest row per purpose is read, however long the member's history is.
    latest = ConsentEntry.objects.filter(
        member_id=OuterRef("member_id"), purpose=OuterRef("purpose")
    ).order_by("-created_at", "-id")
    entries = ConsentEntry.objects.filter(
        member_id=_member_id(member), pk=Subquery(latest.values("pk")[:1])
    ).select_related("version", "version__document")
    return {entry.purpose: entry for entry in entries}


def consent_history(*, member):
    return (
        ConsentEntry.objects.filter(member_id=_member_id(member))
        .select_related("version", "version__document", "actor")
        .order_by("-created_at", "-id")
    )


def policy_version_current(*, kind: str) -> PolicyVersion | None:
    return (
        PolicyVersion.objects.filter(document__kind=kind, published_at__isnull=False)
        .order_by("-published_at", "-id")
        .first()
    )


def _record(*, member, purpose: str, granted: bool, channel: str, actor, version) -> ConsentEntry | None:
    _check_purpose(purpose)
    if channel not in ConsentChannel.values:
        raise ValueError(f"unknown consent channel {channel!r}")
    member_id = _member_id(member)
    with transaction.atomic():
        # Serialise decisions per member so two simultaneous clicks append one row, not two.
        get_user_model().objects.select_for_update().filter(pk=member_id).values_list("pk", flat=True).first()
        latest = _latest(member_id, purpose).values("granted", "version_id").first()
        # Same decision on the same text: nothing to record. The same decision on a newer version is
        # recorded, so the ledger shows which version each member agreed to or refused (L2).
        same = latest is not None and latest["granted"] == granted
        if same and (version is None or latest["version_id"] == version.pk):
            return None
        # A first decision that is a refusal is recorded too, so the product asks at most once per
        # version (L2).
        return ConsentEntry.objects.create(
            member_id=member_id,
            member_ref=member_id,
            purpose=purpose,
            granted=granted,
            channel=channel,
            actor=actor,
            version=version,
        )


def consent_grant(
    *, member, purpose: str, channel: str, actor=None, version: PolicyVersion | None = None
) -> ConsentEntry | None:
    """Append a grant. Returns the new entry, or None when the member had already granted it (same
    version). Without a version, the current published version of the purpose's document is used."""
    if version is None:
        version = policy_version_current(kind=PURPOSE_DOCUMENT[_check_purpose(purpose)])
    return _record(
        member=member, purpose=purpose, granted=True, channel=channel, actor=actor, version=version
    )


def consent_withdraw(
    *, member, purpose: str, channel: str, actor=None, version: PolicyVersion | None = None
) -> ConsentEntry | None:
    """Append a withdrawal (or a refusal when nothing was granted before). Takes effect at once (L4).
    Returns None when the latest decision is already a refusal."""
    if version is None:
        version = policy_version_current(kind=PURPOSE_DOCUMENT[_check_purpose(purpose)])
    return _record(
        member=member, purpose=purpose, granted=False, channel=channel, actor=actor, version=version
    )


# What each purpose means, shown beside its switch on the privacy page.
PURPOSE_HELP = {
    ConsentPurpose.TERMS: _("Needed to have an account. To withdraw it, delete your account."),
    ConsentPurpose.MARKETING: _("Occasional news about the community and its events, at most once a week."),
    ConsentPurpose.PUBLIC_PROFILE: _("People who are not signed in can see your profile page."),
    ConsentPurpose.RECOMMENDATIONS: _(
        "Suggestions chosen from what you read and join. Off: the same for everyone."
    ),
    ConsentPurpose.SHARE_ATTENDEES: _(
        "An event's outside organiser may receive your name when you reply to it."
    ),
}


def consent_needs_asking(*, member, purpose: str) -> bool:
    """LEGAL L2 (NDSR 22): ask when the member never decided, or when the text behind the purpose has
    a newer published version than the one they decided on. After a refusal of the current version,
    do not ask again until the next one. Two queries."""
    current = policy_version_current(kind=PURPOSE_DOCUMENT[_check_purpose(purpose)])
    latest = _latest(_member_id(member), purpose).values("version_id").first()
    if latest is None:
        return True
    return current is not None and latest["version_id"] != current.pk
