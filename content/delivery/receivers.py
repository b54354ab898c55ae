"""Delivery's answers to other apps' events (connected in ContentConfig.ready())."""

from django.db import transaction

from content.delivery.notices import notice_send
from members.models import Member


def export_ready_notice(sender, *, member_id: int, archive_id: int, url: str, **kwargs) -> None:
    """privacy.signals.export_ready (L7): tell the member in the inbox and by email that the archive
    can be downloaded (privacy may not import content, so it announces and we deliver)."""
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        return
    with transaction.atomic():
        notice_send(
            recipient=member,
            kind="privacy.export_ready",
            url=url,
            data={"archive_id": archive_id},
        )
