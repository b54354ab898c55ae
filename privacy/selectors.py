"""Privacy's reads: published policy versions and the privacy notice generated from the registry."""

import copy
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Case, CharField, OuterRef, QuerySet, Subquery, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from privacy.consents import (
    PENDING_CACHE_ATTR,
    PURPOSE_DOCUMENT,
    PURPOSE_HELP,
    RECONSENT_CURRENT_KEY,
    REQUIRED_PURPOSES,
    consent_latest_entries,
    purpose_closed_to,
    reconsent_member_key,
)
from privacy.models import (
    ConsentEntry,
    ConsentPurpose,
    PolicyKind,
    PolicyVersion,
    RetentionAction,
    RetentionCategory,
    RetentionStart,
)
from privacy.registry import CATEGORY_LABELS, personal_data

logger = logging.getLogger(__name__)


def policy_versions_published(*, kind: str) -> QuerySet[PolicyVersion]:
    """Newest first, without the bodies (the list needs labels, dates and hashes only)."""
    return (
        PolicyVersion.objects.filter(document__kind=kind, published_at__isnull=False)
        .defer("body_en", "body_zh")
        .order_by("-published_at", "-id")
    )


def policy_version_get(*, kind: str, label: str | None = None) -> PolicyVersion | None:
    """A published version by label, or the latest published one."""
    versions = PolicyVersion.objects.filter(document__kind=kind, published_at__isnull=False)
    if label is not None:
        return versions.filter(label=label).first()
    return versions.order_by("-published_at", "-id").first()


def category_label(category: RetentionCategory) -> str:
    if category.label == CATEGORY_LABELS.get(category.key):
        return _(category.label)
    return category.label


def field_label(model, name: str) -> str | None:
    """A field's translated verbose name, or None when the model gave it none (a bare column name
    such as "body fingerprint" would mean nothing to a reader, and could not be translated)."""
    field = model._meta.get_field(name)
    if field.verbose_name == name.replace("_", " "):
        return None
    return str(field.verbose_name)


def retention_keep_text(category: RetentionCategory) -> str:
    days = category.keep_days
    if days is None:
        return _("As long as the account or the ban lasts")
    if category.counted_from == RetentionStart.DELETED:
        return ngettext("%(days)d day after deletion", "%(days)d days after deletion", days) % {"days": days}
    if category.counted_from == RetentionStart.ACCOUNT_END:
        return ngettext(
            "While the account exists, then %(days)d day",
            "While the account exists, then %(days)d days",
            days,
        ) % {"days": days}
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


def retention_end_text(category: RetentionCategory) -> str:
    if category.action == RetentionAction.ANONYMIZE:
        return _("Anonymised: the text is removed, an empty record remains")
    return _("Deleted")


@dataclass
class NoticeRow:
    purpose: str
    data: list[str]
    category: str
    keep: str
    end: str


def privacy_notice_rows() -> list[NoticeRow]:
    """LEGAL L1: one row per (category, purpose) from the registry and the retention schedule, so the
    published table follows the code and the admin's keep-periods. One query."""
    categories = {c.key: c for c in RetentionCategory.objects.all()}
    rows: dict[tuple[str, str], NoticeRow] = {}
    for entry in personal_data():
        category = categories.get(entry.category)
        if category is None:
            continue
        purpose = str(entry.purpose)
        model = entry.model_class
        names = [label for label in (field_label(model, f) for f in entry.fields) if label]
        described = str(model._meta.verbose_name)
        if names:
            described = _("%(model)s: %(fields)s") % {"model": described, "fields": ", ".join(names)}
        row = rows.get((category.key, purpose))
        if row is None:
            row = rows[(category.key, purpose)] = NoticeRow(
                purpose=purpose,
                data=[],
                category=category_label(category),
                keep=retention_keep_text(category),
                end=retention_end_text(category),
            )
        if described not in row.data:
            row.data.append(described)
    return list(rows.values())


@dataclass
class ConsentState:
    purpose: str
    label: str
    help: str
    required: bool
    entry: ConsentEntry | None

    @property
    def granted(self) -> bool:
        return bool(self.entry and self.entry.granted)


def consent_states(*, member) -> list[ConsentState]:
    """Every purpose with the member's current decision (one query). A minor is not offered the
    profiling purposes at all (L5): they could not grant them."""
    current = consent_latest_entries(member=member)
    return [
        consent_state(purpose=p, entry=current.get(p.value))
        for p in ConsentPurpose
        if not purpose_closed_to(member, p)
    ]


def consent_state(*, purpose: str, entry) -> ConsentState:
    purpose = ConsentPurpose(purpose)
    return ConsentState(
        purpose=purpose.value,
        label=str(purpose.label),
        help=str(PURPOSE_HELP[purpose]),
        required=purpose == ConsentPurpose.TERMS,
        entry=entry,
    )


@dataclass
class HeldCategory:
    label: str
    keep: str
    end: str
    purposes: list[str]


@dataclass(frozen=True)
class PendingConsent:
    """LEGAL L2: a required document whose current version the member has not accepted."""

    purpose: str
    kind: str
    version: PolicyVersion  # the current one, without its bodies
    accepted_label: str | None  # the version the member last accepted, if any

    @property
    def title(self) -> str:
        return str(PolicyKind(self.kind).label)


RECONSENT_CURRENT_SECONDS = 300  # how stale the current versions may be if a publication forgot to say
RECONSENT_MEMBER_SECONDS = 86400


