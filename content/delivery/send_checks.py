"""What the dispatcher checks just before it sends an email (L15): the account, the address, whether
the member already read the news in the inbox, their switches and one-click stops, marketing consent,
and their attention budget (digest mode, quiet hours and daily cap in their own time zone), or for
transactional mail the daily ceiling.

The facts these checks need are read for a whole claim round at once (a handful of queries for up to
a hundred emails, read moments before sending): per email they would have cost five queries, which
made the database, not the mail provider's limit, the bottleneck of dispatch.
"""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Subquery, When
from django.db.models.functions import Lower
from django.utils import timezone

from content.delivery.digest import email_type_wanted
from content.delivery.models import Category, Channel, Delivery, DeliveryStatus, EmailOptOut
from content.delivery.notices import NOTICE
from content.delivery.planner import (
    COMMENT_CREATED,
    NO_MARKETING_CONSENT,
    ONE_PROMOTION_A_WEEK,
    POST_PUBLISHED,
    PROMOTIONAL_EVERY,
)
from content.delivery.reminders import REMINDER_1H, REMINDER_KINDS
from content.models import Comment, Event, MembershipStatus, Post, Space, SpaceMembership, SpaceVisibility
from members.models import EmailMode, Member
from privacy.consents import consent_granted_member_ids

DAY = timedelta(days=1)


def _setting(name: str, default):
    return getattr(settings, name, default)


def member_zone(member: Member) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(member.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@dataclass
class SendFacts:
    """Everything the checks ask about the recipients of a claim round."""

    now: datetime
    verified: set[tuple[int, str]] = field(default_factory=set)  # (member, lower-cased address)
    stopped: set[tuple[int, str]] = field(default_factory=set)  # (member, category) stopped by one click
    consenting: set[int] = field(default_factory=set)  # marketing consent, asked only when needed
    # (sent_at, category) of each member's emails of the last day, and promotional ones of the week
    sent: dict[int, list[tuple[datetime, str]]] = field(default_factory=lambda: defaultdict(list))
    # when a digest carrying a promotion reached each member this week (not another email to count)
    promotions_in_digests: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))


def send_facts(deliveries: list[Delivery]) -> SendFacts:
    """Three queries (five with a promotional email among them) for the whole round."""
    now = timezone.now()
    facts = SendFacts(now=now)
    member_ids = {delivery.recipient_id for delivery in deliveries}
    if not member_ids:
        return facts
    facts.verified = set(
        EmailAddress.objects.filter(user_id__in=member_ids, verified=True)
        .annotate(address=Lower("email"))
        .values_list("user_id", "address")
    )
    facts.stopped = set(
        EmailOptOut.objects.filter(member_id__in=member_ids).values_list("member_id", "category")
    )
    recent = Delivery.objects.filter(
        Q(sent_at__gte=now - DAY) | Q(category=Category.PROMOTIONAL, sent_at__gte=now - PROMOTIONAL_EVERY),
        recipient_id__in=member_ids,
        channel=Channel.EMAIL,
        status=DeliveryStatus.SENT,
    )
    for member_id, sent_at, category in recent.values_list("recipient_id", "sent_at", "category"):
        facts.sent[member_id].append((sent_at, category))
    promoted = {d.recipient_id for d in deliveries if d.category == Category.PROMOTIONAL}
    if promoted:
        facts.consenting = consent_granted_member_ids(member_ids=promoted, purpose="marketing")
        # a promotion that reached the member inside a digest counts from when that digest was sent
        carried = Delivery.objects.filter(
            recipient_id__in=promoted,
            category=Category.PROMOTIONAL,
            digest__status=DeliveryStatus.SENT,
            digest__sent_at__gte=now - PROMOTIONAL_EVERY,
        ).values_list("recipient_id", "digest__sent_at")
        for member_id, sent_at in carried:
            facts.promotions_in_digests[member_id].append(sent_at)
    return facts


# S3: what a delivery announces may have moved out of its recipient's reach since it was planned (the
# post moved to a private space, the space made private, the member left it). The planner's rule (a
# private space's content reaches its active members only) is asked again when the email goes out.
NOT_VISIBLE = "content no longer visible to the recipient"


def _source_space() -> Case:
    """The space of what the delivery announces: the post, the comment's post, the reminded event."""

    def space_of(model, field: str) -> Subquery:
        return Subquery(model.objects.filter(pk=OuterRef("source_id")).values(field)[:1])

    return Case(
        When(source_kind=POST_PUBLISHED, then=space_of(Post, "space_id")),
        When(source_kind=COMMENT_CREATED, then=space_of(Comment, "post__space_id")),
        When(source_kind__in=REMINDER_KINDS, then=space_of(Event, "space_id")),
        default=None,
        output_field=IntegerField(),
    )


def recipient_shut_out() -> dict[str, Exists]:
    """Annotations for the dispatcher's query of a round's rows (no query of its own): whether the
    content is in a private space the recipient is not an active member of."""
    active_member = SpaceMembership.objects.filter(
        space_id=OuterRef("pk"), member_id=OuterRef(OuterRef("recipient_id")), status=MembershipStatus.ACTIVE
    )
    return {
        "source_space_id": _source_space(),
        "shut_out": Exists(
            Space.objects.filter(pk=OuterRef("source_space_id"), visibility=SpaceVisibility.PRIVATE).exclude(
                Exists(active_member)
            )
        ),
    }


