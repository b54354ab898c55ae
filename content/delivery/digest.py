"""The daily digest: what waited (digest-level spaces, emails held back by the budget) goes out as one
email at the member's local morning."""

import logging
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from content.delivery.models import Category, Channel, Delivery, DeliveryStatus
from members.models import Member

logger = logging.getLogger(__name__)

DIGEST = "digest"


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
    """Compose the digests of every member whose local time is now the digest hour."""
    hour = getattr(settings, "DELIVERY_DIGEST_HOUR", 8)
    now = timezone.now()
    waiting = Delivery.objects.filter(waiting_for_digest()).values("recipient_id")
    composed = 0
    for member_id, zone_name in Member.objects.filter(pk__in=waiting, is_active=True).values_list(
        "pk", "timezone"
    ):
        local = now.astimezone(_zone(zone_name))
        if local.hour != hour:
            continue
        if digest_compose(member_id=member_id, local_day=int(local.strftime("%Y%m%d"))):
            composed += 1
    return composed
