"""Writing posts: publish, edit (revisions kept), soft delete, pin, promotional flag."""

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from community.idempotency import FORM_TTL, once
from content.delivery.outbox import outbox_enqueue
from content.exceptions import ContentError, NotAllowed, SpaceClosed
from content.hooks import Draft, after_publish, publish_ruling
from content.models import (
    ContentStatus,
    MembershipStatus,
    Post,
    PostingPolicy,
    PostKind,
    PostRevision,
    Space,
    SpaceMembership,
)
from content.models.posts import BODY_MAX, TITLE_MAX
from content.rendering import fingerprint, render_markdown
from content.search import search_index_touch
from content.selectors.visibility import can_change, can_participate, is_space_moderator
from content.services import limits
from content.services.mentions import link_mentions, mentions_record, resolve_mentions
from members.models import Member


def _clean_text(value: str, *, field: str, maximum: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ContentError(_("Please write a %(field)s.") % {"field": field})
    if len(value) > maximum:
        raise ContentError(
            _("The %(field)s can be at most %(max)d characters (it has %(len)d).")
            % {"field": field, "max": maximum, "len": len(value)}
        )
    return value


def _render(*, author: Member, body: str) -> tuple[str, list[Member]]:
    mentions = resolve_mentions(author=author, body=body)
    return link_mentions(render_markdown(body), mentions), list(mentions.values())


def post_publish(
    *,
    author: Member,
    space: Space,
    title: str,
    body: str,
    kind: str = PostKind.DISCUSSION,
    is_promotional: bool = False,
    submission_token: str = "",
) -> Post:
    """Publish (or hold for review) a post. Checks permission and every posting limit first.

    `submission_token` is the new-post form's one-time token: the same token again (a double click, a
    resent form) gets the post it first made instead of a second one."""
    if submission_token:
        return post_publish_once(
            author=author,
            body=body,
            submission_token=submission_token,
            publish=lambda: post_publish(
                author=author, space=space, title=title, body=body, kind=kind, is_promotional=is_promotional
            ),
        )
    limits.check_standing(member=author, publishing=True)
    title = _clean_text(title, field=_("title"), maximum=TITLE_MAX)
    body = _clean_text(body, field=_("body"), maximum=BODY_MAX)
    if not can_participate(member=author, space=space):
        raise NotAllowed(_("Join this space to post in it."))
    limits.check_required_consents(member=author)
    moderates = is_space_moderator(member=author, space=space)
    if space.posting_policy == PostingPolicy.MODERATORS and not moderates:
        raise SpaceClosed()
    if kind == PostKind.ANNOUNCEMENT and not moderates:
        raise NotAllowed(_("Only moderators of this space can post announcements."))
    if is_promotional and not (moderates and kind == PostKind.ANNOUNCEMENT):
        raise NotAllowed(_("Only an announcement by a moderator can be marked promotional."))

    body_fingerprint = fingerprint(body)
    limits.check_links(author=author, body=body)
    limits.check_duplicate(author=author, fingerprint=body_fingerprint, kind="post")
    limits.check_slow_mode(author=author, space=space)
    draft = Draft(
        author=author,
        space_id=space.pk,
        kind="post",
        title=title,
        body=body,
        fingerprint=body_fingerprint,
        space=space,
        moderates=moderates,
    )
    ruling = publish_ruling(draft)  # may refuse (PublishBlocked) before the window counts the post
    limits.take_window(author=author, kind="post")
    html, mentioned = _render(author=author, body=body)
    with transaction.atomic():
        _join_on_first_post(member=author, space=space)
        post = Post.objects.create(
            space=space,
            author=author,
            kind=kind,
            is_promotional=is_promotional,
            title=title,
            body=body,
            body_html=html,
            body_fingerprint=body_fingerprint,
            status=ContentStatus.PENDING_REVIEW if ruling.verdict == "hold" else ContentStatus.PUBLISHED,
        )
        if post.status == ContentStatus.PUBLISHED:
            Space.objects.filter(pk=space.pk).update(post_count=F("post_count") + 1)
            outbox_enqueue(kind="post.published", object_id=post.pk)
        mentions_record(post=post, comment=None, members=mentioned)
        after_publish(target=post, draft=draft, ruling=ruling)
        transaction.on_commit(lambda: search_index_touch(post_ids=[post.pk]))
    return post


def post_publish_once(
    *, author: Member, body: str, submission_token: str, publish: Callable[[], Post]
) -> Post:
    """Runs `publish` once per form token of the author (community.idempotency): a repeat within
    FORM_TTL, even one arriving at the same moment, gets the first post back."""

    def still_there(pk: int) -> Post | None:
        return Post.objects.filter(pk=pk, deleted_at__isnull=True).first()

    def same_post_just_now() -> Post | None:
        # Redis is down, so the token was not remembered: the post this author just wrote with the
        # same text is the one the token made (the duplicate check would refuse a second anyway).
        try:
            text = _clean_text(body, field="body", maximum=BODY_MAX)
        except ContentError:
            return None
        return (
            Post.objects.filter(
                author=author,
                body_fingerprint=fingerprint(text),
                created_at__gte=timezone.now() - timedelta(seconds=FORM_TTL),
                deleted_at__isnull=True,
            )
            .order_by("-pk")
            .first()
        )

    return once(
        scope="form.post",
        owner_id=author.pk,
        key=submission_token,
        ttl=FORM_TTL,
        action=publish,
        remember=lambda post: post.pk,
        recall=still_there,
        fallback=same_post_just_now,
    )


def _join_on_first_post(*, member: Member, space: Space) -> None:
    _membership, created = SpaceMembership.objects.get_or_create(
        space=space, member=member, defaults={"status": MembershipStatus.ACTIVE}
    )
    if created:
        Space.objects.filter(pk=space.pk).update(member_count=F("member_count") + 1)


def _can_change(*, post: Post, by: Member) -> bool:
    return can_change(member=by, author_id=post.author_id, space=post.space)


def post_edit(*, post: Post, by: Member, title: str, body: str) -> Post:
    if post.is_deleted or not _can_change(post=post, by=by):
        raise NotAllowed()
    limits.check_standing(member=by, publishing=True)  # an edit publishes new words
    title = _clean_text(title, field=_("title"), maximum=TITLE_MAX)
    body = _clean_text(body, field=_("body"), maximum=BODY_MAX)
    if title == post.title and body == post.body:
        return post
    if post.author_id == by.pk:
        limits.check_links(author=by, body=body)
    draft = Draft(
        author=by,
        space_id=post.space_id,
        kind="post",
        title=title,
        body=body,
        fingerprint=fingerprint(body),
        is_edit=True,
    )
    ruling = publish_ruling(draft)  # the new words meet the same rules (may refuse)
    html, mentioned = _render(author=post.author, body=body)
    with transaction.atomic():
        PostRevision.objects.create(post=post, title=post.title, body=post.body, edited_by=by)
        post.title, post.body, post.body_html = title, body, html
        post.body_fingerprint = draft.fingerprint
        post.edited_at = timezone.now()
        post.save(update_fields=["title", "body", "body_html", "body_fingerprint", "edited_at"])
        mentions_record(post=post, comment=None, members=mentioned)
        after_publish(target=post, draft=draft, ruling=ruling)
        transaction.on_commit(lambda: search_index_touch(post_ids=[post.pk]))
    return post


def post_delete(*, post: Post, by: Member) -> bool:
    """Soft delete: the record stays for moderation and legal retention; members no longer see it.
    Returns False when it was already deleted."""
    if not _can_change(post=post, by=by):
        raise NotAllowed()
    with transaction.atomic():
        updated = Post.objects.filter(pk=post.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now(), deleted_by=by, is_pinned=False
        )
        if updated and post.status == ContentStatus.PUBLISHED:
            Space.objects.filter(pk=post.space_id, post_count__gt=0).update(post_count=F("post_count") - 1)
    post.refresh_from_db()
    return bool(updated)


def post_pin(*, post: Post, by: Member, pinned: bool) -> Post:
    if not is_space_moderator(member=by, space=post.space) or post.is_deleted:
        raise NotAllowed(_("Only moderators of this space can pin posts."))
    if post.is_pinned != pinned:
        post.is_pinned = pinned
        post.save(update_fields=["is_pinned"])
    return post


def post_set_promotional(*, post: Post, by: Member, promotional: bool) -> Post:
    """LEGAL L13: a promotional announcement goes only to members with a marketing consent."""
    if not is_space_moderator(member=by, space=post.space):
        raise NotAllowed(_("Only moderators of this space can mark posts as promotional."))
    if promotional and post.kind != PostKind.ANNOUNCEMENT:
        raise ContentError(_("Only announcements can be marked promotional."))
    if post.is_promotional != promotional:
        post.is_promotional = promotional
        post.save(update_fields=["is_promotional"])
    return post
