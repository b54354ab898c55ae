"""Correction notes (issue 10): a moderator attaches a short note with sources to an inaccurate or
misleading post; readers see it above the post body, signed "the moderation team"; the author is told
and can reply; every add, change and withdrawal is a row of the append-only audit log.

A note is not a measure against the author: the audit rows have no `action` (their `code` says what
happened), so they give no strike, no statement of reasons to appeal (LEGAL L18 is about restrictions)
and count against nothing; the case file lists them apart from the measures.

Which review item a note belongs to (its audit rows point there, and the moderators read the note's
history and the author's replies on that item's page):
- added from a review item's page (the usual way: a report of "inaccurate or misleading" upheld), that
  item;
- added on a moderator's own initiative (the post page's link), the post's open item if it has one, so
  the note becomes part of the case already waiting; otherwise a new item created already decided,
  with an empty decision and no decision time. That item is a record, not a case: the queue only shows
  items still to decide, and the dashboard's decision figures (count, median time) only count items
  with a decision time, so a moderator's own correction never looks like work done or work waiting
  (an earlier period's queue on the dashboard needs to leave such records out too: see the xfail test
  in tests/moderation/test_corrections.py);
- a change or a withdrawal joins the item of the note's latest audit row, so one note's whole history
  stays in one place.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from content.delivery.notices import notice_send
from content.exceptions import ContentError, NotAllowed, NotFound
from content.models import CorrectionNote, CorrectionReply, Post
from content.models.corrections import (
    CORRECTION_REPLY_MAX,
    CORRECTION_TEXT_MAX,
    validate_correction_sources,
)
from content.selectors.visibility import is_space_moderator
from members.models import Member
from moderation.models import ModerationAction, ReportReason, ReviewItem, ReviewStatus, TargetKind
from moderation.selectors import Viewer

CODE_ADDED = "moderation.post.correction_added"
CODE_CHANGED = "moderation.post.correction_changed"
CODE_WITHDRAWN = "moderation.post.correction_withdrawn"
CORRECTION_CODES = (CODE_ADDED, CODE_CHANGED, CODE_WITHDRAWN)
WITHDRAW_REASON_MAX = 1000
NOTICE_KIND = "moderation.correction"
REPLY_NOTICE_KIND = "moderation.correction_reply"
# the same reply sent twice in a short while is a double click, not a second reply
REPLY_REPEAT_WINDOW = timedelta(minutes=10)


class CorrectionInvalid(ContentError):
    """Bad input for a note or a reply; `field` says which form field the sentence belongs beside."""

    code = "correction_invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- who may do what ---------------------------------------------------------------------------------


def can_correct(*, member: Viewer, post: Post) -> bool:
    """Operators, site moderators and the moderators of the post's space."""
    return is_space_moderator(member=member, space=post.space)


def correction_post_get(*, viewer: Viewer, pk: int) -> Post:
    """A post `viewer` may attach a note to, whatever its status (moderators act on hidden posts too);
    NotFound for a deleted post or one outside the spaces they moderate (nothing leaks)."""
    post = Post.objects.select_related("space", "author").filter(pk=pk, deleted_at__isnull=True).first()
    if post is None or not can_correct(member=viewer, post=post):
        raise NotFound()
    return post


def correction_note_get(*, viewer: Viewer, pk: int) -> CorrectionNote:
    """A note with its post and replies, for the post's author and the moderators who may correct the
    post; NotFound for anyone else (a reader sees the note on the post page, not here)."""
    note = (
        CorrectionNote.objects.select_related("post", "post__space", "post__author")
        .prefetch_related(Prefetch("replies", CorrectionReply.objects.order_by("created_at", "pk")))
        .filter(pk=pk)
        .first()
    )
    if note is None or not viewer.is_authenticated:
        raise NotFound()
    if note.post.author_id != viewer.pk and not can_correct(member=viewer, post=note.post):
        raise NotFound()
    return note


