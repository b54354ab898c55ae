from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import get_supported_language_variant

from members.models import Member


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


def member_update_preferences(*, member: Member, display_name: str, language: str, timezone: str) -> Member:
    member.display_name = display_name
    member.language = language_supported(language)
    member.timezone = timezone
    member.save(update_fields=["display_name", "language", "timezone"])
    return member


def member_purge_unverified_signups(*, joined_before: datetime, batch_size: int = 500) -> int:
    """Delete accounts that never verified an email address and signed up before the cutoff.

    LEGAL L11: unverified signups are kept 7 days. Staff accounts are never touched. Works in bounded
    batches, each its own short transaction, so a large backlog never holds locks for long.
    """
    verified = EmailAddress.objects.filter(user_id=OuterRef("pk"), verified=True)
    stale = (
        Member.objects.filter(date_joined__lt=joined_before, is_staff=False, is_superuser=False)
        .exclude(Exists(verified))
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
            deleted += len(ids)
