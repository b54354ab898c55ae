"""The registry of personal data (LEGAL L11): every app declares what it holds, why, under which
retention category, and how to export, erase and expire it. Export, deletion and retention walk the
registrations, so no app can be forgotten; tests/privacy/test_registry.py fails when a model has a
personal-looking field that nobody registered.

Apps call these functions from their AppConfig.ready(). Registering the same thing twice is harmless.
"""

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_noop

# The L11 table's categories; the seed migration creates one RetentionCategory row for each key.
CATEGORIES = (
    "access_logs",
    "deleted_content_records",
    "moderation_records",
    "consent_ledger",
    "request_cases",
    "staff_access_logs",
    "delivery_records",
    "export_archives",
    "deleted_accounts",
    "unverified_signups",
    "ban_identifiers",
)

# The seeded labels (marked for translation); an operator's own wording in the admin is shown as written.
CATEGORY_LABELS = {
    "access_logs": gettext_noop("Access and security logs"),
    "deleted_content_records": gettext_noop("Records of deleted posts and comments"),
    "moderation_records": gettext_noop("Moderation actions and reports"),
    "consent_ledger": gettext_noop("Consent records"),
    "request_cases": gettext_noop("Data-subject requests"),
    "staff_access_logs": gettext_noop("Staff access to personal data"),
    "delivery_records": gettext_noop("Delivery records"),
    "export_archives": gettext_noop("Export archives"),
    "deleted_accounts": gettext_noop("Account and profile"),
    "unverified_signups": gettext_noop("Unverified signups"),
    "ban_identifiers": gettext_noop("Ban identifiers"),
}


class RegistryError(ValueError):
    pass


@dataclass(frozen=True)
class ExportSection:
    """One file of a member's export archive (LEGAL L7): the export contract.

    An export callable is `fn(*, member_id: int) -> Iterable[ExportSection]`, passed as `export=` to
    register_personal_data. Several registrations may share one callable; it is called once.

    - name: the file's stem inside the archive ("posts" -> posts.json, posts.csv); unique per archive.
    - rows: a zero-argument callable returning a fresh iterable of dicts, so the builder can stream it
      once per file (use .values(...).iterator(chunk_size=...) so memory stays flat). Values must be
      JSON-friendly (str, int, float, bool, None, datetime, date, time; the builder formats these).
    - columns: when given the section is tabular and is written as CSV too, with these headers.
    - description: what the file contains, for manifest.json.

    Other members appear only as member_pseudonym(id), never by id, name or email.
    """

    name: str
    rows: Callable[[], Iterable[dict]]
    columns: tuple[str, ...] = ()
    description: str | Promise = ""


# The erase contract (LEGAL L9): `fn(*, member_id: int) -> int`, passed as `erase=` to
# register_personal_data, called once per deleted account after its grace period (several registrations
# may share one callable; it is called once). It deletes or anonymises what its app holds about the
# member and returns the rows it changed. It runs inside the account's one transaction, with every
# other app's erase function (so nobody sees the account half erased), and must be idempotent. Data
# under a legal floor (access logs, records of deleted posts) is left alone: retention purges it when
# the floor passes.


def member_pseudonym(member_id: int | None) -> str | None:
    """A stable name for another member inside an export ("member-<hash>"), not reversible without
    the secret key, the same in every file of one archive."""
    if member_id is None:
        return None
    from django.conf import settings

    digest = hmac.new(settings.SECRET_KEY.encode(), f"export-member:{member_id}".encode(), hashlib.sha256)
    return f"member-{digest.hexdigest()[:12]}"


@dataclass(frozen=True)
class PersonalData:
    app_label: str
    model: str
    fields: tuple[str, ...]
    category: str
    purpose: str | Promise
    export: Callable[..., Iterable[ExportSection]] | None = None
    erase: Callable[..., Any] | None = None

    @property
    def model_class(self):
        return apps.get_model(self.app_label, self.model)


@dataclass(frozen=True)
class NotPersonal:
    app_label: str
    model: str
    fields: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class RetentionHandler:
    """How one app expires its rows of a category.

    Either `expired(cutoff) -> QuerySet` (the engine deletes or anonymises the rows in batches of ids,
    skipping held rows; `anonymize(ids) -> int` is used when the category's action is "anonymize"),
    or `purge(cutoff) -> int`: the app's own service does the work (one implementation of a rule). A
    purge handler cannot skip single rows, so any active legal hold on its category pauses it whole.
    A purge that accepts `on_batch` gets a callable it must call as `on_batch(rows)` inside each
    batch's transaction; the engine adds it to the run's proof there, so a run killed midway proves
    exactly what is gone.
    """

    category: str
    name: str
    expired: Callable[[datetime], QuerySet] | None = None
    anonymize: Callable[[list[int]], int] | None = None
    purge: Callable[[datetime], int] | None = None
    member_field: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)


