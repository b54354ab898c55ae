"""Posting friction for newcomers and bad actors (LEGAL L21): windows per trust level, slow mode,
links per post and duplicate text. Checked before anything is written; a refusal says why and when
the member can try again."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.ratelimit import window_hit
from content.exceptions import (
    AccountSuspended,
    ConsentRequired,
    DuplicateContent,
    PostingLimited,
    PostingLimitReached,
)
from content.models import Comment, Post, Space
from content.rendering import count_links
from members.models import Member
from members.standing import member_posting_limited_until, member_suspended_until
from privacy.selectors import required_consents_pending


def _limits_for(member: Member) -> dict:
    levels = settings.POSTING_LIMITS
    return levels.get(member.trust_level, levels[max(levels)])


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def check_standing(*, member: Member, publishing: bool) -> None:
    """L20: a suspended member only reads; a posting-limited one also reacts and RSVPs, but publishes
    nothing (`publishing`: a post, comment or event, or an edit of one). Reads the member row's fields,
    no query. The error carries the end of the restriction as `retry_at`."""
    now = timezone.now()
    until = member_suspended_until(member=member, now=now)
    if until is not None:
        raise AccountSuspended(
            _("Your account is suspended until %(time)s: you can read, but not post, comment, react or RSVP.")
            % {"time": _when(until)},
            retry_at=until,
        )
    until = member_posting_limited_until(member=member, now=now) if publishing else None
    if until is not None:
        raise PostingLimited(
            _("Your account may not post or comment until %(time)s; you can still read, react and RSVP.")
            % {"time": _when(until)},
            retry_at=until,
        )


def check_required_consents(*, member: Member) -> None:
    """L2: reading stays possible; taking part waits until the member accepts the new version of the
    terms. Answered from the cache and request.user (shared with the page's banner): usually no query."""
    if required_consents_pending(member=member):
        raise ConsentRequired(
            _("The terms have changed. Please accept the new version at %(url)s before you post again.")
            % {"url": reverse("privacy:accept")}
        )


def check_links(*, author: Member, body: str) -> None:
    allowed = _limits_for(author)["links_per_post"]
    if count_links(body) > allowed:
        raise PostingLimitReached(
            ngettext(
                "New members can include at most %(count)d link in a post. Remove some links and try again.",
                "New members can include at most %(count)d links in a post. Remove some links and try again.",
                allowed,
            )
            % {"count": allowed}
        )


def check_duplicate(*, author: Member, fingerprint: str, kind: str) -> None:
    since = timezone.now() - timedelta(hours=settings.DUPLICATE_WINDOW_HOURS)
    model = Post if kind == "post" else Comment
    if model.objects.filter(
        author=author, body_fingerprint=fingerprint, created_at__gte=since, deleted_at__isnull=True
    ).exists():
        raise DuplicateContent(
            _(
                "You posted the same text in the last 24 hours. "
                "Add something new, or link to your earlier post."
            )
        )


def check_slow_mode(*, author: Member, space: Space) -> None:
    if not space.slow_mode_seconds:
        return
    last = (
        Post.objects.filter(author=author, space=space, deleted_at__isnull=True)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return
    retry_at = last + timedelta(seconds=space.slow_mode_seconds)
    if retry_at > timezone.now():
        raise PostingLimitReached(
            _("This space is in slow mode. From %(time)s you can post here again.")
            % {"time": date_format(timezone.localtime(retry_at), "DATETIME_FORMAT")},
            retry_at=retry_at,
        )


def take_window(*, author: Member, kind: str) -> None:
    """Count this post or comment against the member's window; refuse when it is full."""
    limit = _limits_for(author)["posts" if kind == "post" else "comments"]
    window = window_hit(limit=limit, key=f"{kind}:{author.pk}")
    if window.allowed:
        return
    when = date_format(timezone.localtime(window.retry_at), "DATETIME_FORMAT")
    message = (
        _(
            "You have reached today's limit of new posts for your trust level. "
            "From %(time)s you can post again."
        )
        if kind == "post"
        else _(
            "You have reached today's limit of comments for your trust level. "
            "From %(time)s you can comment again."
        )
    )
    raise PostingLimitReached(message % {"time": when}, retry_at=window.retry_at)
