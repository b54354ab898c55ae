"""The digest: what waited (digest-level spaces, emails held back by the budget, everything of a member
who chose a digest) goes out as one email at the member's local digest hour: every day, or on Mondays
for a weekly digest. A member who turned email off gets none: what waited is cancelled (the inbox keeps
it)."""

import logging
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
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


def digest_compose(*, member_id: int, local_day: int) -> Delivery | None:
    """Gather the member's waiting items into today's digest email (one per member and local day).
    Items arriving after that digest was claimed for sending wait for tomorrow's."""
    now = timezone.now()
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
            ],
            ignore_conflicts=True,
        )
        # the lock keeps the dispatcher (SKIP LOCKED) off this digest while items are attached
        digest = Delivery.objects.select_for_update().get(
            source_kind=DIGEST, source_id=local_day, recipient_id=member_id, channel=Channel.EMAIL
        )
        if digest.status != DeliveryStatus.PENDING:
            return None
        attached = Delivery.objects.filter(
            waiting_for_digest(), recipient_id=member_id, created_at__lte=now
        ).update(digest=digest)
    logger.info("content.delivery.digest member=%s day=%s items=%s", member_id, local_day, attached)
    return digest


def digests_compose() -> int:
    """Compose the digests of every member whose local time is now the digest hour (weekly digests:
    only on Monday). Whatever waits for a member who turned email off is cancelled instead."""
    hour = getattr(settings, "DELIVERY_DIGEST_HOUR", 8)
    now = timezone.now()
    waiting = Delivery.objects.filter(waiting_for_digest()).values("recipient_id")
    off = Delivery.objects.filter(
        waiting_for_digest(), recipient__in=Member.objects.filter(email_mode=EmailMode.OFF)
    ).update(status=DeliveryStatus.CANCELLED, reason="email is off")
    if off:
        logger.info("content.delivery.digest_cancelled items=%s reason=email_off", off)
    composed = 0
    members = Member.objects.filter(pk__in=waiting, is_active=True).exclude(email_mode=EmailMode.OFF)
    for member_id, zone_name, mode in members.values_list("pk", "timezone", "email_mode"):
        local = now.astimezone(_zone(zone_name))
        if local.hour != hour:
            continue
        if mode == EmailMode.WEEKLY and local.weekday() != MONDAY:
            continue
        if digest_compose(member_id=member_id, local_day=int(local.strftime("%Y%m%d"))):
            composed += 1
    return composed