_personal: dict[tuple[str, str, tuple[str, ...]], PersonalData] = {}
_not_personal: dict[tuple[str, str, tuple[str, ...]], NotPersonal] = {}
_handlers: dict[tuple[str, str], RetentionHandler] = {}


def _check_category(category: str) -> None:
    if category not in CATEGORIES:
        raise RegistryError(f"unknown retention category {category!r}; one of {', '.join(CATEGORIES)}")


def _check_fields(app_label: str, model: str, fields: Iterable[str]) -> tuple[str, ...]:
    model_class = apps.get_model(app_label, model)
    names = tuple(fields)
    for name in names:
        model_class._meta.get_field(name)  # raises FieldDoesNotExist on a typo
    return names


def register_personal_data(
    *,
    app_label: str,
    model: str,
    fields: Iterable[str],
    category: str,
    purpose: str | Promise,
    export: Callable[..., Iterable[ExportSection]] | None = None,
    erase: Callable[..., Any] | None = None,
) -> PersonalData:
    _check_category(category)
    names = _check_fields(app_label, model, fields)
    entry = PersonalData(app_label, model, names, category, purpose, export, erase)
    _personal[(app_label, model.lower(), names)] = entry
    return entry


def register_not_personal(*, app_label: str, model: str, fields: Iterable[str], reason: str) -> None:
    """For fields whose names look personal but are not (a space's name, a policy's body)."""
    names = _check_fields(app_label, model, fields)
    _not_personal[(app_label, model.lower(), names)] = NotPersonal(app_label, model, names, reason)


def register_retention_handler(
    *,
    category: str,
    name: str,
    expired: Callable[[datetime], QuerySet] | None = None,
    anonymize: Callable[[list[int]], int] | None = None,
    purge: Callable[[datetime], int] | None = None,
    member_field: str | None = None,
) -> RetentionHandler:
    _check_category(category)
    if (expired is None) == (purge is None):
        raise RegistryError("a retention handler needs exactly one of expired= or purge=")
    handler = RetentionHandler(category, name, expired, anonymize, purge, member_field)
    _handlers[(category, name)] = handler
    return handler


def personal_data() -> list[PersonalData]:
    return sorted(_personal.values(), key=lambda p: (p.category, p.app_label, p.model.lower(), p.fields))


def registered_fields() -> set[tuple[str, str, str]]:
    """(app_label, model_name_lower, field) for every field declared personal or not personal."""
    seen = set()
    for (app_label, model, names), _entry in [*_personal.items(), *_not_personal.items()]:
        seen.update((app_label, model, name) for name in names)
    return seen


def retention_handlers(category: str) -> list[RetentionHandler]:
    return [h for (c, _n), h in sorted(_handlers.items()) if c == category]


def export_sources() -> list[tuple[Callable[..., Iterable[ExportSection]], list[PersonalData]]]:
    """Each distinct export callable once, with the registrations it answers for (for the manifest)."""
    sources: dict[int, tuple[Callable, list[PersonalData]]] = {}
    for entry in personal_data():
        if entry.export is not None:
            sources.setdefault(id(entry.export), (entry.export, []))[1].append(entry)
    return sorted(sources.values(), key=lambda s: (s[1][0].app_label, s[1][0].model.lower()))


def erase_sources() -> list[tuple[Callable[..., Any], list[PersonalData]]]:
    """Each distinct erase callable once, in the order an account deletion runs them: apps that depend
    on others first (the reverse of INSTALLED_APPS, which follows the dependency order privacy <-
    members <- content <- moderation), so content can still read the member's name to replace their
    mentions before members blanks it."""
    order = {config.label: index for index, config in enumerate(apps.get_app_configs())}
    sources: dict[int, tuple[Callable, list[PersonalData]]] = {}
    for entry in personal_data():
        if entry.erase is not None:
            sources.setdefault(id(entry.erase), (entry.erase, []))[1].append(entry)

    def rank(source):
        entries = source[1]
        return (
            -max(order.get(e.app_label, -1) for e in entries),
            entries[0].app_label,
            entries[0].model.lower(),
        )

    return sorted(sources.values(), key=rank)
