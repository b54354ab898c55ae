import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone as django_timezone
from django.utils.translation import get_supported_language_variant

from members.avatars import avatar_prepare
from members.exceptions import CannotBlockSelf, CannotMuteSelf
from members.models import (
    EMAIL_CAP_MAX,
    EMAIL_CAP_MIN,
    Block,
    EmailMode,
    GuardianConsent,
    Member,
    Mute,
    ProfileVisibility,
)
from privacy.models import AccountClosure

# how long a guardian's consent link works (members/guardian.py), and so how long a minor's unverified
# account waits for the answer
GUARDIAN_WAIT = timedelta(days=14)

EMAIL_SWITCHES = (
    "email_replies",
    "email_mentions",
    "email_new_posts",
    "email_event_reminders",
    "email_announcements",
    "reminder_in_quiet_hours",
)

logger = logging.getLogger(__name__)


def language_supported(code: str) -> str:
    """The closest of our languages to `code` (zh-cn → zh-hans), or the default."""
    try:
        return get_supported_language_variant(code or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def member_set_language(*, member: Member, language: str) -> bool:
    """Remember a member's language. Returns False when it was already set."""
    language = language_supported(language)
    if member.language == language:
        return False
    member.language = language
    member.save(update_fields=["language"])
    return True


def member_update_preferences(
    *,
    member: Member,
    display_name: str,
    language: str,
    timezone: str,
    bio: str | None = None,
    profile_visibility: str | None = None,
    avatar: UploadedFile | None = None,
    remove_avatar: bool = False,
    email_mode: str | None = None,
    email_daily_cap: int | None = None,
    quiet_hours_start: time | None = None,
    quiet_hours_end: time | None = None,
    email_replies: bool | None = None,
    email_mentions: bool | None = None,
    email_new_posts: bool | None = None,
    email_event_reminders: bool | None = None,
    email_announcements: bool | None = None,
    reminder_in_quiet_hours: bool | None = None,
) -> Member:
    """Save the preferences and profile. A new avatar is checked and converted first, so a rejected
    picture (AvatarRejected) changes nothing at all. Fields left as None keep their value.

    The email settings (the member's attention budget) are always written from `member` too: the
    preferences form has already put the submitted values there, and for any other caller they are
    the stored values."""
    # checked before anything changes (the form refuses these beside the field first)
    if email_daily_cap is not None and not EMAIL_CAP_MIN <= email_daily_cap <= EMAIL_CAP_MAX:
        raise ValueError(f"email_daily_cap must be from {EMAIL_CAP_MIN} to {EMAIL_CAP_MAX}")
    mode = EmailMode(email_mode) if email_mode is not None else None
    avatar_webp = avatar_prepare(upload=avatar) if avatar else None
    fields = ["display_name", "language", "timezone"]
    if mode is not None:
        member.email_mode = mode
    if email_daily_cap is not None:
        member.email_daily_cap = email_daily_cap
    if quiet_hours_start is not None:
        member.quiet_hours_start = quiet_hours_start
    if quiet_hours_end is not None:
        member.quiet_hours_end = quiet_hours_end
    switches = {
        "email_replies": email_replies,
        "email_mentions": email_mentions,
        "email_new_posts": email_new_posts,
        "email_event_reminders": email_event_reminders,
        "email_announcements": email_announcements,
        "reminder_in_quiet_hours": reminder_in_quiet_hours,
    }
    for name, value in switches.items():
        if value is not None:
            setattr(member, name, bool(value))
    fields += ["email_mode", "email_daily_cap", "quiet_hours_start", "quiet_hours_end", *EMAIL_SWITCHES]
    member.display_name = display_name
    member.language = language_supported(language)
    member.timezone = timezone
    if bio is not None:
        member.bio = bio.strip()
        fields.append("bio")
    if profile_visibility is not None:
        member.profile_visibility = ProfileVisibility(profile_visibility)
        fields.append("profile_visibility")
    old_avatar = member.avatar.name if member.avatar else ""
    with transaction.atomic():
        if avatar_webp is not None:
            # avatar_path() names the file; the uploaded name never reaches the storage.
            member.avatar.save("avatar.webp", ContentFile(avatar_webp), save=False)
            fields.append("avatar")
        elif remove_avatar and old_avatar:
            member.avatar = ""
            fields.append("avatar")
        member.save(update_fields=fields)
        if "avatar" in fields and old_avatar:
            # The old picture is personal data: remove it once the new state is committed.
            storage = member.avatar.storage
            transaction.on_commit(lambda: storage.delete(old_avatar))
    return member


def member_block(*, blocker: Member, blocked: Member) -> bool:
    """`blocker` blocks `blocked`. Returns False when already blocked. Blocking does not mute (they
    are independent: unblocking later must not silently unmute)."""
    if blocker.pk == blocked.pk:
        raise CannotBlockSelf()
    _, created = Block.objects.get_or_create(blocker_id=blocker.pk, blocked_id=blocked.pk)
    if created:
        logger.info("members.block.created blocker=%s blocked=%s", blocker.pk, blocked.pk)
    return created


def member_unblock(*, blocker: Member, blocked: Member) -> bool:
    deleted, _ = Block.objects.filter(blocker_id=blocker.pk, blocked_id=blocked.pk).delete()
    if deleted:
        logger.info("members.block.removed blocker=%s blocked=%s", blocker.pk, blocked.pk)
    return bool(deleted)


def member_mute(*, muter: Member, muted: Member) -> bool:
    """`muter` mutes `muted`. Returns False when already muted."""
    if muter.pk == muted.pk:
        raise CannotMuteSelf()
    _, created = Mute.objects.get_or_create(muter_id=muter.pk, muted_id=muted.pk)
    return created


def member_unmute(*, muter: Member, muted: Member) -> bool:
    deleted, _ = Mute.objects.filter(muter_id=muter.pk, muted_id=muted.pk).delete()
    return bool(deleted)


def member_purge_unverified_signups(
    *, joined_before: datetime, batch_size: int = 500, on_batch: Callable[[int], None] | None = None
) -> int:
    """Delete accounts that never verified an email address and signed up before the cutoff.

    LEGAL L11: unverified signups are kept 7 days. Staff accounts are never touched. Works in bounded
    batches, each its own short transaction, so a large backlog never holds locks for long. on_batch(n)
    is called inside each batch's transaction with the accounts it deleted (the retention engine adds
    it to its run's proof there, so a run killed midway counts exactly what is gone).
    """
    verified = EmailAddress.objects.filter(user_id=OuterRef("pk"), verified=True)
    # a minor's account waits for their guardian's answer as long as the guardian's link works (L5)
    guardian_pending = GuardianConsent.objects.filter(
        member_id=OuterRef("pk"),
        confirmed_at__isnull=True,
        refused_at__isnull=True,
        requested_at__gte=django_timezone.now() - GUARDIAN_WAIT,
    )
    stale = (
        Member.objects.filter(date_joined__lt=joined_before, is_staff=False, is_superuser=False)
        .exclude(Exists(verified))
        .exclude(Exists(guardian_pending))
        # a deleted account's emptied row stays as the author of what it wrote (privacy/deletion.py)
        .exclude(pk__in=AccountClosure.objects.values("member_ref"))
        .order_by("pk")
    )
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(stale.values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            EmailAddress.objects.filter(user_id__in=ids).delete()
            Member.objects.filter(pk__in=ids).delete()
            if on_batch is not None:
                on_batch(len(ids))
            deleted += len(ids)
