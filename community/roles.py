"""Staff roles, kept in code: each role is a Django group whose permissions are set from this table.

`roles_sync()` runs after every `migrate` (a post_migrate receiver: permissions exist only once the
tables do) and from `manage.py sync_roles`. It is idempotent: a group's permissions are set to exactly
what the table says, so a permission added by hand in the admin is taken away again on the next sync.

- operator: everything (every permission of every app).
- moderator: the /moderation/ pages (moderation asks for membership of the `moderator` group, see
  members.selectors.member_is_moderator); in the admin only the watched words and drafts of the
  community rules (privacy's PolicyVersionAdmin shows them only the community-rules document).
- privacy officer: data requests, exports and deletions, the retention schedule and its runs, legal
  holds, the breach register, the consent ledger and the staff access log (those two read-only), and
  members' personal data (each member page opened is logged, LEGAL L23).

A role's member also needs `is_staff` to enter the admin: role_grant() sets both.
"""

import logging
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q

from members.models import Member
from privacy.masking import PERSONAL_DATA_PERMISSION

logger = logging.getLogger(__name__)

OPERATOR = "operator"
MODERATOR = "moderator"
PRIVACY_OFFICER = "privacy officer"

# Permissions no model declares (a migration would be needed for Meta.permissions): created here, on
# the content type named. (app label, model, codename, name)
EXTRA_PERMISSIONS = [
    (
        "privacy",
        "staffaccess",
        PERSONAL_DATA_PERMISSION.split(".")[1],
        "Can see members' email addresses and IP addresses",
    ),
    ("privacy", "policyversion", "publish_policyversion", "Can publish a policy version"),
]

ALL = "__all__"


def _view(*models: str) -> list[str]:
    return [f"{app}.view_{model}" for app, model in (m.split(".") for m in models)]


def _manage(*models: str, delete: bool = False) -> list[str]:
    verbs = ("view", "add", "change", "delete") if delete else ("view", "add", "change")
    return [f"{app}.{verb}_{model}" for app, model in (m.split(".") for m in models) for verb in verbs]


ROLES: dict[str, object] = {
    OPERATOR: ALL,
    MODERATOR: [
        # watched words (moderation's automatic rules); skipped while that model does not exist
        *_manage("moderation.watchedword", delete=True),
        # drafts of the community rules: PolicyVersionAdmin narrows these to that one document, and
        # publishing needs privacy.publish_policyversion, which moderators do not have
        *_view("privacy.policydocument"),
        *_manage("privacy.policyversion"),
    ],
    PRIVACY_OFFICER: [
        # requests (L7–L10): answered here; exports started from a request; deletions are proof only
        *_view("privacy.datarequest"),
        "privacy.change_datarequest",
        *_view("privacy.exportarchive", "privacy.deletionrequest", "privacy.accountclosure"),
        # retention (L11, L12): the schedule can be changed (never below its floor), the runs only read
        *_view("privacy.retentioncategory"),
        "privacy.change_retentioncategory",
        *_view("privacy.retentionrun"),
        *_manage("privacy.legalhold"),
        # the breach register (L25)
        *_manage("privacy.breach"),
        # append-only ledgers, read-only for everyone
        *_view("privacy.consententry", "privacy.staffaccess"),
        # finding the member a request is about; the member page is read-only and each look is logged
        *_view("members.member"),
        PERSONAL_DATA_PERMISSION,
    ],
}

STAFF_ROLES = (OPERATOR, MODERATOR, PRIVACY_OFFICER)


@dataclass(frozen=True)
class SyncResult:
    groups_created: int
    permissions_missing: tuple[str, ...]


def _ensure_permissions(*, using: str) -> None:
    # post_migrate reaches the apps one by one, in INSTALLED_APPS order; some come after community
    # (rest_framework.authtoken), so their permissions may not exist yet. Both calls are idempotent.
    for app_config in global_apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0, using=using, apps=global_apps)
        create_permissions(app_config, verbosity=0, using=using, apps=global_apps)
    for app_label, model, codename, name in EXTRA_PERMISSIONS:
        content_type = ContentType.objects.db_manager(using).get_by_natural_key(app_label, model)
        Permission.objects.db_manager(using).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )


def _permissions_for(spec: object, *, using: str) -> tuple[list[Permission], list[str]]:
    if spec == ALL:
        return list(Permission.objects.using(using).all()), []
    wanted = list(spec)  # type: ignore[call-overload]
    match = Q()
    for name in wanted:
        app_label, codename = name.split(".")
        match |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.using(using).filter(match).select_related("content_type"))
    names = {f"{p.content_type.app_label}.{p.codename}" for p in found}
    return found, [name for name in wanted if name not in names]


def roles_sync(*, using: str = DEFAULT_DB_ALIAS) -> SyncResult:
    """Create the role groups and set each one's permissions to exactly the table's. Idempotent."""
    with transaction.atomic(using=using):
        _ensure_permissions(using=using)
        created = 0
        missing: list[str] = []
        for role, spec in ROLES.items():
            group, was_created = Group.objects.using(using).get_or_create(name=role)
            created += was_created
            permissions, not_found = _permissions_for(spec, using=using)
            group.permissions.set(permissions)
            missing += not_found
    if missing:
        # A model named in the table does not exist (yet): the rest of the role is still right.
        logger.info("community.roles: permissions not found, skipped: %s", ", ".join(missing))
    return SyncResult(groups_created=created, permissions_missing=tuple(missing))


def roles_sync_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate receiver (connected in CommunityConfig.ready for the community app only)."""
    roles_sync(using=using)


# --- reading and granting roles ----------------------------------------------------------------------


def member_roles(*, member) -> set[str]:
    """The staff roles of a signed-in staff member. A superuser counts as an operator. Cached on the
    instance: a page asks more than once and roles do not change mid-request."""
    if not getattr(member, "is_authenticated", False) or not member.is_active or not member.is_staff:
        return set()
    if member.is_superuser:
        return {OPERATOR}  # every permission already: no other role adds anything
    cached = getattr(member, "_staff_roles", None)
    if cached is None:
        cached = set(member.groups.filter(name__in=STAFF_ROLES).values_list("name", flat=True))
        member._staff_roles = cached
    return set(cached)


def role_grant(*, member: Member, role: str) -> bool:
    """Give `member` a role: its group, and staff status so they can sign in to the admin. Returns
    False when they had it already."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    group, _ = Group.objects.get_or_create(name=role)
    had = member.groups.filter(pk=group.pk).exists()
    with transaction.atomic():
        member.groups.add(group)
        if not member.is_staff:
            Member.objects.filter(pk=member.pk).update(is_staff=True)
            member.is_staff = True
    member.__dict__.pop("_staff_roles", None)
    return not had


# --- the community health dashboard ------------------------------------------------------------------

# Which blocks of /admin/dashboard/ each role sees (community/dashboard/selectors.py SECTIONS).
DASHBOARD_ALL = ("participation", "welcome", "moderation", "delivery", "privacy")
DASHBOARD_SECTIONS = {
    OPERATOR: DASHBOARD_ALL,
    PRIVACY_OFFICER: DASHBOARD_ALL,
    MODERATOR: ("moderation",),
}


def dashboard_sections(*, member) -> tuple[str, ...]:
    """The dashboard blocks `member` may see, in page order; empty for anyone without a staff role."""
    roles = member_roles(member=member)
    allowed = {section for role in roles for section in DASHBOARD_SECTIONS.get(role, ())}
    return tuple(section for section in DASHBOARD_ALL if section in allowed)
