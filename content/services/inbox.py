from django.utils import timezone

from content.models import InboxItem
from members.models import Member


def inbox_mark_read(*, member: Member, item_id: int | None = None) -> int:
    """Mark one item (or all) as read; returns how many changed."""
    items = InboxItem.objects.filter(recipient=member, read_at__isnull=True)
    if item_id is not None:
        items = items.filter(pk=item_id)
    return items.update(read_at=timezone.now())
