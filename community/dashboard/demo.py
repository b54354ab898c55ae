"""A past for the demo community, so that after `make run` the operators' dashboard shows a living
community rather than everything happening in the same second: members joined over three months, come
back on some days, and the posts and replies the content demo wrote are spread over the last weeks.

Called by seed_demo only on the run that created the demo accounts (a second run changes nothing).
Deterministic: the same members and posts get the same history relative to `now`."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from community.goals import METRICS
from community.goals_progress import goals_changed
from community.models import Goal
from content.models import Comment, Post
from members.models import ActiveDay, Member

RECENT_JOINERS = 10  # the last demo members joined in the last three weeks; the others long before


@transaction.atomic
def seed_demo_history(*, members: list[Member], now=None) -> None:
    now = now or timezone.now()
    members = sorted(members, key=lambda m: m.pk)
    joined: dict[int, object] = {}
    for index, member in enumerate(members):
        from_end = len(members) - index
        if from_end <= RECENT_JOINERS:
            when = now - timedelta(days=from_end * 2 - 1, hours=index % 9)
        else:
            when = now - timedelta(days=90 - index * 2, hours=index % 9)
        Member.objects.filter(pk=member.pk).update(date_joined=when)
        joined[member.pk] = when
    today = timezone.localdate(now)
    days = []
    for index, member in enumerate(members):
        every = 1 + index % 4  # some come every day, some every few days
        for back in range(35):
            day = today - timedelta(days=back)
            if (back + index) % every == 0 and day >= timezone.localdate(joined[member.pk]):
                days.append(ActiveDay(member=member, day=day))
    ActiveDay.objects.bulk_create(days, ignore_conflicts=True)
    # every demo post, the staff's announcements included (staff joined first: no clamp needed)
    posts = list(Post.objects.order_by("pk").values_list("pk", "author_id"))
    for number, (post_id, author_id) in enumerate(posts):
        when = now - timedelta(days=(number * 5) % 26, hours=(number * 7) % 11 + 1)
        if author_id in joined:
            when = max(when, joined[author_id] + timedelta(hours=1))
        Post.objects.filter(pk=post_id).update(created_at=when)
        replies = Comment.objects.filter(post_id=post_id).order_by("pk").values_list("pk", flat=True)
        for position, comment_id in enumerate(replies):
            # the first reply within hours for most posts, after a day or two for every fifth
            delay = timedelta(hours=1 + (position * 5 + number) % 20 + (30 if number % 5 == 4 else 0))
            Comment.objects.filter(pk=comment_id).update(
                created_at=min(when + delay, now - timedelta(minutes=5))
            )


# The demo's community goals (issue 10): two published on /how-we-are-doing/, two for the staff only.
DEMO_GOALS = [
    # metric, target, period in days, published
    ("first_posts_answered", "80", 30, True),
    ("complaint_answer_time", "2", 30, True),
    ("emails_p95", "2", 7, False),
    ("weekly_active", "25", 7, False),
]


def seed_demo_goals() -> int:
    """The demo goals, once: a database that has any goal (the operators' own) is left alone. Returns
    how many were created."""
    if Goal.objects.exists():
        return 0
    Goal.objects.bulk_create(
        Goal(
            metric=metric,
            direction=METRICS[metric].direction,
            target=Decimal(target),
            period_days=days,
            published=published,
            position=position,
        )
        for position, (metric, target, days, published) in enumerate(DEMO_GOALS)
    )
    goals_changed()
    return len(DEMO_GOALS)
