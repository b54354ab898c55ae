"""Reading posts and comments: feeds with cursor pagination, a post with its thread, reactions.

Every list is built from a fixed number of queries, whatever its length: the rows, then one grouped
query for reaction counts, one for the viewer's own reactions and one for whom the viewer muted.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from content.exceptions import NotFound
from content.models import Comment, MembershipStatus, Post, Reaction, ReactionKind, Space, SpaceMembership
from content.selectors.visibility import Viewer, comments_readable, posts_readable
from members.selectors import member_muted_ids

PAGE_SIZE = 30
REACTION_EMOJI = dict(ReactionKind.choices)
# What a screen reader says for each reaction button.
REACTION_NAMES = {
    ReactionKind.LIKE: _("Like"),
    ReactionKind.HEART: _("Love"),
    ReactionKind.CELEBRATE: _("Celebrate"),
    ReactionKind.INSIGHTFUL: _("Insightful"),
    ReactionKind.THANKS: _("Thanks"),
}
REACTION_CHOICES = [(kind, emoji, REACTION_NAMES[kind]) for kind, emoji in ReactionKind.choices]


def cursor_encode(post: Post) -> str:
    micros = int(post.last_activity_at.timestamp()) * 1_000_000 + post.last_activity_at.microsecond
    return f"{micros}_{post.pk}"


def cursor_decode(cursor: str | None) -> tuple[datetime, int] | None:
    """None for a missing or malformed cursor: the first page is always a safe answer."""
    if not cursor:
        return None
    try:
        micros, pk = (int(part) for part in cursor.split("_", 1))
        seconds, micro = divmod(micros, 1_000_000)
        return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=micro), pk
    except (ValueError, OverflowError, OSError):
        return None


@dataclass
class FeedPage:
    posts: list[Post]
    next_cursor: str | None


# What a page of cards leaves out: the body, up to 10,000 characters twice (source and HTML), which no
# card shows. The API's feeds serialise the body and ask for whole rows.
CARD_DEFERRED = ("body", "body_html")


def _page(
    queryset: QuerySet[Post], *, viewer: Viewer, cursor: str | None, size: int, cards: bool = False
) -> FeedPage:
    after = cursor_decode(cursor)
    if after is not None:
        at, pk = after
        # The plain `<=` bound gives the index a place to start; the OR alone made PostgreSQL read every
        # newer post first (docs/performance/indexes.md: 90k buffers -> 236 on an old cursor).
        queryset = queryset.filter(last_activity_at__lte=at).filter(
            Q(last_activity_at__lt=at) | Q(last_activity_at=at, pk__lt=pk)
        )
    if cards:
        queryset = queryset.defer(*CARD_DEFERRED)
    rows = list(queryset.select_related("space", "author").order_by("-last_activity_at", "-pk")[: size + 1])
    posts = rows[:size]
    decorate_posts(posts, viewer=viewer)
    return FeedPage(posts=posts, next_cursor=cursor_encode(posts[-1]) if len(rows) > size else None)


def feed_home(
    *, viewer: Viewer, cursor: str | None = None, size: int = PAGE_SIZE, cards: bool = False
) -> FeedPage:
    """Newest activity in the spaces the member belongs to; visitors see the public spaces. `cards`:
    for post cards, without the bodies."""
    posts = posts_readable(viewer=viewer)
    if viewer.is_authenticated:
        mine = SpaceMembership.objects.filter(member_id=viewer.pk, status=MembershipStatus.ACTIVE)
        posts = posts.filter(space_id__in=mine.values("space_id"))
    return _page(posts, viewer=viewer, cursor=cursor, size=size, cards=cards)


def feed_space(
    *, viewer: Viewer, space: Space, cursor: str | None = None, size: int = PAGE_SIZE, cards: bool = False
) -> FeedPage:
    """The space's posts by newest activity; pinned posts come separately (space_pinned_posts)."""
    posts = posts_readable(viewer=viewer).filter(space=space, is_pinned=False)
    return _page(posts, viewer=viewer, cursor=cursor, size=size, cards=cards)


def space_pinned_posts(*, viewer: Viewer, space: Space, cards: bool = False) -> list[Post]:
    posts = posts_readable(viewer=viewer).filter(space=space, is_pinned=True)
    if cards:
        posts = posts.defer(*CARD_DEFERRED)
    posts = list(posts.select_related("space", "author").order_by("-created_at")[:5])
    decorate_posts(posts, viewer=viewer)
    return posts


def feed_member(
    *, viewer: Viewer, author_id: int, cursor: str | None = None, size: int = PAGE_SIZE, cards: bool = False
) -> FeedPage:
    posts = posts_readable(viewer=viewer).filter(author_id=author_id)
    return _page(posts, viewer=viewer, cursor=cursor, size=size, cards=cards)


def post_get(*, viewer: Viewer, pk: int) -> Post:
    post = posts_readable(viewer=viewer).select_related("space", "author").filter(pk=pk).first()
    if post is None:
        raise NotFound()
    decorate_posts([post], viewer=viewer)
    return post


def post_thread(*, viewer: Viewer, post: Post) -> list[Comment]:
    """Top-level comments oldest first, each with `.thread_replies` (one level)."""
    comments = list(
        comments_readable(viewer=viewer)
        .filter(post=post)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    decorate_comments(comments, viewer=viewer)
    top: list[Comment] = []
    replies: dict[int, list[Comment]] = defaultdict(list)
    for comment in comments:
        (replies[comment.parent_id] if comment.parent_id else top).append(comment)
    for comment in top:
        comment.thread_replies = replies.get(comment.pk, [])
    return top


def _reaction_summaries(field: str, ids: list[int]) -> dict[int, list[tuple[str, str, int]]]:
    summary: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    rows = (
        Reaction.objects.filter(**{f"{field}_id__in": ids})
        .values_list(f"{field}_id", "kind")
        .annotate(n=Count("pk"))
        .order_by(f"{field}_id", "kind")
    )
    for target_id, kind, n in rows:
        summary[target_id].append((kind, REACTION_EMOJI[kind], n))
    return summary


def _decorate(items: list, *, field: str, viewer: Viewer) -> None:
    if not items:
        return
    ids = [item.pk for item in items]
    summaries = _reaction_summaries(field, ids)
    mine: dict[int, str] = {}
    muted: set[int] = set()
    if viewer.is_authenticated:
        mine = dict(
            Reaction.objects.filter(member_id=viewer.pk, **{f"{field}_id__in": ids}).values_list(
                f"{field}_id", "kind"
            )
        )
        muted = member_muted_ids(member=viewer)
    for item in items:
        item.reaction_summary = summaries.get(item.pk, [])
        item.my_reaction = mine.get(item.pk)
        item.collapsed = item.author_id in muted


def decorate_posts(posts: list[Post], *, viewer: Viewer) -> None:
    _decorate(posts, field="post", viewer=viewer)


def decorate_comments(comments: list[Comment], *, viewer: Viewer) -> None:
    _decorate(comments, field="comment", viewer=viewer)


def comment_get(*, viewer: Viewer, pk: int) -> Comment:
    comment = comments_readable(viewer=viewer).select_related("post__space", "author").filter(pk=pk).first()
    if comment is None:
        raise NotFound()
    return comment
