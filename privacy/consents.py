"""The consent ledger's services and selectors (LEGAL L2–L4).

Other apps ask `consent_is_granted(member, purpose)` at the moment they act (a delivery job checks at
send time, not when it was queued: L4, L15). Decisions are appended, never edited.
"""

import logging
from collections.abc import Iterable
from contextlib import suppress

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from privacy.models import ConsentChannel, ConsentEntry, ConsentPurpose, PolicyKind, PolicyVersion

logger = logging.getLogger(__name__)

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
REQUIRED_PURPOSES = [p for p in ConsentPurpose if p not in OPTIONAL_PURPOSES]

# LEGAL L5 (PIPL 28, 31; GDPR 8 and recital 38): a minor's data is never used for profiling, whatever
# they click. Privacy imports no other app, so it asks the member object (members.Member.is_minor).
PROFILING_PURPOSES = {ConsentPurpose.RECOMMENDATIONS}

# Where privacy.selectors.required_consents_pending keeps its answer: on the member object for one
# request, and in the cache for the next ones (the current versions of the required documents, and per
# member the answer computed against them). Every decision recorded here drops the member's answer.
PENDING_CACHE_ATTR = "_privacy_required_pending"
RECONSENT_CURRENT_KEY = "privacy:reconsent:current"


def reconsent_member_key(member_id: int) -> str:
    return f"privacy:reconsent:member:{member_id}"


def required_consents_forget(*, member_id: int) -> None:
    """The member decided: their next page asks the database again."""
    try:
        cache.delete(reconsent_member_key(member_id))
    except Exception:
        logger.warning("cache unavailable; the re-consent answer expires by itself", exc_info=True)


def required_consents_forget_all() -> None:
    """A version of a required document was published: every member's answer is out of date at once
    (privacy.services.policy_version_publish should call this; otherwise within five minutes)."""
    try:
        cache.delete(RECONSENT_CURRENT_KEY)
    except Exception:
        logger.warning("cache unavailable; the re-consent answers expire by themselves", exc_info=True)


def purpose_closed_to(member, purpose: str) -> bool:
    """True when this member may not consent to this purpose at all (a minor and profiling)."""
    return purpose in PROFILING_PURPOSES and bool(getattr(member, "is_minor", False))


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
    (consent_latest); no decision at all means no consent (L3: off by default). A minor never grants
    a profiling purpose (pass the member object, not an id, for that check)."""
    if purpose_closed_to(member, purpose):
        return False
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
    )
    if purpose in PROFILING_PURPOSES and _member_model_knows_minors():
        rows = rows.exclude(member__is_minor=True)  # L5, in the same query
    return set(rows.values_list("member_id", flat=True))


def _member_model_knows_minors() -> bool:
    return any(field.name == "is_minor" for field in get_user_model()._meta.get_fields())


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
    if not isinstance(member, int):
        with suppress(AttributeError):
            delattr(member, PENDING_CACHE_ATTR)  # works through request.user's lazy wrapper too
    # Now, so this request's next page sees it, and again after commit, in case a page in between
    # stored the answer from before this decision.
    required_consents_forget(member_id=member_id)
    if granted and purpose_closed_to(member, purpose):
        return None  # L5: nothing to record, and consent_is_granted says no anyway
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
        entry = ConsentEntry.objects.create(
            member_id=member_id,
            member_ref=member_id,
            purpose=purpose,
            granted=granted,
            channel=channel,
            actor=actor,
            version=version,
        )
        transaction.on_commit(lambda: required_consents_forget(member_id=member_id))
        return entry


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


class PolicyChanged(Exception):
    """A newer version was published after the member was shown the one they accept."""


def consent_accept_required(
    *, member, version_ids: Iterable[int], channel: str, actor=None
) -> list[ConsentEntry]:
    """LEGAL L2: the member accepts the current version of each required document they were shown
    (privacy.selectors.required_consents_pending). Idempotent: accepting twice appends nothing.

    Raises PolicyChanged, recording nothing, when a required document they have not accepted has a
    current version they were not shown, so that nobody agrees to a text they did not see."""
    shown = set(version_ids)
    entries = []
    with transaction.atomic():
        for purpose in REQUIRED_PURPOSES:
            current = policy_version_current(kind=PURPOSE_DOCUMENT[purpose])
            if current is None:
                continue
            if current.pk not in shown:
                latest = _latest(_member_id(member), purpose).values("granted", "version_id").first()
                if latest is not None and not (latest["granted"] and latest["version_id"] == current.pk):
                    raise PolicyChanged
                continue
            entry = consent_grant(
                member=member, purpose=purpose, channel=channel, actor=actor, version=current
            )
            if entry is not None:
                entries.append(entry)
    return entries


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
