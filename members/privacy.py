"""What members holds about people, registered with privacy (called from MembersConfig.ready()).

privacy imports no other app; members tells it what it keeps, why, for how long and how to expire it.
"""

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


def _purge_unverified_signups(cutoff) -> int:
    # One implementation of the rule: members' own service (also behind members.purge_unverified_signups).
    from members.services import member_purge_unverified_signups

    return member_purge_unverified_signups(joined_before=cutoff)


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
    )
    register_personal_data(
        app_label="members",
        model="Mute",
        fields=["muter", "muted", "created_at"],
        category="deleted_accounts",
        purpose=_("Hiding members you muted"),
        export=export_member,
    )
    register_personal_data(
        app_label="members",
        model="ActiveDay",
        fields=["member", "day"],
        category="deleted_accounts",
        purpose=_("Counting the days you were active, to raise your trust level"),
        export=export_member,
    )
    register_personal_data(
        app_label="members",
        model="GuardianConsent",
        fields=["member", "guardian_email", "requested_at", "confirmed_at", "refused_at"],
        category="deleted_accounts",
        purpose=_("Asking a guardian to consent for a member under the age of consent"),
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
