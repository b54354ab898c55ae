"""Reading polls: what a viewer sees of one (options, their own choice, results when shown) and the
CSV of the results for the post's author and operators.

A poll's state costs a fixed number of queries: the poll, its options, the viewer's own choice, and for
a public poll whose results are shown, the names of the voters.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from content.exceptions import NotAllowed, NotFound
from content.models import ContentStatus, Poll, PollChoice, PollOption, Post
from content.selectors.visibility import Viewer, can_participate, posts_readable
from members.selectors import member_is_operator

VOTERS_SHOWN = 500  # names listed under a public poll's options; the CSV has them all
VOTER_KEY_SALT = "content.polls.voter"


def voter_key(*, poll_id: int, member_id: int, secret: str | None = None) -> str:
    """One-way: HMAC-SHA256 keyed with the server's secret key, of the poll and the member
    (content/models/polls.py says why this is still one vote per member)."""
    return salted_hmac(
        VOTER_KEY_SALT, f"{poll_id}:{member_id}", secret=secret, algorithm="sha256"
    ).hexdigest()


def voter_keys(*, poll_id: int, member_id: int) -> list[str]:
    """The member's key under the current secret key first, then under each older one still accepted
    (SECRET_KEY_FALLBACKS), so rotating the secret does not let anyone vote twice."""
    secrets = [None, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [voter_key(poll_id=poll_id, member_id=member_id, secret=secret) for secret in secrets]


@dataclass
class OptionResult:
    id: int
    label: str
    votes: int
    percent: int
    chosen: bool
    voters: list[str] = field(default_factory=list)


@dataclass
class PollState:
    poll: Poll
    post: Post
    options: list[OptionResult]
    has_voted: bool
    can_vote: bool  # the viewer may vote (or change their vote) now
    results_visible: bool
    is_closed: bool
    voter_count: int
    closes_at: datetime | None
    # why the viewer cannot vote, for the page: "closed", "sign_in", "not_published", "join", "" (they can)
    blocked_by: str = ""
    can_export: bool = False  # the results as CSV: the post's author and operators


def poll_for_post(*, post: Post) -> Poll:
    poll = Poll.objects.filter(post=post).first() if post.has_poll else None
    if poll is None:
        raise NotFound()
    poll.post = post
    return poll


def poll_get(*, viewer: Viewer, pk: int) -> Poll:
    """A poll whose post the viewer may read; NotFound otherwise (nothing leaks)."""
    poll = (
        Poll.objects.filter(pk=pk, post__in=posts_readable(viewer=viewer).values("pk"))
        .select_related("post__space", "post__author")
        .first()
    )
    if poll is None:
        raise NotFound()
    return poll


def _percent(votes: int, voters: int) -> int:
    return round(100 * votes / voters) if voters else 0


def poll_state(*, viewer: Viewer, poll: Poll) -> PollState:
    post = poll.post
    options = list(PollOption.objects.filter(poll=poll).order_by("position"))
    mine: set[int] = set()
    if viewer.is_authenticated:
        keys = voter_keys(poll_id=poll.pk, member_id=viewer.pk)
        mine = set(
            PollChoice.objects.filter(vote__poll=poll, vote__voter_key__in=keys).values_list(
                "option_id", flat=True
            )
        )
    closed = poll.is_closed
    has_voted = bool(mine)
    results_visible = closed or (has_voted and not poll.results_after_close)
    live = post.status == ContentStatus.PUBLISHED and not post.is_deleted
    if closed:
        blocked_by = "closed"
    elif not viewer.is_authenticated:
        blocked_by = "sign_in"
    elif not live:
        blocked_by = "not_published"  # the author's own post, still waiting for a moderator
    elif not can_participate(member=viewer, space=post.space):
        blocked_by = "join"
    else:
        blocked_by = ""
    voters: dict[int, list[str]] = defaultdict(list)
    if results_visible and not poll.is_anonymous:
        for option_id, name in (
            PollChoice.objects.filter(vote__poll=poll, vote__member__isnull=False)
            .order_by("option_id", "vote__voted_at", "vote_id")
            .values_list("option_id", "vote__member__display_name")[:VOTERS_SHOWN]
        ):
            voters[option_id].append(name or _("Deleted member"))  # as Member.public_name says it
    return PollState(
        poll=poll,
        post=post,
        options=[
            OptionResult(
                id=option.pk,
                label=option.label,
                votes=option.vote_count if results_visible else 0,
                percent=_percent(option.vote_count, poll.voter_count) if results_visible else 0,
                chosen=option.pk in mine,
                voters=voters.get(option.pk, []),
            )
            for option in options
        ],
        has_voted=has_voted,
        can_vote=not blocked_by,
        results_visible=results_visible,
        is_closed=closed,
        voter_count=poll.voter_count,
        closes_at=poll.closes_at,
        blocked_by=blocked_by,
        can_export=poll_export_allowed(viewer=viewer, poll=poll),
    )


def poll_export_allowed(*, viewer: Viewer, poll: Poll) -> bool:
    return viewer.is_authenticated and (member_is_operator(member=viewer) or poll.post.author_id == viewer.pk)


def poll_export_rows(*, viewer: Viewer, poll: Poll) -> tuple[list[str], list[list[str]]]:
    """The results as CSV rows for the post's author and operators (others: NotAllowed).

    A public poll: one row per choice (voter, option, voted at). An anonymous poll: one row per option
    (option, votes), because nothing else exists to export."""
    if not poll_export_allowed(viewer=viewer, poll=poll):
        raise NotAllowed(_("Only the author of the post and operators can download the results."))
    options = list(PollOption.objects.filter(poll=poll).order_by("position"))
    if poll.is_anonymous:
        return [_("option"), _("votes")], [[option.label, str(option.vote_count)] for option in options]
    labels = {option.pk: option.label for option in options}
    rows = [
        [name or _("Deleted member"), labels[option_id], voted_at.isoformat() if voted_at else ""]
        for option_id, name, voted_at in PollChoice.objects.filter(vote__poll=poll)
        .order_by("option__position", "vote__voted_at", "vote_id")
        .values_list("option_id", "vote__member__display_name", "vote__voted_at")
        .iterator(chunk_size=2000)
    ]
    return [_("voter"), _("option"), _("voted at")], rows


__all__ = [
    "OptionResult",
    "PollState",
    "poll_export_allowed",
    "poll_export_rows",
    "poll_for_post",
    "poll_get",
    "poll_state",
    "voter_key",
    "voter_keys",
]