# --- input ---------------------------------------------------------------------------------------------


def correction_clean(*, text: str, sources: list[str] | None) -> tuple[str, list[str]]:
    """The note's text (required, at most 1,000 characters) and its sources: blank lines and repeats
    dropped, at most five, each an http(s) address."""
    text = (text or "").strip()
    if not text:
        raise CorrectionInvalid(
            _("Write the correction note: what is inaccurate, and what is right."), field="text"
        )
    if len(text) > CORRECTION_TEXT_MAX:
        raise CorrectionInvalid(
            _("The note can be at most %(max)d characters (it has %(len)d).")
            % {"max": CORRECTION_TEXT_MAX, "len": len(text)},
            field="text",
        )
    cleaned: list[str] = []
    for url in sources or []:
        url = str(url or "").strip()
        if url and url not in cleaned:
            cleaned.append(url)
    try:
        validate_correction_sources(cleaned)
    except ValidationError as error:
        raise CorrectionInvalid(" ".join(error.messages), field="sources") from None
    return text, cleaned


def audit_reason(*, text: str, sources: list[str], why: str = "") -> str:
    """What an audit row keeps of a note: the moderator's reason for a withdrawal (if any), the text,
    then the sources one per line."""
    parts = [why] if why else []
    parts.append(text)
    if sources:
        parts.append("\n".join(sources))
    return "\n\n".join(parts)


# --- the review item a note belongs to ----------------------------------------------------------------


def _item_for_new_note(*, post: Post, now: datetime) -> ReviewItem:
    """The post's open item, or a new record item already decided (see the module's docstring)."""
    item = (
        ReviewItem.objects.filter(kind=TargetKind.POST, object_id=post.pk)
        .exclude(status=ReviewStatus.DECIDED)
        .first()
    )
    if item is not None:
        return item
    return ReviewItem.objects.create(
        kind=TargetKind.POST,
        object_id=post.pk,
        space_id=post.space_id,
        reason=ReportReason.MISLEADING,
        snapshot_title=post.title,
        snapshot_body=post.body,
        snapshot_author_id=post.author_id,
        status=ReviewStatus.DECIDED,
        decision="",
        decided_at=None,
        created_at=now,
        triage_due_at=now,
        due_at=now,
    )


def _item_of_note(*, note: CorrectionNote, now: datetime) -> ReviewItem:
    latest = (
        ModerationAction.objects.filter(
            kind=TargetKind.POST,
            object_id=note.post_id,
            code__in=CORRECTION_CODES,
            created_at__gte=note.created_at,
            review_item__isnull=False,
        )
        .select_related("review_item")
        .order_by("-pk")
        .first()
    )
    return latest.review_item if latest is not None else _item_for_new_note(post=note.post, now=now)


def correction_item_id(*, note: CorrectionNote) -> int | None:
    """The review item holding the note's history (one query)."""
    return (
        ModerationAction.objects.filter(
            kind=TargetKind.POST,
            object_id=note.post_id,
            code__in=CORRECTION_CODES,
            created_at__gte=note.created_at,
            review_item__isnull=False,
        )
        .order_by("-pk")
        .values_list("review_item_id", flat=True)
        .first()
    )


def _log(*, item: ReviewItem, by: Member, post: Post, code: str, reason: str) -> ModerationAction:
    return ModerationAction.objects.create(
        review_item=item,
        moderator=by,
        action="",  # not a measure: the code says what happened
        code=code,
        kind=TargetKind.POST,
        object_id=post.pk,
        target_author_id=post.author_id,
        reason=reason,
        rule="",
    )


