"""Questions and their accepted answer; the daily reminder for questions that waited long.

A question (a post of kind "question") can have one accepted answer among its comments, chosen by the
asker or a moderator of the space, changed or withdrawn by them at any time. The choice lives on the
post (Post.accepted_comment), so "solved" costs a feed nothing; a deleted, hidden or removed answer
un-solves the question (question_answer_forget, called where a comment stops being live).
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from content.delivery.notices import notice_send
from content.exceptions import ContentError, NotAllowed
from content.models import Comment, ContentStatus, Post, PostKind, QuestionReminder
from content.selectors.questions import no_reply_yet
from content.selectors.visibility import is_space_moderator
from content.services import limits
from members.models import Member

logger = logging.getLogger(__name__)

# A question with no reply after this long gets one notice to its asker...
REMIND_AFTER = timedelta(days=3)
# ...unless it is older than this (the first run must not wake up last year's questions).
REMIND_AT_MOST = timedelta(days=14)
REMIND_BATCH = 500
REMINDER_KIND = "question.unanswered"


class NotAQuestion(ContentError):
    code = "not_a_question"
    status = 400
    default_message = gettext_lazy("Only a question can have an accepted answer.")


class AnswerNotOnQuestion(ContentError):
    """The comment is not a live answer to this question (another post's, deleted, waiting for review)."""

    code = "answer_not_on_question"
    status = 400
    default_message = gettext_lazy("Only a comment on this question can be its accepted answer.")
    field = "comment_id"


def _check_chooser(*, post: Post, by: Member) -> None:
    if post.kind != PostKind.QUESTION:
        raise NotAQuestion()
    if post.is_deleted or post.status != ContentStatus.PUBLISHED:
        raise NotAQuestion()
    if post.author_id != by.pk and not is_space_moderator(member=by, space=post.space):
        raise NotAllowed(_("Only the member who asked, or a moderator of the space, can choose the answer."))
    limits.check_standing(member=by, publishing=False)


def question_answer_accept(*, post: Post, comment: Comment, by: Member) -> bool:
    """Mark `comment` as the question's accepted answer (replacing another one). Returns False when it
    already was."""
    _check_chooser(post=post, by=by)
    if comment.post_id != post.pk or comment.is_deleted or comment.status != ContentStatus.PUBLISHED:
        raise AnswerNotOnQuestion()
    changed = (
        Post.objects.filter(pk=post.pk)
        .exclude(accepted_comment_id=comment.pk)
        .update(accepted_comment_id=comment.pk)
    )
    post.accepted_comment_id = comment.pk
    return bool(changed)


def question_answer_withdraw(*, post: Post, by: Member) -> bool:
    """The question is open again. Returns False when it had no accepted answer."""
    _check_chooser(post=post, by=by)
    changed = Post.objects.filter(pk=post.pk, accepted_comment__isnull=False).update(accepted_comment=None)
    post.accepted_comment_id = None
    return bool(changed)


def question_answer_forget(*, comment_ids: list[int]) -> int:
    """These comments stopped being live (deleted, hidden, removed): a question that had one of them as
    its accepted answer is open again. Call it in the same transaction as the change."""
    if not comment_ids:
        return 0
    return Post.objects.filter(accepted_comment_id__in=comment_ids).update(accepted_comment=None)


# --- The daily reminder ---------------------------------------------------------------------------


def questions_waiting() -> QuerySet[Post]:
    """Published questions that nobody but the asker has replied to, in any space."""
    return Post.objects.filter(
        kind=PostKind.QUESTION, status=ContentStatus.PUBLISHED, deleted_at__isnull=True
    ).filter(no_reply_yet())


def questions_remind_unanswered(*, now: datetime | None = None, batch_size: int = REMIND_BATCH) -> int:
    """Tell each asker whose question has waited REMIND_AFTER without a reply, once, that adding
    details helps. The unique QuestionReminder row is the "once": a second run, or two at the same
    time, tells nobody twice. Returns how many were told."""
    now = now or timezone.now()
    due = (
        questions_waiting()
        .filter(created_at__lte=now - REMIND_AFTER, created_at__gt=now - REMIND_AT_MOST)
        .filter(~Exists(QuestionReminder.objects.filter(post_id=OuterRef("pk"))))
        .filter(Q(author__is_active=True))
        .select_related("author")
        .order_by("created_at", "pk")[:batch_size]
    )
    told = 0
    for post in due:
        try:
            with transaction.atomic():
                QuestionReminder.objects.create(post=post)
                _remind(post=post)
        except IntegrityError:  # another run took this one
            continue
        told += 1
    logger.info("content.questions.reminded count=%s", told)
    return told


def _remind(*, post: Post) -> None:
    asker = post.author
    # The inbox renders known kinds in the reader's language; until "question.unanswered" is one of
    # them it shows data["text"], so write that in the asker's own language.
    with translation.override(asker.language or None):
        text = _(
            "Your question “%(title)s” has had no answer for 3 days. Adding details (what you tried, "
            "what you expected) helps others answer."
        ) % {"title": post.title}
    notice_send(
        recipient=asker,
        kind=REMINDER_KIND,
        url=reverse("content:post_detail", args=[post.pk]),
        # A nudge, not something the member must know: the inbox only, so it never spends their
        # email budget (notices' email is transactional and skips the budget).
        data={"post_id": post.pk, "title": post.title, "text": text},
        email=False,
    )
