"""The digest: what waited (digest-level spaces, emails held back by the budget, everything of a member
who chose a digest) goes out as one email at the member's local digest hour: every day, or on Mondays
for a weekly digest. A member who turned email off gets none: what waited is cancelled (the inbox keeps
it)."""

import logging
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Case, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from content.delivery.models import Category, Channel, Delivery, DeliveryStatus
from members.models import EmailMode, Member

logger = logging.getLogger(__name__)

DIGEST = "digest"
MONDAY = 0

# the member's per-type switch for each category of email; transactional mail and the digest itself
# have none (event reminders are matched by their source kind)
CATEGORY_SWITCHES = {
    Category.REPLIES: "email_replies",
    Category.MENTIONS: "email_mentions",
    Category.POSTS: "email_new_posts",
    Category.PROMOTIONAL: "email_announcements",
    Category.REMINDERS: "email_event_reminders",
}
EVENT_REMINDER_PREFIX = "event.reminder"


def email_switch_for(*, category: str, source_kind: str = "") -> str | None:
    """The name of the Member switch that governs this kind of email, or None when none does."""
    if category in (Category.TRANSACTIONAL, Category.DIGEST):
        return None
    if source_kind.startswith(EVENT_REMINDER_PREFIX):
        return "email_event_reminders"
    return CATEGORY_SWITCHES.get(category)


def email_type_wanted(*, member: Member, category: str, source_kind: str = "") -> bool:
    switch = email_switch_for(category=category, source_kind=source_kind)
    return switch is None or bool(getattr(member, switch, True))


def waiting_for_digest() -> Q:
    return Q(digest__isnull=True) & (
        Q(channel=Channel.DIGEST, status=DeliveryStatus.PENDING)
        | Q(channel=Channel.EMAIL, status=DeliveryStatus.ROLLED_OVER)
    )


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


BATCH_SIZE = 200  # members per transaction: a short lock on their digests, three statements


def _digests_write(*, members: list[tuple[int, int]], now) -> dict[int, int]:
    """Compose the digests of a batch of (member id, local day) in one transaction and three
    statements whatever its size: create the day's digest rows not there yet, lock those still
    pending, attach every waiting item to its member's digest. Returns {member id: digest id} of the
    digests composed; a digest already claimed for sending (or sent) is left alone, and items arriving
    after it wait for tomorrow's."""
    if not members:
        return {}
    by_day: dict[int, list[int]] = {}
    for member_id, local_day in members:
        by_day.setdefault(local_day, []).append(member_id)
    todays = Q()
    for local_day, member_ids in by_day.items():
        todays |= Q(source_id=local_day, recipient_id__in=member_ids)
    with transaction.atomic():
        Delivery.objects.bulk_create(
            [
                Delivery(
                    source_kind=DIGEST,
                    source_id=local_day,
                    recipient_id=member_id,
                    channel=Channel.EMAIL,
                    category=Category.DIGEST,
                    due_at=now,
                )
                for member_id, local_day in members
            ],
            ignore_conflicts=True,
        )
        # the lock keeps the dispatcher (SKIP LOCKED) off these digests while items are attached
        digests = dict(
            Delivery.objects.select_for_update()
            .filter(todays, source_kind=DIGEST, channel=Channel.EMAIL, status=DeliveryStatus.PENDING)
            .values_list("recipient_id", "pk")
        )
        attached = 0
        if digests:
            attached = Delivery.objects.filter(
                waiting_for_digest(), recipient_id__in=list(digests), created_at__lte=now
            ).update(
                digest_id=Case(
                    *(When(recipient_id=member_id, then=Value(pk)) for member_id, pk in digests.items()),
                    output_field=BigIntegerField(),
                )
            )
    logger.info(
        "content.delivery.digests members=%s composed=%s items=%s", len(members), len(digests), attached
    )
    return digests


def digest_compose(*, member_id: int, local_day: int) -> Delivery | None:
    """Gather one member's waiting items into today's digest email (one per member and local day)."""
    digests = _digests_write(members=[(member_id, local_day)], now=timezone.now())
    return Delivery.objects.get(pk=digests[member_id]) if member_id in digests else None


def _zones_due(*, hour: int, now) -> dict[str, tuple[int, bool]]:
    """{time zone name: (local day as YYYYMMDD, whether it is Monday there)} of the members' zones where
    it is now the digest hour: one small query (the distinct zone names), so most quarter hours end
    here without reading a member."""
    due = {}
    for name in Member.objects.order_by().values_list("timezone", flat=True).distinct():
        local = now.astimezone(_zone(name))
        if local.hour == hour:
            due[name] = (int(local.strftime("%Y%m%d")), local.weekday() == MONDAY)
    return due


def digests_compose(*, batch_size: int = BATCH_SIZE) -> int:
    """Compose the digests of every member whose local time is now the digest hour (weekly digests:
    only on Monday), `batch_size` members per transaction. Whatever waits for a member who turned
    email off is cancelled instead. Statements: three, a fourth when some zone is at its digest hour,
    and three per batch."""
    hour = getattr(settings, "DELIVERY_DIGEST_HOUR", 8)
    now = timezone.now()
    off = Delivery.objects.filter(
        waiting_for_digest(), recipient__in=Member.objects.filter(email_mode=EmailMode.OFF)
    ).update(status=DeliveryStatus.CANCELLED, reason="email is off")
    if off:
        logger.info("content.delivery.digest_cancelled items=%s reason=email_off", off)
    zones = _zones_due(hour=hour, now=now)
    if not zones:
        return 0
    waiting = Delivery.objects.filter(waiting_for_digest(), recipient_id=OuterRef("pk"))
    members = (
        Member.objects.filter(Exists(waiting), is_active=True, timezone__in=list(zones))
        .exclude(email_mode=EmailMode.OFF)
        .order_by("pk")
        .values_list("pk", "timezone", "email_mode")
    )
    due = [
        (member_id, zones[zone_name][0])
        for member_id, zone_name, mode in members
        if mode != EmailMode.WEEKLY or zones[zone_name][1]
    ]
    composed = 0
    for start in range(0, len(due), batch_size):
        composed += len(_digests_write(members=due[start : start + batch_size], now=now))
    return composed
