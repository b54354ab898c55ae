"""Stopping what is still owed about content a moderator hid or removed (LEGAL L20: illegal content is
stopped everywhere at once, including queued emails and digests).

Only rows nobody is working on are cancelled: `pending` emails and digest items, and emails the budget
`rolled_over` into a digest, as long as the digest they were attached to has not gone out. A row in
`sending` belongs to a dispatcher holding a lease; it is left alone, and the dispatcher's own check at
send time (the content must still be published) cancels it. An item attached to a digest still
waiting is detached as well, so the digest is composed without it.
"""

import logging
from collections.abc import Iterable

from django.db.models import Q

from content.delivery.models import Delivery, DeliveryStatus
from content.delivery.planner import COMMENT_CREATED, EVENT_PROMOTED, POST_PUBLISHED
from content.delivery.reminders import REMINDER_KINDS
from content.models import RSVP, Comment, Event, Post

logger = logging.getLogger(__name__)

REASON = "content removed"
CANCELLABLE = (DeliveryStatus.PENDING, DeliveryStatus.ROLLED_OVER)


def deliveries_cancel_for(*, source_kind: str, source_ids: Iterable[int]) -> int:
    """Cancel the waiting deliveries of these sources (one UPDATE); returns how many were cancelled.
    Runs in the caller's transaction, so a removal and its cancellations commit together."""
    ids = list(source_ids)
    if not ids:
        return 0
    # the digest item's own digest: still waiting (not composed into an email that left) or none yet
    undelivered_digest = Q(digest__isnull=True) | Q(digest__status=DeliveryStatus.PENDING)
    waiting = Delivery.objects.filter(
        undelivered_digest, source_kind=source_kind, source_id__in=ids, status__in=CANCELLABLE
    )
    cancelled = Delivery.objects.filter(pk__in=waiting.values("pk")).update(
        status=DeliveryStatus.CANCELLED, reason=REASON, digest=None
    )
    if cancelled:
        logger.info("content.delivery.cancelled kind=%s sources=%s rows=%s", source_kind, len(ids), cancelled)
    return cancelled


def deliveries_cancel_for_content(*, target: Post | Comment | Event) -> int:
    """Everything queued about one post (and its comments), comment or event."""
    if isinstance(target, Post):
        comment_ids = Comment.objects.filter(post_id=target.pk).values_list("pk", flat=True)
        return deliveries_cancel_for(source_kind=POST_PUBLISHED, source_ids=[target.pk]) + (
            deliveries_cancel_for(source_kind=COMMENT_CREATED, source_ids=comment_ids)
        )
    if isinstance(target, Comment):
        return deliveries_cancel_for(source_kind=COMMENT_CREATED, source_ids=[target.pk])
    if isinstance(target, Event):
        cancelled = sum(
            deliveries_cancel_for(source_kind=kind, source_ids=[target.pk]) for kind in REMINDER_KINDS
        )
        rsvp_ids = RSVP.objects.filter(event_id=target.pk).values_list("pk", flat=True)
        return cancelled + deliveries_cancel_for(source_kind=EVENT_PROMOTED, source_ids=rsvp_ids)
    raise TypeError(f"cannot cancel deliveries for {type(target).__name__}")
