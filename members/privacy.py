"""What members holds about people, registered with privacy (called from MembersConfig.ready()).

privacy imports no other app; members tells it what it keeps, why, for how long and how to expire it.
"""

from django.conf import settings
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from privacy.registry import (
    ExportSection,
    member_pseudonym,
    register_personal_data,
    register_retention_handler,
)

CHUNK = 500

PROFILE_FIELDS = (
    "email",
    "display_name",
    "bio",
    "avatar",
    "language",
    "timezone",
    "profile_visibility",
    "trust_level",
    "date_joined",
    "last_login",
)
PREFERENCE_FIELDS = (
    "email_mode",
    "email_daily_cap",
    "quiet_hours_start",
    "quiet_hours_end",
    "email_replies",
    "email_mentions",
    "email_new_posts",
    "email_event_reminders",
    "email_announcements",
    "reminder_in_quiet_hours",
)


def export_member(*, member_id: int):
    """LEGAL L7: the profile, preferences, blocks and mutes the member made (others by pseudonym)."""
    from members.models import ActiveDay, Block, Member, Mute

    def profile():
        row = Member.objects.filter(pk=member_id).values(*PROFILE_FIELDS).first()
        if row is not None:
            yield row

    def preferences():
        row = Member.objects.filter(pk=member_id).values(*PREFERENCE_FIELDS).first()
        if row is not None:
            yield row

    def blocks():
        for row in (
            Block.objects.filter(blocker_id=member_id).order_by("pk").values("blocked_id", "created_at")
        ):
            yield {"blocked": member_pseudonym(row["blocked_id"]), "created_at": row["created_at"]}

    def mutes():
        for row in Mute.objects.filter(muter_id=member_id).order_by("pk").values("muted_id", "created_at"):
            yield {"muted": member_pseudonym(row["muted_id"]), "created_at": row["created_at"]}

    def active_days():
        days = ActiveDay.objects.filter(member_id=member_id).order_by("day").values("day")
        yield from days.iterator(chunk_size=CHUNK)

    yield ExportSection("profile", profile, PROFILE_FIELDS, _("Your account and profile"))
    yield ExportSection(
        "preferences", preferences, PREFERENCE_FIELDS, _("Your email and notification settings")
    )
    yield ExportSection("blocks", blocks, ("blocked", "created_at"), _("Members you blocked (by pseudonym)"))
    yield ExportSection("mutes", mutes, ("muted", "created_at"), _("Members you muted (by pseudonym)"))
    yield ExportSection("active_days", active_days, ("day",), _("The days you were active"))


def tombstone_email(member_id: int) -> str:
    """What a deleted account's email becomes: unique, not personal, never deliverable (.invalid is
    reserved by RFC 2606)."""
    return f"deleted-{member_id}@invalid"


def _delete_sessions(member_id: int) -> int:
    """Sign the member out everywhere. Sessions are found by decoding them (they hold the member id in
    their signed data); a deletion is rare, so one pass over the live sessions is affordable."""
    from importlib import import_module

    from django.conf import settings

    engine = import_module(settings.SESSION_ENGINE)
    store_class = engine.SessionStore
    if not hasattr(store_class, "get_model_class"):
        # Cookie or cache-only sessions cannot be listed; the unusable password ends them at the next
        # request (Django compares the session's password hash).
        return 0
    model = store_class.get_model_class()
    deleted = 0
    live = model.objects.filter(expire_date__gt=django_timezone.now()).order_by("pk")
    last_key = ""
    while True:
        rows = list(live.filter(pk__gt=last_key).values_list("session_key", "session_data")[:CHUNK])
        if not rows:
            return deleted
        last_key = rows[-1][0]
        for key, data in rows:
            if str(store_class().decode(data).get("_auth_user_id")) == str(member_id):
                store_class(session_key=key).delete()  # the cache copy too (cached_db)
                deleted += 1


def _delete_avatar_files(member_id: int, names: list[str]) -> None:
    from django.core.files.storage import default_storage

    folder = f"avatars/{member_id}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        files = []
    for name in {*names, *(f"{folder}/{f}" for f in files)}:
        if name:
            default_storage.delete(name)


