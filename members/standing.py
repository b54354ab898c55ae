"""Account standing (LEGAL L20): a posting limit, a suspension, a ban, and the salted hashes that keep a
banned address from registering again. Moderation decides; these services change the account and
content asks the selectors before anything is written.

- posting limited: reads, reacts and RSVPs, but writes no posts, comments or events;
- suspended: signs in and reads, nothing else;
- banned: cannot sign in at all (is_active is False), and the addresses of the account are kept only as
  salted HMACs (L11: "ban identifiers, never the email"), so they cannot sign up again.

The selectors read the fields on the member row only, so asking on every page costs no query.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework.authtoken.models import Token

from members.models import BannedEmail, Member

logger = logging.getLogger(__name__)

# What member_lift can lift; moderation's ActionKind uses the same values.
LIMIT = "limit"
SUSPEND = "suspend"
BAN = "ban"
LIFTABLE = (LIMIT, SUSPEND, BAN)

BAN_KEY_SALT = "members.ban"


# --- selectors ------------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def member_suspended_until(*, member: Member, now: datetime | None = None) -> datetime | None:
    """The end of the member's suspension, or None when they are not suspended now."""
    until = getattr(member, "suspended_until", None)
    return until if until is not None and until > _now(now) else None


def member_posting_limited_until(*, member: Member, now: datetime | None = None) -> datetime | None:
    until = getattr(member, "posting_limited_until", None)
    return until if until is not None and until > _now(now) else None


def member_is_suspended(*, member: Member, now: datetime | None = None) -> bool:
    return member_suspended_until(member=member, now=now) is not None


def member_is_posting_limited(*, member: Member, now: datetime | None = None) -> bool:
    return member_posting_limited_until(member=member, now=now) is not None


def member_is_banned(*, member: Member) -> bool:
    return getattr(member, "banned_at", None) is not None


def member_can_post(*, member: Member, now: datetime | None = None) -> bool:
    """Posts, comments and events: neither suspended nor posting-limited."""
    return not member_is_suspended(member=member, now=now) and not member_is_posting_limited(
        member=member, now=now
    )


def member_can_participate(*, member: Member, now: datetime | None = None) -> bool:
    """Reactions and RSVPs: anything but suspended."""
    return not member_is_suspended(member=member, now=now)


@dataclass(frozen=True)
class Standing:
    """What the member's own banner says: "suspended" or "limited", and until when."""

    kind: str
    until: datetime


def member_standing(*, member: Member, now: datetime | None = None) -> Standing | None:
    """The restriction to show the member about their own account, the stronger one first."""
    until = member_suspended_until(member=member, now=now)
    if until is not None:
        return Standing(kind=SUSPEND, until=until)
    until = member_posting_limited_until(member=member, now=now)
    if until is not None:
        return Standing(kind=LIMIT, until=until)
    return None


# --- ban hashes -----------------------------------------------------------------------------------


def email_ban_hash(email: str, *, secret: str | None = None) -> str:
    """HMAC-SHA256 of the lower-cased, stripped address, keyed from SECRET_KEY: the same address always
    gives the same hash, and the hash cannot be turned back into the address without the key."""
    normalised = (email or "").strip().lower()
    return salted_hmac(BAN_KEY_SALT, normalised, secret=secret, algorithm="sha256").hexdigest()


def _hashes_of(email: str) -> list[str]:
    # A rotated SECRET_KEY moves to SECRET_KEY_FALLBACKS: hashes made with the old key still count.
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [email_ban_hash(email, secret=secret) for secret in secrets]


def email_is_banned(email: str, *, now: datetime | None = None) -> bool:
    """Whether this address belongs to a ban that still lasts."""
    if not (email or "").strip():
        return False
    return BannedEmail.objects.filter(email_hash__in=_hashes_of(email)).exclude(until__lte=_now(now)).exists()


def _member_addresses(member: Member) -> set[str]:
    """The account's primary address and every address allauth knows for it, normalised."""
    addresses = {member.email.strip().lower()} if member.email else set()
    addresses |= {
        address.strip().lower()
        for address in EmailAddress.objects.filter(user_id=member.pk).values_list("email", flat=True)
    }
    return addresses