def required_consents_pending(*, member) -> list[PendingConsent]:
    """The required documents (the terms) with a published version newer than the one the member
    accepted, or one they refused. Reading stays possible; posting waits until they accept (L2).

    At most one query per request, none for a visitor, and usually none at all: the answer is kept on
    the member object (so request.user answers the banner and the posting checks of one request
    together) and in the cache against the current versions of the required documents. Recording a
    decision forgets the member's answer; publishing a version makes every answer out of date.

    A member with no decision at all is not asked: every signup records one, so only accounts made
    outside signup (the admin, imports, tests) have none, and their terms are the operator's matter."""
    if not getattr(member, "is_authenticated", False):
        return []
    pending = getattr(member, PENDING_CACHE_ATTR, None)
    if pending is None:
        pending = _pending_cached(member.pk)
        if pending is None:
            return required_consents_refresh(member=member)
        setattr(member, PENDING_CACHE_ATTR, pending)
    return pending


def required_consents_refresh(*, member) -> list[PendingConsent]:
    """Ask the database (one query) and keep the answer. Also worth calling at sign-in, so that the
    first page on a new device costs nothing."""
    current, pending = _pending_query(member.pk)
    packed = [
        (p.purpose, p.kind, p.version.pk, p.version.label, p.version.published_at, p.accepted_label)
        for p in pending
    ]
    try:
        cache.set(RECONSENT_CURRENT_KEY, current, RECONSENT_CURRENT_SECONDS)
        cache.set(reconsent_member_key(member.pk), (current, packed), RECONSENT_MEMBER_SECONDS)
    except Exception:
        logger.warning("cache unavailable; the re-consent check asks the database", exc_info=True)
    setattr(member, PENDING_CACHE_ATTR, pending)
    return pending


def _pending_cached(member_id: int) -> list[PendingConsent] | None:
    """The kept answer, if it was computed against the versions that are current now."""
    key = reconsent_member_key(member_id)
    try:
        found = cache.get_many([RECONSENT_CURRENT_KEY, key])
    except Exception:
        logger.warning("cache unavailable; the re-consent check asks the database", exc_info=True)
        return None
    current, kept = found.get(RECONSENT_CURRENT_KEY), found.get(key)
    if current is None or kept is None or kept[0] != current:
        return None
    return [
        PendingConsent(
            purpose=purpose,
            kind=kind,
            version=PolicyVersion(pk=version_id, label=label, published_at=published_at),
            accepted_label=accepted_label,
        )
        for purpose, kind, version_id, label, published_at, accepted_label in kept[1]
    ]


def _pending_query(member_id: int) -> tuple[tuple[int, ...], list[PendingConsent]]:
    """One query: the newest version of each required document, with the member's latest decision on
    its purpose and the version they last accepted (correlated subqueries on consent_latest)."""
    purposes = {PURPOSE_DOCUMENT[p]: p for p in REQUIRED_PURPOSES}
    newest = PolicyVersion.objects.filter(
        document_id=OuterRef("document_id"), published_at__isnull=False
    ).order_by("-published_at", "-id")
    decisions = ConsentEntry.objects.filter(member_id=member_id, purpose=OuterRef("_purpose")).order_by(
        "-created_at", "-id"
    )
    accepted = decisions.filter(granted=True)
    rows = list(
        PolicyVersion.objects.filter(document__kind__in=list(purposes), pk=Subquery(newest.values("pk")[:1]))
        .annotate(
            _purpose=Case(
                *[When(document__kind=kind, then=Value(str(p))) for kind, p in purposes.items()],
                output_field=CharField(),
            )
        )
        .annotate(
            _granted=Subquery(decisions.values("granted")[:1]),
            _decided_version=Subquery(decisions.values("version_id")[:1]),
            _accepted_label=Subquery(accepted.values("version__label")[:1]),
        )
        .select_related("document")
        .defer("body_en", "body_zh")
        .order_by("document__kind")
    )
    pending = [
        PendingConsent(
            purpose=row._purpose, kind=row.document.kind, version=row, accepted_label=row._accepted_label
        )
        for row in rows
        if row._granted is not None and not (row._granted and row._decided_version == row.pk)
    ]
    return tuple(sorted(row.pk for row in rows)), pending


def privacy_categories_held() -> list[HeldCategory]:
    """The categories of data the platform keeps about members, from the registry (one query)."""
    categories = {c.key: c for c in RetentionCategory.objects.all()}
    held: dict[str, HeldCategory] = {}
    for entry in personal_data():
        category = categories.get(entry.category)
        if category is None:
            continue
        item = held.setdefault(
            category.key,
            HeldCategory(
                label=category_label(category),
                keep=retention_keep_text(category),
                end=retention_end_text(category),
                purposes=[],
            ),
        )
        if str(entry.purpose) not in item.purposes:
            item.purposes.append(str(entry.purpose))
    return list(held.values())


def deletion_kept_categories() -> list[HeldCategory]:
    """LEGAL L9: what outlives an account deletion because the law sets a floor for it, and for how long:
    a closed account's rows go when the floor passes (privacy/retention.py). One query."""
    kept = []
    for category in RetentionCategory.objects.filter(floor_days__gt=0).order_by("floor_days", "key"):
        at_floor = copy.copy(category)
        at_floor.keep_days = category.floor_days
        kept.append(
            HeldCategory(
                label=category_label(category),
                keep=retention_keep_text(at_floor),
                end=retention_end_text(category),
                purposes=[],
            )
        )
    return kept