def erase_member(*, member_id: int) -> int:
    """LEGAL L9: a deleted account becomes a tombstone. The row stays, because posts, comments, events
    and the moderation log point to it (their foreign keys protect it, and feeds keep working with the
    author shown as "Deleted member"); everything personal in it goes: email (a placeholder), name,
    bio, avatar file, language and time zone, the attention budget, groups and permissions; the password
    becomes unusable and the account inactive. Blocks and mutes either way, active days, the guardian's
    address, allauth's email addresses, API tokens and sessions are deleted. Idempotent."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import Q

    from members.models import (
        ActiveDay,
        Block,
        EmailMode,
        GuardianConsent,
        Member,
        Mute,
        ProfileVisibility,
        default_email_daily_cap,
        default_quiet_hours_end,
        default_quiet_hours_start,
    )

    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        return 0
    affected = 0
    affected += Block.objects.filter(Q(blocker_id=member_id) | Q(blocked_id=member_id)).delete()[0]
    affected += Mute.objects.filter(Q(muter_id=member_id) | Q(muted_id=member_id)).delete()[0]
    affected += ActiveDay.objects.filter(member_id=member_id).delete()[0]
    affected += GuardianConsent.objects.filter(member_id=member_id).delete()[0]
    affected += EmailAddress.objects.filter(user_id=member_id).delete()[0]
    # A verified placeholder address keeps the tombstone out of the unverified-signup purge, which
    # would otherwise try to delete a row that posts protect.
    placeholder = tombstone_email(member_id)
    EmailAddress.objects.create(user_id=member_id, email=placeholder, verified=True, primary=True)
    try:
        from rest_framework.authtoken.models import Token
    except ImportError:  # pragma: no cover - the API is optional
        Token = None
    if Token is not None:
        affected += Token.objects.filter(user_id=member_id).delete()[0]
    member.groups.clear()
    member.user_permissions.clear()
    avatar = member.avatar.name if member.avatar else ""
    affected += Member.objects.filter(pk=member_id).update(
        email=placeholder,
        display_name="",
        bio="",
        avatar="",
        password=make_password(None),
        last_login=None,
        is_active=False,
        is_staff=False,
        is_superuser=False,
        language=settings.LANGUAGE_CODE,
        timezone="UTC",
        profile_visibility=ProfileVisibility.MEMBERS,
        email_mode=EmailMode.OFF,
        email_daily_cap=default_email_daily_cap(),
        quiet_hours_start=default_quiet_hours_start(),
        quiet_hours_end=default_quiet_hours_end(),
        email_replies=False,
        email_mentions=False,
        email_new_posts=False,
        email_event_reminders=False,
        email_announcements=False,
        reminder_in_quiet_hours=False,
        is_minor=False,
    )
    affected += _delete_sessions(member_id)
    # Files go once the rows say so.
    transaction.on_commit(lambda: _delete_avatar_files(member_id, [avatar]))
    return affected


def _purge_unverified_signups(cutoff, *, on_batch=None) -> int:
    # One implementation of the rule: members' own service (also behind members.purge_unverified_signups).
    # on_batch: the retention engine counts each batch in its run's proof, in that batch's transaction.
    from members.services import member_purge_unverified_signups

    return member_purge_unverified_signups(joined_before=cutoff, on_batch=on_batch)


def register() -> None:
    register_personal_data(
        app_label="members",
        model="Member",
        fields=[
            "email",
            "password",
            "display_name",
            "bio",
            "avatar",
            "language",
            "timezone",
            "profile_visibility",
            "date_joined",
            "last_login",
            # the attention budget: how and how often the member wants email
            "email_mode",
            "email_daily_cap",
            "quiet_hours_start",
            "quiet_hours_end",
            "email_replies",
            "email_mentions",
            "email_new_posts",
            "email_event_reminders",
            "email_announcements",
            "reminder_in_quiet_hours",
            # standing and age: needed to run the account (L5, L20)
            "posting_limited_until",
            "suspended_until",
            "banned_at",
            "is_minor",
        ],
        category="deleted_accounts",
        purpose=_("Running your account and showing your profile"),
        export=export_member,
        erase=erase_member,
    )
    register_personal_data(
        app_label="members",
        model="Member",
        fields=["email", "date_joined"],
        category="unverified_signups",
        purpose=_("Confirming your email address when you sign up"),
    )
    register_personal_data(
        app_label="members",
        model="Block",
        fields=["blocker", "blocked", "created_at"],
        category="deleted_accounts",
        purpose=_("Keeping away members you blocked"),
        export=export_member,
        erase=erase_member,
    )
    register_personal_data(
        app_label="members",
        model="Mute",
        fields=["muter", "muted", "created_at"],
        category="deleted_accounts",
        purpose=_("Hiding members you muted"),
        export=export_member,
        erase=erase_member,
    )
    register_personal_data(
        app_label="members",
        model="ActiveDay",
        fields=["member", "day"],
        category="deleted_accounts",
        purpose=_("Counting the days you were active, to raise your trust level"),
        export=export_member,
        erase=erase_member,
    )
    register_personal_data(
        app_label="members",
        model="GuardianConsent",
        fields=["member", "guardian_email", "requested_at", "confirmed_at", "refused_at"],
        category="deleted_accounts",
        purpose=_("Asking a guardian to consent for a member under the age of consent"),
        erase=erase_member,
    )
    register_personal_data(
        app_label="members",
        model="BannedEmail",
        fields=["email_hash", "banned_at", "until"],
        category="ban_identifiers",
        purpose=_("Stopping a banned address from registering again"),
    )
    register_retention_handler(
        category="unverified_signups", name="members.unverified_signups", purge=_purge_unverified_signups
    )