def _tell_author(*, note: CorrectionNote, post: Post, event: str, email: bool = True) -> None:
    """The author learns of the note and where to read it and reply, in their language (the inbox
    shows data["text"] until it has a sentence of its own for this kind)."""
    author = post.author
    with translation.override(author.language or None):
        if event == "added":
            text = _(
                "The moderation team added a correction note to your post “%(title)s”. "
                "You can read it and reply."
            )
        elif event == "changed":
            text = _("The moderation team changed the correction note on your post “%(title)s”.")
        else:
            text = _("The moderation team withdrew the correction note on your post “%(title)s”.")
        text = text % {"title": post.title}
    notice_send(
        recipient=author,
        kind=NOTICE_KIND,
        url=reverse("moderation:correction", args=[note.pk]),
        data={"event": event, "post_id": post.pk, "note_id": note.pk, "title": post.title, "text": text},
        email=email,
    )


# --- writes ------------------------------------------------------------------------------------------


def correction_note_add(
    *,
    post: Post,
    by: Member,
    text: str,
    sources: list[str] | None = None,
    review_item: ReviewItem | None = None,
) -> CorrectionNote:
    """Attach a note to a post that has none, log it and tell the author. `review_item`: the item the
    moderator acts from (it must be about this post); without it the note joins the post's open item
    or a new record item."""
    if not can_correct(member=by, post=post):
        raise NotAllowed()
    if post.deleted_at is not None:
        raise NotFound()
    if review_item is not None and (review_item.kind != TargetKind.POST or review_item.object_id != post.pk):
        raise NotFound()
    text, sources = correction_clean(text=text, sources=sources)
    already = _("This post already has a correction note: change it instead of adding another.")
    if CorrectionNote.objects.filter(post_id=post.pk, withdrawn_at__isnull=True).exists():
        raise CorrectionInvalid(already)
    now = timezone.now()
    try:
        with transaction.atomic():
            note = CorrectionNote.objects.create(
                post=post, text=text, sources=sources, added_by=by, created_at=now, updated_at=now
            )
            item = review_item or _item_for_new_note(post=post, now=now)
            _log(
                item=item, by=by, post=post, code=CODE_ADDED, reason=audit_reason(text=text, sources=sources)
            )
            _tell_author(note=note, post=post, event="added")
    except IntegrityError:  # another moderator's note arrived a moment ago (one current note per post)
        raise CorrectionInvalid(already) from None
    return note


def correction_note_change(
    *, note: CorrectionNote, by: Member, text: str, sources: list[str] | None = None
) -> bool:
    """Change the current note's text or sources, log it and tell the author. Returns False when
    nothing changed (no audit row, no notice)."""
    post = note.post
    if not can_correct(member=by, post=post):
        raise NotAllowed()
    text, sources = correction_clean(text=text, sources=sources)
    withdrawn = _("This correction note was withdrawn; add a new one instead.")
    if note.withdrawn_at is not None:
        raise CorrectionInvalid(withdrawn)
    if text == note.text and sources == note.sources:
        return False
    now = timezone.now()
    with transaction.atomic():
        updated = CorrectionNote.objects.filter(pk=note.pk, withdrawn_at__isnull=True).update(
            text=text, sources=sources, updated_at=now
        )
        if not updated:
            raise CorrectionInvalid(withdrawn)
        item = _item_of_note(note=note, now=now)
        _log(item=item, by=by, post=post, code=CODE_CHANGED, reason=audit_reason(text=text, sources=sources))
        _tell_author(note=note, post=post, event="changed")
    note.refresh_from_db()
    return True


def correction_note_withdraw(*, note: CorrectionNote, by: Member, reason: str = "") -> bool:
    """Take the note off the post (the row stays as a record), log it with the moderator's optional
    reason and tell the author in the inbox. Returns False when it was already withdrawn."""
    post = note.post
    if not can_correct(member=by, post=post):
        raise NotAllowed()
    reason = (reason or "").strip()
    if len(reason) > WITHDRAW_REASON_MAX:
        raise CorrectionInvalid(
            _("The reason can be at most %(max)d characters (it has %(len)d).")
            % {"max": WITHDRAW_REASON_MAX, "len": len(reason)},
            field="reason",
        )
    now = timezone.now()
    with transaction.atomic():
        updated = CorrectionNote.objects.filter(pk=note.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=now, updated_at=now
        )
        if not updated:
            note.refresh_from_db()
            return False
        item = _item_of_note(note=note, now=now)
        logged = audit_reason(text=note.text, sources=note.sources, why=reason)
        _log(item=item, by=by, post=post, code=CODE_WITHDRAWN, reason=logged)
        # good news for the author: the inbox is enough
        _tell_author(note=note, post=post, event="withdrawn", email=False)
    note.refresh_from_db()
    return True


