"""P2's two small worlds inside the seeded database: everything a "one" viewer sees exists once,
everything a "many" viewer sees exists ITEMS times (200 comments under the thread). The seeded spaces
are made private first, so the site-wide lists (events, spaces) hold only what the fixture made.
P2 runs all of this in a transaction it rolls back."""

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from content.models import (
    Comment,
    Event,
    MembershipRole,
    MembershipStatus,
    Post,
    Reaction,
    Space,
    SpaceMembership,
)
from members.models import Block, Member, Mute
from moderation.models import ReviewItem

ITEMS = 40
THREAD = 200


@dataclass
class Side:
    viewer: Member
    moderator: Member
    space: Space
    thread: Post


@dataclass
class World:
    author: Member
    one: Side
    many: Side


def _members(prefix: str, count: int) -> list[Member]:
    unusable = make_password(None)  # signed in by session only
    members = Member.objects.bulk_create(
        [
            Member(email=f"{prefix}{i}@p2.bench.example", display_name=f"{prefix} {i}", password=unusable)
            for i in range(count)
        ]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=m, email=m.email, verified=True, primary=True) for m in members]
    )
    return members


def _posts(space: Space, author: Member, count: int) -> list[Post]:
    now = timezone.now()
    return Post.objects.bulk_create(
        [
            Post(
                space=space,
                author=author,
                title=f"P2 post {i}",
                body=f"Body {i}",
                body_html=f"<p>Body {i}</p>",
                body_fingerprint=f"p2-{space.slug}-{i}",
                last_activity_at=now - timedelta(minutes=i),
            )
            for i in range(count)
        ]
    )


def _side(*, name: str, items: int, comments: int, author: Member, others: list[Member]) -> Side:
    viewer, moderator = _members(f"p2-{name}-", 2)
    spaces = Space.objects.bulk_create(
        [Space(slug=f"p2-{name}-{i}", name=f"P2 {name} {i}", visibility="private") for i in range(items)]
    )
    space = spaces[0]
    memberships = [SpaceMembership(space=s, member=viewer) for s in spaces]
    memberships += [
        SpaceMembership(space=space, member=author),
        SpaceMembership(space=space, member=moderator, role=MembershipRole.MODERATOR),
    ]
    memberships += [
        SpaceMembership(space=space, member=m, status=MembershipStatus.REQUESTED) for m in others[:items]
    ]
    SpaceMembership.objects.bulk_create(memberships)
    posts = _posts(space, author, items)
    thread = posts[0]
    Reaction.objects.bulk_create([Reaction(post=p, member=viewer, kind="like") for p in posts])
    Comment.objects.bulk_create(
        [
            Comment(
                post=thread,
                author=others[i % len(others)],
                body=f"Comment {i}",
                body_html=f"<p>Comment {i}</p>",
                body_fingerprint=f"p2-{name}-c{i}",
            )
            for i in range(comments)
        ]
    )
    Post.objects.filter(pk=thread.pk).update(comment_count=comments)
    start = timezone.now() + timedelta(days=2)
    Event.objects.bulk_create(
        [
            Event(
                space=space,
                organiser=author,
                title=f"P2 event {i}",
                starts_at=start + timedelta(hours=i),
                ends_at=start + timedelta(hours=i + 2),
            )
            for i in range(items)
        ]
    )
    now = timezone.now()
    ReviewItem.objects.bulk_create(
        [
            ReviewItem(
                kind="post",
                object_id=p.pk,
                space=space,
                reason="spam",
                snapshot_title=p.title,
                snapshot_body=p.body,
                snapshot_author=author,
                report_count=1,
                triage_due_at=now + timedelta(days=1),
                due_at=now + timedelta(days=2),
            )
            for p in posts
        ]
    )
    Block.objects.bulk_create([Block(blocker=viewer, blocked=m) for m in others[:items]])
    Mute.objects.bulk_create([Mute(muter=viewer, muted=m) for m in others[:items]])
    return Side(viewer=viewer, moderator=moderator, space=space, thread=thread)


def world_build() -> World:
    """Call inside a transaction that will be rolled back."""
    Space.objects.update(visibility="private")  # the seeded spaces leave every viewer's lists
    (author,) = _members("p2-author-", 1)
    others = _members("p2-other-", ITEMS)
    return World(
        author=author,
        one=_side(name="one", items=1, comments=1, author=author, others=others),
        many=_side(name="many", items=ITEMS, comments=THREAD, author=author, others=others),
    )
