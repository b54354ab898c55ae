from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from members.models import Block, Member, Mute


def member_directory_stats() -> dict[str, int]:
    """Active members and those who joined in the last 30 days, in one query."""
    since = timezone.now() - timedelta(days=30)
    return Member.objects.filter(is_active=True).aggregate(
        members=Count("pk"), joined_recently=Count("pk", filter=Q(date_joined__gte=since))
    )


def member_blocked_ids(*, member: Member) -> set[int]:
    """Ids of members `member` has blocked."""
    if not member.is_authenticated:
        return set()
    return set(Block.objects.filter(blocker_id=member.pk).values_list("blocked_id", flat=True))


def member_blocked_by_ids(*, member: Member) -> set[int]:
    """Ids of members who blocked `member` (they may not be replied to or mentioned by `member`)."""
    if not member.is_authenticated:
        return set()
    return set(Block.objects.filter(blocked_id=member.pk).values_list("blocker_id", flat=True))


def member_muted_ids(*, member: Member) -> set[int]:
    """Ids of members whose posts and comments are collapsed for `member`."""
    if not member.is_authenticated:
        return set()
    return set(Mute.objects.filter(muter_id=member.pk).values_list("muted_id", flat=True))


def member_has_blocked(*, blocker_id: int, blocked_id: int) -> bool:
    return Block.objects.filter(blocker_id=blocker_id, blocked_id=blocked_id).exists()