# --- services -------------------------------------------------------------------------------------


def _check_until(until: datetime) -> None:
    if timezone.is_naive(until):
        raise ValueError("`until` must be timezone-aware.")
    if until <= timezone.now():
        raise ValueError("`until` must be in the future.")


def _set(member: Member, **fields: object) -> None:
    Member.objects.filter(pk=member.pk).update(**fields)
    for name, value in fields.items():
        setattr(member, name, value)


def member_limit_posting(*, member: Member, until: datetime, by: Member) -> bool:
    """No new posts, comments or events until `until`. A limit already lasting longer stays (a second,
    shorter decision never shortens the first); returns False when nothing changed."""
    _check_until(until)
    with transaction.atomic():
        current = Member.objects.select_for_update().values_list("posting_limited_until", flat=True)
        current = current.get(pk=member.pk)
        if current is not None and current >= until:
            member.posting_limited_until = current
            return False
        _set(member, posting_limited_until=until)
    logger.info("members.standing.limited member=%s until=%s by=%s", member.pk, until.isoformat(), by.pk)
    return True


def member_suspend(*, member: Member, until: datetime, by: Member) -> bool:
    """Read-only until `until`: no posts, comments, events, reactions or RSVPs. Like the limit, a longer
    suspension already running stays; returns False when nothing changed."""
    _check_until(until)
    with transaction.atomic():
        current = Member.objects.select_for_update().values_list("suspended_until", flat=True)
        current = current.get(pk=member.pk)
        if current is not None and current >= until:
            member.suspended_until = current
            return False
        _set(member, suspended_until=until)
    logger.info("members.standing.suspended member=%s until=%s by=%s", member.pk, until.isoformat(), by.pk)
    return True


def member_ban(*, member: Member, by: Member) -> bool:
    """Close the account until the ban is lifted: is_active False (every open session fails the auth
    backend's is_active check at its next request, so it ends there), API tokens deleted, and each of
    the account's addresses kept only as a salted hash so it cannot sign up again. Returns False when
    the member was already banned."""
    now = timezone.now()
    with transaction.atomic():
        updated = Member.objects.filter(pk=member.pk, banned_at__isnull=True).update(
            banned_at=now, is_active=False
        )
        if not updated:
            return False
        member.banned_at, member.is_active = now, False
        Token.objects.filter(user_id=member.pk).delete()
        BannedEmail.objects.bulk_create(
            [
                BannedEmail(email_hash=email_ban_hash(address), banned_at=now)
                for address in _member_addresses(member)
            ],
            ignore_conflicts=True,  # the address of an earlier ban (a second account) is already there
        )
    logger.info("members.standing.banned member=%s by=%s", member.pk, by.pk)
    return True


def member_lift(*, member: Member, what: str, by: Member) -> bool:
    """End a posting limit, a suspension or a ban now (an appeal upheld, a mistake). Lifting a ban opens
    the account again and forgets the hashes of its addresses. Returns False when nothing was in force."""
    if what not in LIFTABLE:
        raise ValueError(f"cannot lift {what!r}")
    with transaction.atomic():
        if what == LIMIT:
            updated = Member.objects.filter(pk=member.pk, posting_limited_until__isnull=False).update(
                posting_limited_until=None
            )
            if updated:
                member.posting_limited_until = None
        elif what == SUSPEND:
            updated = Member.objects.filter(pk=member.pk, suspended_until__isnull=False).update(
                suspended_until=None
            )
            if updated:
                member.suspended_until = None
        else:
            updated = Member.objects.filter(pk=member.pk, banned_at__isnull=False).update(
                banned_at=None, is_active=True
            )
            if updated:
                member.banned_at, member.is_active = None, True
                hashes = [h for address in _member_addresses(member) for h in _hashes_of(address)]
                BannedEmail.objects.filter(email_hash__in=hashes).delete()
    if updated:
        logger.info("members.standing.lifted member=%s what=%s by=%s", member.pk, what, by.pk)
    return bool(updated)
