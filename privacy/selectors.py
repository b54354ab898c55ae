"""Privacy's reads: published policy versions and the privacy notice generated from the registry."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from privacy.consents import PURPOSE_HELP, consent_latest_entries
from privacy.models import ConsentEntry, ConsentPurpose, PolicyVersion, RetentionAction, RetentionCategory
from privacy.registry import personal_data


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


def retention_keep_text(category: RetentionCategory) -> str:
    if category.keep_days is None:
        return _("As long as the account or the ban lasts")
    return ngettext("%(days)d day", "%(days)d days", category.keep_days) % {"days": category.keep_days}


def retention_end_text(category: RetentionCategory) -> str:
    if category.action == RetentionAction.ANONYMIZE:
        return _("Anonymised: the text and the link to you are removed")
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
        names = [str(model._meta.get_field(f).verbose_name) for f in entry.fields]
        described = _("%(model)s: %(fields)s") % {
            "model": model._meta.verbose_name,
            "fields": ", ".join(names),
        }
        row = rows.get((category.key, purpose))
        if row is None:
            row = rows[(category.key, purpose)] = NoticeRow(
                purpose=purpose,
                data=[],
                category=category.label,
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
    """Every purpose with the member's current decision (one query)."""
    current = consent_latest_entries(member=member)
    return [consent_state(purpose=p, entry=current.get(p.value)) for p in ConsentPurpose]


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
                label=category.label,
                keep=retention_keep_text(category),
                end=retention_end_text(category),
                purposes=[],
            ),
        )
        if str(entry.purpose) not in item.purposes:
            item.purposes.append(str(entry.purpose))
    return list(held.values())
