"""Content-side operations that moderation calls (content never imports moderation, DESIGN.md).

Changing a status keeps the counters right: Space.post_count counts published, not deleted posts and
Post.comment_count published, not deleted comments. Each change is a conditional UPDATE on the old
status, so two moderators acting at once move a counter only once. Search needs no re-index: it
filters by the visibility selectors at query time.
"""

from django.db import transaction
from django.db.models import F

from content.delivery.cancel import deliveries_cancel_for_content
from content.delivery.outbox import outbox_enqueue
from content.models import Comment, ContentStatus, Event, Post, Space
from content.services.questions import question_answer_forget
from members.models import Member

Target = Post | Comment | Event


def content_set_status(*, target: Target, status: str, by: Member) -> bool:
    """Set a post's, comment's or event's status (published, pending_review, hidden, removed).
    Returns False when it already had that status. `by` is the moderator (the audit log is moderation's)."""
    if status not in ContentStatus.values:
        raise ValueError(f"unknown status {status!r}")
    model = type(target)
    with transaction.atomic():
        current = (
            model.objects.select_for_update().filter(pk=target.pk).values("status", "deleted_at").first()
        )
        if current is None or current["status"] == status:
            return False
        model.objects.filter(pk=target.pk, status=current["status"]).update(status=status)
        was_live = current["status"] == ContentStatus.PUBLISHED and current["deleted_at"] is None
        is_live = status == ContentStatus.PUBLISHED and current["deleted_at"] is None
        step = int(is_live) - int(was_live)
        if isinstance(target, Post) and step:
            _step(Space.objects.filter(pk=target.space_id), "post_count", step)
        elif isinstance(target, Comment) and step:
            _step(Post.objects.filter(pk=target.post_id), "comment_count", step)
        if (
            is_live
            and current["status"] == ContentStatus.PENDING_REVIEW
            and isinstance(target, Post | Comment)
        ):
            # Held for review, now approved: deliver it as if just published (the outbox key makes a
            # second approval a no-op).
            kind = "post.published" if isinstance(target, Post) else "comment.created"
            outbox_enqueue(kind=kind, object_id=target.pk)
        if isinstance(target, Comment) and was_live and not is_live:
            # a hidden or removed accepted answer opens its question again
            question_answer_forget(comment_ids=[target.pk])
        if status in (ContentStatus.HIDDEN, ContentStatus.REMOVED):
            # L20: hidden or removed means stopped everywhere, queued emails and digests included
            deliveries_cancel_for_content(target=target)
    target.status = status
    return True


def _step(rows, field: str, step: int) -> None:
    if step > 0:
        rows.update(**{field: F(field) + 1})
    else:
        rows.filter(**{f"{field}__gt": 0}).update(**{field: F(field) - 1})
