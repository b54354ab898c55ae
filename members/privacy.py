"""What members holds about people, registered with privacy (called from MembersConfig.ready()).

privacy imports no other app; members tells it what it keeps, why, for how long and how to expire it.
"""

from django.utils.translation import gettext_lazy as _

from privacy.registry import register_personal_data, register_retention_handler


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
        ],
        category="deleted_accounts",
        purpose=_("Running your account and showing your profile"),
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
    )
    register_personal_data(
        app_label="members",
        model="Mute",
        fields=["muter", "muted", "created_at"],
        category="deleted_accounts",
        purpose=_("Hiding members you muted"),
    )
    register_personal_data(
        app_label="members",
        model="ActiveDay",
        fields=["member", "day"],
        category="deleted_accounts",
        purpose=_("Counting the days you were active, to raise your trust level"),
    )
    register_retention_handler(
        category="unverified_signups", name="members.unverified_signups", purge=_purge_unverified_signups
    )