def space_reachable(*, member_id: int, via: str = "space") -> Q:
    """A filter for posts or events (`via` their space) the member may still be sent: in a space that
    is not private, or one they are an active member of. For the digest's items (no extra query).
    The membership is an EXISTS, not a join: joined, a post in a public space came back once per
    member of that space (thousands of rows for each item of each digest at 10,000 members)."""
    active_member = SpaceMembership.objects.filter(
        space_id=OuterRef(via), member_id=member_id, status=MembershipStatus.ACTIVE
    )
    return Q(**{f"{via}__visibility__in": [SpaceVisibility.PUBLIC, SpaceVisibility.MEMBERS]}) | Q(
        Exists(active_member)
    )


def cancel_reason(delivery: Delivery, facts: SendFacts) -> str:
    """Why this email must not go out at all (empty: it may)."""
    member = delivery.recipient
    if not member.is_active and not _for_banned_member(delivery):
        return "account inactive"
    if getattr(delivery, "shut_out", False):
        return NOT_VISIBLE
    # an address nobody confirmed may belong to someone else: never mail it (a mention can reach one)
    if (member.pk, member.email.lower()) not in facts.verified:
        return "email address not verified"
    if delivery.inbox_item_id and delivery.inbox_item and delivery.inbox_item.read_at:
        return "already read in the inbox"
    if delivery.category == Category.TRANSACTIONAL:
        return _over_transactional_ceiling(delivery, facts)
    # suspended since it was planned: only notices reach them until the suspension ends (L20)
    if member.suspended_until is not None and member.suspended_until > facts.now:
        return "account suspended"
    # the member's attention budget: email off, or this type of email switched off (L14 still applies)
    if member.email_mode == EmailMode.OFF:
        return "email is off"
    if not email_type_wanted(member=member, category=delivery.category, source_kind=delivery.source_kind):
        return "this type of email is off"
    if (member.pk, delivery.category) in facts.stopped:
        return "unsubscribed"
    if delivery.category == Category.PROMOTIONAL:
        if member.pk not in facts.consenting:
            return NO_MARKETING_CONSENT
        week_ago = facts.now - PROMOTIONAL_EVERY
        if any(c == Category.PROMOTIONAL and at >= week_ago for at, c in facts.sent[member.pk]) or any(
            at >= week_ago for at in facts.promotions_in_digests[member.pk]
        ):
            return ONE_PROMOTION_A_WEEK
    return ""


# L18: a banned member cannot sign in, so the statement of reasons and the appeal's outcome must reach
# them by email, the only way left
BANNED_MEMBER_NOTICES = ("moderation.sanction", "moderation.appeal_decided")


def _for_banned_member(delivery: Delivery) -> bool:
    return (
        delivery.recipient.banned_at is not None
        and delivery.source_kind == NOTICE
        and delivery.inbox_item is not None
        and delivery.inbox_item.kind in BANNED_MEMBER_NOTICES
    )


def _over_transactional_ceiling(delivery: Delivery, facts: SendFacts) -> str:
    """Transactional mail skips the budget, but a member gets at most this many a day, so nobody can
    use reports, requests or RSVPs to flood someone's mailbox. The inbox keeps every notice."""
    ceiling = _setting("DELIVERY_TRANSACTIONAL_CEILING", 20)
    day_ago = facts.now - DAY
    sent = sum(
        1 for at, c in facts.sent[delivery.recipient_id] if c == Category.TRANSACTIONAL and at >= day_ago
    )
    return "transactional daily ceiling" if sent >= ceiling else ""


def in_quiet_hours(*, now: clock_time, start: clock_time, end: clock_time) -> bool:
    """Whether `now` falls in the quiet window; equal ends mean no quiet hours, and a window whose
    start is later than its end crosses midnight (22:00-08:00)."""
    if start == end:
        return False
    if start < end:
        return start <= now < end
    return now >= start or now < end


def over_budget(delivery: Delivery, facts: SendFacts) -> str:
    """The member's digest choice, quiet hours and daily cap, in the member's own timezone. Over budget
    rolls into the digest. The site settings count only where the member has no value."""
    member = delivery.recipient
    if member.email_mode == EmailMode.DAILY:
        return "daily digest"
    if member.email_mode == EmailMode.WEEKLY:
        return "weekly digest"
    local = facts.now.astimezone(member_zone(member))
    start = member.quiet_hours_start
    if start is None:
        start = clock_time(_setting("DELIVERY_QUIET_START", 22) % 24)
    end = member.quiet_hours_end
    if end is None:
        end = clock_time(_setting("DELIVERY_QUIET_END", 8) % 24)
    # the member may let the 1-hour reminder through their quiet hours (it is useless the morning after)
    reminder_allowed = delivery.source_kind == REMINDER_1H and member.reminder_in_quiet_hours
    if not reminder_allowed and in_quiet_hours(now=local.time().replace(tzinfo=None), start=start, end=end):
        return "quiet hours"
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    sent_today = sum(
        1 for at, category in facts.sent[member.pk] if at >= midnight and category != Category.TRANSACTIONAL
    )
    cap = member.email_daily_cap or _setting("DELIVERY_DAILY_CAP", 3)
    if sent_today >= cap:
        return "daily cap"
    return ""
