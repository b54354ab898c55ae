"""Comments on posts, with one level of replies."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from community.idempotency import FORM_TTL, once
from content.delivery.outbox import outbox_enqueue
from content.exceptions import ContentError, NotAllowed, NotFound
from content.hooks import Draft, after_publish, publish_ruling
from content.models import Comment, CommentRevision, ContentStatus, Post
from content.models.posts import COMMENT_MAX
from content.rendering import fingerprint
from content.search import search_index_touch
from content.selectors.visibility import can_change, can_participate
from content.services import limits
from content.services.mentions import mentions_record
from content.services.posts import _clean_text, _join_on_first_post, _render
from content.services.questions import question_answer_forget
from members.models import Member
from members.selectors import member_has_blocked


def comment_create(
    *, author: Member, post: Post, body: str, parent: Comment | None = None, submission_token: str = ""
) -> Comment:
    """Comment on a post (or reply). `submission_token` is the comment form's one-time token: the same
    token again (a double click) gets the comment it first made instead of a second one."""
    if submission_token:
        return _comment_create_once(
            author=author, post=post, body=body, parent=parent, submission_token=submission_token
        )
    limits.check_standing(member=author, publishing=True)
    body = _clean_text(body, field=_("comment"), maximum=COMMENT_MAX)
    if post.is_deleted or post.status != ContentStatus.PUBLISHED:
        raise NotFound()
    if not can_participate(member=author, space=post.space):
        raise NotAllowed(_("Join this space to comment in it."))
    limits.check_required_consents(member=author)
    if parent is not None:
        if parent.post_id != post.pk or parent.is_deleted:
            raise NotFound()
        if parent.parent_id:  # one level of replies: answer the thread, not the reply
            parent = parent.parent
    replied_to = parent.author_id if parent else post.author_id
    if member_has_blocked(blocker_id=replied_to, blocked_id=author.pk):
        raise NotAllowed(_("You cannot reply to this member."))

    body_fingerprint = fingerprint(body)
    limits.check_duplicate(author=author, fingerprint=body_fingerprint, kind="comment")
    draft = Draft(
        author=author,
        space_id=post.space_id,
        kind="comment",
        title="",
        body=body,
        fingerprint=body_fingerprint,
        space=post.space,
    )
    ruling = publish_ruling(draft)  # may refuse (PublishBlocked) before the window counts the comment
    limits.take_window(author=author, kind="comment")
    html, mentioned = _render(author=author, body=body)
    with transaction.atomic():
        _join_on_first_post(member=author, space=post.space)
        comment = Comment.objects.create(
            post=post,
            author=author,
            parent=parent,
            body=body,
            body_html=html,
            body_fingerprint=body_fingerprint,
            status=ContentStatus.PENDING_REVIEW if ruling.verdict == "hold" else ContentStatus.PUBLISHED,
        )
        if comment.status == ContentStatus.PUBLISHED:
            Post.objects.filter(pk=post.pk).update(
                comment_count=F("comment_count") + 1, last_activity_at=comment.created_at
            )
            outbox_enqueue(kind="comment.created", object_id=comment.pk)
        mentions_record(post=post, comment=comment, members=mentioned)
        after_publish(target=comment, draft=draft, ruling=ruling)
        transaction.on_commit(lambda: search_index_touch(comment_ids=[comment.pk]))
    return comment


def _can_change(*, comment: Comment, by: Member) -> bool:
    return can_change(member=by, author_id=comment.author_id, space=comment.post.space)


def _comment_create_once(
    *, author: Member, post: Post, body: str, parent: Comment | None, submission_token: str
) -> Comment:
    def still_there(pk: int) -> Comment | None:
        return Comment.objects.filter(pk=pk, deleted_at__isnull=True).first()

    def same_comment_just_now() -> Comment | None:  # Redis down: see content.services.posts
        try:
            text = _clean_text(body, field="comment", maximum=COMMENT_MAX)
        except ContentError:
            return None
        since = timezone.now() - timedelta(seconds=FORM_TTL)
        return (
            Comment.objects.filter(
                author=author,
                post=post,
                body_fingerprint=fingerprint(text),
                created_at__gte=since,
                deleted_at__isnull=True,
            )
            .order_by("-pk")
            .first()
        )

    return once(
        scope="form.comment",
        owner_id=author.pk,
        key=submission_token,
        ttl=FORM_TTL,
        action=lambda: comment_create(author=author, post=post, body=body, parent=parent),
        remember=lambda comment: comment.pk,
        recall=still_there,
        fallback=same_comment_just_now,
    )


def comment_edit(*, comment: Comment, by: Member, body: str) -> Comment:
    if comment.is_deleted or not _can_change(comment=comment, by=by):
        raise NotAllowed()
    limits.check_standing(member=by, publishing=True)  # an edit publishes new words
    body = _clean_text(body, field=_("comment"), maximum=COMMENT_MAX)
    if body == comment.body:
        return comment
    draft = Draft(
        author=by,
        space_id=comment.post.space_id,
        kind="comment",
        title="",
        body=body,
        fingerprint=fingerprint(body),
        is_edit=True,
    )
    ruling = publish_ruling(draft)  # the new words meet the same rules (may refuse)
    html, mentioned = _render(author=comment.author, body=body)
    with transaction.atomic():
        CommentRevision.objects.create(comment=comment, body=comment.body, edited_by=by)
        comment.body, comment.body_html = body, html
        comment.body_fingerprint = draft.fingerprint
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "body_fingerprint", "edited_at"])
        mentions_record(post=comment.post, comment=comment, members=mentioned)
        after_publish(target=comment, draft=draft, ruling=ruling)
        transaction.on_commit(lambda: search_index_touch(comment_ids=[comment.pk]))
    return comment


def comment_delete(*, comment: Comment, by: Member) -> bool:
    if not _can_change(comment=comment, by=by):
        raise NotAllowed()
    with transaction.atomic():
        updated = Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now(), deleted_by=by
        )
        if updated and comment.status == ContentStatus.PUBLISHED:
            Post.objects.filter(pk=comment.post_id, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )
        if updated:  # a deleted accepted answer opens its question again
            question_answer_forget(comment_ids=[comment.pk])
    comment.refresh_from_db()
    return bool(updated)
