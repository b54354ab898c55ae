"""Transactional notices to one member: a moderation decision, "your export is ready", an event change.

A notice is an inbox item and, written in the same transaction, its email delivery: the delivery row
is itself the record of what is owed, so nothing waits on the broker. Notices skip the attention
budget and the digest (the member needs them), but the dispatcher holds each member to a hard daily
ceiling of transactional email, against abuse (a flood of reports or requests must not become a flood
of mail).
"""

from django.db import transaction
from django.utils import timezone

from content.delivery.models import Category, Channel, Delivery, DeliveryStatus
from content.delivery.outbox import dispatcher_kick
from content.models import InboxItem
from members.models import Member

NOTICE = "notice"


def notices_send(
    *, recipient_ids: list[int], kind: str, url: str = "", data: dict | None = None, email: bool = True
) -> int:
    """The same notice to many members (everyone going to an event that moved), in two bulk INSERTs;
    inactive accounts get the inbox item only. Returns how many members were told."""
    members = list(Member.objects.filter(pk__in=recipient_ids).values_list("pk", "is_active"))
    items = InboxItem.objects.bulk_create(
        [InboxItem(recipient_id=pk, kind=kind, url=url, data=data or {}) for pk, _active in members]
    )
    if email:
        active = {pk for pk, is_active in members if is_active}
        now = timezone.now()
        Delivery.objects.bulk_create(
            [
                Delivery(
                    source_kind=NOTICE,
                    source_id=item.pk,
                    recipient_id=item.recipient_id,
                    channel=Channel.EMAIL,
                    category=Category.TRANSACTIONAL,
                    inbox_item=item,
                    due_at=now,
                )
                for item in items
                if item.recipient_id in active
            ]
        )
        transaction.on_commit(dispatcher_kick)
    return len(items)


def notice_send(
    *,
    recipient: Member,
    kind: str,
    url: str = "",
    data: dict | None = None,
    actor: Member | None = None,
    email: bool = True,
) -> InboxItem:
    """Tell one member something they must know. `kind` and `data` render the sentence in the reader's
    language (content.selectors.inbox.inbox_sentence); `data["text"]` is the fallback for a kind it
    does not know. With `email`, an email follows unless the member reads the inbox item first."""
    item = InboxItem.objects.create(recipient=recipient, kind=kind, actor=actor, url=url, data=data or {})
    # a banned member still hears about the ban and their appeal (L18): email is all they have left
    if email and (
        recipient.is_active or (recipient.banned_at is not None and kind.startswith("moderation."))
    ):
        Delivery.objects.create(
            source_kind=NOTICE,
            source_id=item.pk,
            recipient=recipient,
            channel=Channel.EMAIL,
            category=Category.TRANSACTIONAL,
            status=DeliveryStatus.PENDING,
            inbox_item=item,
            due_at=timezone.now(),
        )
        transaction.on_commit(dispatcher_kick)
    return item
