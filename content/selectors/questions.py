"""Reading questions: the unanswered list (per space and site-wide) and a question's accepted answer.

The unanswered list is one query whatever its length: questions in spaces the viewer may read
(posts_readable), published, with no live reply from anyone but the asker, oldest first, on a keyset
cursor (created_at, id).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from content.exceptions import NotFound
from content.models import Comment, ContentStatus, Post, PostKind, Space
from content.selectors.visibility import Viewer, comments_readable, posts_readable

PAGE_SIZE = 30


@dataclass
class UnansweredPage:
    questions: list[Post]
    next_cursor: str | None


def _cursor_encode(post: Post) -> str:
    micros = int(post.created_at.timestamp()) * 1_000_000 + post.created_at.microsecond
    return f"{micros}_{post.pk}"


def _cursor_decode(cursor: str | None) -> tuple[datetime, int] | None:
    """None for a missing or malformed cursor: the first page is always a safe answer."""
    if not cursor:
        return None
    try:
        micros, pk = (int(part) for part in cursor.split("_", 1))
        seconds, micro = divmod(micros, 1_000_000)
        return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=micro), pk
    except (ValueError, OverflowError, OSError):
        return None


def no_reply_yet() -> Q:
    """A post nobody but its author has replied to (live comments only: hidden, removed, deleted and
    held ones answer nothing)."""
    replies = Comment.objects.filter(
        post_id=OuterRef("pk"), status=ContentStatus.PUBLISHED, deleted_at__isnull=True
    ).exclude(author_id=OuterRef("author_id"))
    return ~Q(Exists(replies))


def questions_unanswered_queryset(*, viewer: Viewer, space: Space | None = None) -> QuerySet[Post]:
    questions = posts_readable(viewer=viewer).filter(kind=PostKind.QUESTION, status=ContentStatus.PUBLISHED)
    if space is not None:
        questions = questions.filter(space=space)
    return questions.filter(no_reply_yet())


def questions_unanswered(
    *, viewer: Viewer, space: Space | None = None, cursor: str | None = None, size: int = PAGE_SIZE
) -> UnansweredPage:
    """Oldest first: the question that has waited longest is the first to help with."""
    questions = questions_unanswered_queryset(viewer=viewer, space=space)
    after = _cursor_decode(cursor)
    if after is not None:
        at, pk = after
        questions = questions.filter(created_at__gte=at).filter(
            Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk)
        )
    rows = list(questions.select_related("space", "author").order_by("created_at", "pk")[: size + 1])
    page = rows[:size]
    return UnansweredPage(questions=page, next_cursor=_cursor_encode(page[-1]) if len(rows) > size else None)


def question_accepted_answer(*, viewer: Viewer, post: Post) -> Comment | None:
    """The accepted answer if the viewer may read it (one query; none when the question has none)."""
    if post.kind != PostKind.QUESTION or post.accepted_comment_id is None:
        return None
    return (
        comments_readable(viewer=viewer)
        .filter(pk=post.accepted_comment_id, post_id=post.pk, status=ContentStatus.PUBLISHED)
        .select_related("author")
        .first()
    )


def question_get(*, viewer: Viewer, pk: int) -> Post:
    post = posts_readable(viewer=viewer).select_related("space", "author").filter(pk=pk).first()
    if post is None:
        raise NotFound()
    return post


def accepted_in_thread(comments: list[Comment], accepted_id: int | None) -> Comment | None:
    """The accepted answer among a thread already read (top-level comments with `.thread_replies`),
    without a query; None when it is not there (deleted, hidden, removed, or not readable)."""
    if accepted_id is None:
        return None
    for comment in comments:
        if comment.pk == accepted_id:
            return comment if comment.status == ContentStatus.PUBLISHED else None
        for reply in getattr(comment, "thread_replies", []):
            if reply.pk == accepted_id:
                return reply if reply.status == ContentStatus.PUBLISHED else None
    return None