def correction_reply_add(*, note: CorrectionNote, by: Member, text: str) -> CorrectionReply:
    """The post's author answers the note. The moderator who added it hears of it in their inbox; the
    reply shows on the review item's page. The same text twice within a few minutes is one reply."""
    if not by.is_authenticated or note.post.author_id != by.pk:
        raise NotAllowed()
    text = (text or "").strip()
    if not text:
        raise CorrectionInvalid(_("Write your reply."), field="text")
    if len(text) > CORRECTION_REPLY_MAX:
        raise CorrectionInvalid(
            _("The reply can be at most %(max)d characters (it has %(len)d).")
            % {"max": CORRECTION_REPLY_MAX, "len": len(text)},
            field="text",
        )
    now = timezone.now()
    last = CorrectionReply.objects.filter(note=note, author=by).order_by("-pk").first()
    if last is not None and last.text == text and now - last.created_at < REPLY_REPEAT_WINDOW:
        return last
    with transaction.atomic():
        reply = CorrectionReply.objects.create(note=note, author=by, text=text, created_at=now)
        item_id = correction_item_id(note=note)
        moderator = note.added_by
        if moderator.is_active and moderator.pk != by.pk:
            with translation.override(moderator.language or None):
                sentence = _("%(name)s replied to the correction note on “%(title)s”.") % {
                    "name": by.public_name,
                    "title": note.post.title,
                }
            notice_send(
                recipient=moderator,
                kind=REPLY_NOTICE_KIND,
                url=reverse("moderation:item", args=[item_id])
                if item_id
                else reverse("moderation:correction", args=[note.pk]),
                data={
                    "post_id": note.post_id,
                    "note_id": note.pk,
                    "title": note.post.title,
                    "text": sentence,
                },
                actor=by,
                email=False,
            )
    return reply


# --- reads for the moderators' pages -----------------------------------------------------------------


@dataclass
class CorrectionCase:
    """The notes of one post (newest first, each with its replies) and their history from the audit
    log, for the review item page and the correction form page."""

    notes: list[CorrectionNote] = field(default_factory=list)
    history: list[ModerationAction] = field(default_factory=list)

    @property
    def current(self) -> CorrectionNote | None:
        return next((note for note in self.notes if note.withdrawn_at is None), None)

    @property
    def has_replies(self) -> bool:
        return any(note.replies.all() for note in self.notes)  # prefetched: no query


def post_corrections(*, post_id: int) -> CorrectionCase:
    """One query when the post never had a note; three otherwise (notes, their replies with authors,
    the audit rows with their moderators), whatever the number of notes, replies and rows."""
    notes = list(
        CorrectionNote.objects.filter(post_id=post_id)
        .select_related("added_by")
        .prefetch_related(
            Prefetch("replies", CorrectionReply.objects.select_related("author").order_by("created_at", "pk"))
        )
        .order_by("-created_at", "-pk")
    )
    if not notes:
        return CorrectionCase()
    history = list(
        ModerationAction.objects.filter(kind=TargetKind.POST, object_id=post_id, code__in=CORRECTION_CODES)
        .select_related("moderator")
        .order_by("created_at", "pk")
    )
    for row in history:
        row.correction_event = row.code.rsplit("_", 1)[-1]  # added / changed / withdrawn
    return CorrectionCase(notes=notes, history=history)
