from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from members.models import Member


def member_directory_stats() -> dict[str, int]:
    """Active members and those who joined in the last 30 days, in one query."""
    since = timezone.now() - timedelta(days=30)
    return Member.objects.filter(is_active=True).aggregate(
        members=Count("pk"), joined_recently=Count("pk", filter=Q(date_joined__gte=since))
    )
