"""Account sanctions (LEGAL L20): limit posting, suspend, ban. Moderation decides and logs; the account is
changed only through members/standing.py, which members owns.

Sanctions reach the whole site, so only site moderators and operators impose them (a space moderator
acts on content in their space). Nobody sanctions their own account or a staff account, and only an
operator sanctions a site moderator.
"""

import zoneinfo
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from members import standing
from members.models import Member
from members.selectors import member_is_moderator, member_is_operator
from moderation.exceptions import DaysInvalid, NotAllowed, SanctionNotPossible
from moderation.models import ActionKind, ModerationAction

SANCTIONS = (ActionKind.LIMIT, ActionKind.SUSPEND, ActionKind.BAN)
TIMED = (ActionKind.LIMIT, ActionKind.SUSPEND)
DAYS_MIN, DAYS_MAX = 1, 365


def can_sanction(*, member: Member) -> bool:
    return member_is_moderator(member=member)


def sanction_check(*, by: Member, author: Member | None) -> Member:
    """The account a sanction would hit, if `by` may hit it; a clear refusal otherwise."""
    if not can_sanction(member=by):
        raise NotAllowed(_("Only site moderators can limit, suspend or ban an account."))
    if author is None:
        raise SanctionNotPossible(_("The author's account no longer exists."))
    if author.pk == by.pk:
        raise SanctionNotPossible(_("You cannot restrict your own account."))
    if author.banned_at is not None:
        raise SanctionNotPossible(_("This account is banned already."))
    if author.is_staff:
        raise SanctionNotPossible(_("Staff accounts cannot be restricted here."))
    if member_is_moderator(member=author) and not member_is_operator(member=by):
        raise SanctionNotPossible(_("Only an operator can restrict a site moderator's account."))
    return author


def days_check(days: object, *, maximum: int = DAYS_MAX) -> int:
    if days in (None, ""):
        raise DaysInvalid(_("Say for how many days: a number from 1 to %(max)d.") % {"max": maximum})
    try:
        number = int(days)
    except (TypeError, ValueError):
        number = 0
    if not DAYS_MIN <= number <= maximum:
        raise DaysInvalid(_("Choose a number of days from 1 to %(max)d.") % {"max": maximum})
    return number


def sanction_until(*, action: str, days: int | None, now: datetime) -> datetime | None:
    return now + timedelta(days=days) if action in TIMED and days else None


def sanction_apply(*, action: str, author: Member, until: datetime | None, by: Member) -> bool:
    """Change the account; False when it was already so (a longer limit or suspension stays)."""
    if action == ActionKind.LIMIT:
        return standing.member_limit_posting(member=author, until=until, by=by)
    if action == ActionKind.SUSPEND:
        return standing.member_suspend(member=author, until=until, by=by)
    if action == ActionKind.BAN:
        return standing.member_ban(member=author, by=by)
    raise ValueError(f"not a sanction: {action!r}")


def sanction_reverse(*, action: ModerationAction, by: Member) -> bool:
    """An appeal upheld: lift what this action imposed. A limit or suspension is lifted only while the
    one in force ends no later than this action's (a later, longer decision is not undone by this one);
    lifting a ban also forgets the hashes of the account's addresses."""
    author = Member.objects.filter(pk=action.target_author_id).first()
    if author is None:
        return False
    if action.action == ActionKind.LIMIT:
        current = author.posting_limited_until
        if current is None or (action.until is not None and current > action.until):
            return False
        return standing.member_lift(member=author, what=standing.LIMIT, by=by)
    if action.action == ActionKind.SUSPEND:
        current = author.suspended_until
        if current is None or (action.until is not None and current > action.until):
            return False
        return standing.member_lift(member=author, what=standing.SUSPEND, by=by)
    if action.action == ActionKind.BAN:
        return standing.member_lift(member=author, what=standing.BAN, by=by)
    return False


@contextmanager
def in_members_words(member: Member):
    """Language and time zone of the member a notice is written for."""
    try:
        zone = zoneinfo.ZoneInfo(member.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    with translation.override(member.language), timezone.override(zone):
        yield


def when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def sanction_text(*, action: str, until: datetime | None, reason: str, rule: str, contact: str) -> str:
    """The statement of reasons (L18) for a sanction, in the language active now."""
    names = {"reason": reason, "rule": rule, "contact": contact, "until": when(until) if until else ""}
    if action == ActionKind.LIMIT:
        return (
            _(
                "A moderator limited your account until %(until)s: you cannot post or comment, but you can "
                "still read, react and RSVP. Reason: %(reason)s Rule: %(rule)s. "
                "You can appeal this decision within six months."
            )
            % names
        )
    if action == ActionKind.SUSPEND:
        return (
            _(
                "A moderator suspended your account until %(until)s: you can read, but not post, comment, "
                "react or RSVP. Reason: %(reason)s Rule: %(rule)s. "
                "You can appeal this decision within six months."
            )
            % names
        )
    return (
        _(
            "A moderator banned your account: you can no longer sign in, and its email address cannot be "
            "used to sign up again. Reason: %(reason)s Rule: %(rule)s. You can appeal this decision within "
            "six months through the link in this message, or by writing to %(contact)s."
        )
        % names
    )


def member_suspend_by_staff(*, member: Member, until: datetime, by: Member, reason: str, rule: str) -> bool:
    """An operator suspends a member from the members admin (its "Suspend" action calls this through
    MemberAdmin.suspend_service): the same audit record and statement of reasons (LEGAL L18, L20) as a
    decision from the queue, without a review item. Returns False when nothing changed (a staff or
    banned account, one's own, or a longer suspension already running)."""
    from moderation.models import TargetKind
    from moderation.services import clean_reason_and_rule, sanction_notice

    try:
        author = sanction_check(by=by, author=member)
    except SanctionNotPossible:
        return False
    reason, rule = clean_reason_and_rule(reason=reason, rule=rule)
    with transaction.atomic():
        if not standing.member_suspend(member=author, until=until, by=by):
            return False
        action = ModerationAction.objects.create(
            moderator=by,
            action=ActionKind.SUSPEND,
            kind=TargetKind.MEMBER,
            object_id=author.pk,
            target_author=author,
            reason=reason,
            rule=rule,
            until=until,
        )
        data = {"target_kind": TargetKind.MEMBER, "object_id": author.pk}
        sanction_notice(author=author, action=action, data=data)
    return True
