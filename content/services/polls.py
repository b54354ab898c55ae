"""Polls: created with a post, one ballot per member changeable until the poll closes, withdrawn.

Counting under concurrent votes (PostgreSQL): a ballot is found or created by its unique key
(poll, voter_key), then locked, so two requests of the same member run one after the other; two
members never touch the same ballot. The counts are atomic `F()` updates, always in the same order
(the poll, then its options by id), so concurrent voters wait for each other instead of deadlocking,
and a count never misses a vote. See content/models/polls.py for what "anonymous" stores.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from content.exceptions import ContentError, NotAllowed, NotFound
from content.models import ContentStatus, Poll, PollChoice, PollOption, PollVote, Post, Space
from content.models.polls import OPTION_MAX, OPTIONS_MAX, OPTIONS_MIN
from content.selectors.polls import voter_key, voter_keys
from content.selectors.visibility import can_participate
from content.services import limits
from content.services.posts import post_publish, post_publish_once
from members.models import Member


class PollInvalid(ContentError):
    """Bad input for a poll or a vote; `field` names the form or API field the message belongs beside."""

    code = "poll_invalid"
    status = 400
    default_message = gettext_lazy("Please check the poll.")
    field: str | None = None

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class PollClosed(ContentError):
    code = "poll_closed"
    status = 409
    default_message = gettext_lazy("This poll is closed: votes can no longer be cast or changed.")


class PollExists(ContentError):
    code = "poll_exists"
    status = 409
    default_message = gettext_lazy("This post already has a poll.")


@dataclass(frozen=True)
class PollSpec:
    """A poll's settings, already checked (poll_check)."""

    options: tuple[str, ...]
    allows_multiple: bool = False
    is_anonymous: bool = False
    results_after_close: bool = False
    closes_at: datetime | None = None


def poll_check(
    *,
    options: Iterable[str],
    allows_multiple: bool = False,
    is_anonymous: bool = False,
    results_after_close: bool = False,
    closes_at: datetime | None = None,
) -> PollSpec:
    """Check a poll before anything is written (so a post is never published with a broken poll)."""
    labels = [" ".join(str(option).split()) for option in options]
    labels = [label for label in labels if label]
    if len(labels) < OPTIONS_MIN:
        raise PollInvalid(
            _("A poll needs at least %(min)d options (this one has %(count)d).")
            % {"min": OPTIONS_MIN, "count": len(labels)},
            field="options",
        )
    if len(labels) > OPTIONS_MAX:
        raise PollInvalid(
            _("A poll can have at most %(max)d options (this one has %(count)d).")
            % {"max": OPTIONS_MAX, "count": len(labels)},
            field="options",
        )
    seen: set[str] = set()
    for label in labels:
        if len(label) > OPTION_MAX:
            raise PollInvalid(
                _("An option can be at most %(max)d characters (“%(option)s…” has %(count)d).")
                % {"max": OPTION_MAX, "option": label[:30], "count": len(label)},
                field="options",
            )
        if label.casefold() in seen:
            raise PollInvalid(
                _("Each option can appear only once: “%(option)s” is there twice.") % {"option": label},
                field="options",
            )
        seen.add(label.casefold())
    if closes_at is not None:
        if timezone.is_naive(closes_at):
            raise ValueError("closes_at must be timezone-aware")
        if closes_at <= timezone.now():
            raise PollInvalid(_("The closing time must be in the future."), field="closes_at")
    if results_after_close and closes_at is None:
        raise PollInvalid(
            _("Results shown only after the poll closes need a closing time."), field="closes_at"
        )
    return PollSpec(
        options=tuple(labels),
        allows_multiple=allows_multiple,
        is_anonymous=is_anonymous,
        results_after_close=results_after_close,
        closes_at=closes_at,
    )


def poll_create(*, post: Post, by: Member, spec: PollSpec) -> Poll:
    """The post's author adds a poll to it (once)."""
    if post.author_id != by.pk or post.is_deleted:
        raise NotAllowed(_("Only the author of a post can add a poll to it."))
    with transaction.atomic():
        locked = Post.objects.select_for_update().only("pk", "has_poll").get(pk=post.pk)
        if locked.has_poll:
            raise PollExists()
        poll = Poll.objects.create(
            post=post,
            allows_multiple=spec.allows_multiple,
            is_anonymous=spec.is_anonymous,
            results_after_close=spec.results_after_close,
            closes_at=spec.closes_at,
        )
        PollOption.objects.bulk_create(
            [PollOption(poll=poll, position=n, label=label) for n, label in enumerate(spec.options, 1)]
        )
        Post.objects.filter(pk=post.pk).update(has_poll=True)
    post.has_poll = True
    return poll


def post_publish_with_poll(
    *,
    author: Member,
    space: Space,
    title: str,
    body: str,
    poll: PollSpec | None = None,
    submission_token: str = "",
    **post_fields,
) -> Post:
    """Publish a post and, in the same transaction, its poll. The poll is checked (poll_check) before
    this is called, so the post's limits are not spent on a poll that would be refused. The form's
    `submission_token` makes a resent form return the first post (and its poll) instead of a second."""

    def publish() -> Post:
        with transaction.atomic():
            post = post_publish(author=author, space=space, title=title, body=body, **post_fields)
            if poll is not None:
                poll_create(post=post, by=author, spec=poll)
        return post

    if submission_token:
        return post_publish_once(author=author, body=body, submission_token=submission_token, publish=publish)
    return publish()


# --- Voting ---------------------------------------------------------------------------------------


def _check_voter(*, poll: Poll, member: Member) -> None:
    post = poll.post
    if post.is_deleted or post.status != ContentStatus.PUBLISHED:
        raise NotFound()
    if not can_participate(member=member, space=post.space):
        raise NotAllowed(_("Join this space to vote in its polls."))
    limits.check_standing(member=member, publishing=False)
    limits.check_required_consents(member=member)
    if poll.is_closed:
        raise PollClosed()


def _clean_choice(*, poll: Poll, option_ids: Iterable[int | str]) -> set[int]:
    try:
        chosen = {int(option_id) for option_id in option_ids}
    except (TypeError, ValueError) as error:
        raise PollInvalid(_("Choose one of the poll's options."), field="option_ids") from error
    if not chosen:
        raise PollInvalid(_("Choose an option to vote."), field="option_ids")
    if not poll.allows_multiple and len(chosen) > 1:
        raise PollInvalid(_("This poll takes one choice only."), field="option_ids")
    known = set(PollOption.objects.filter(poll=poll).values_list("pk", flat=True))
    if not chosen <= known:
        raise PollInvalid(_("Choose one of the poll's options."), field="option_ids")
    return chosen


def _locked_ballot(*, poll: Poll, member: Member) -> PollVote | None:
    keys = voter_keys(poll_id=poll.pk, member_id=member.pk)
    ballots = {
        b.voter_key: b for b in PollVote.objects.select_for_update().filter(poll=poll, voter_key__in=keys)
    }
    for key in keys:  # the current key's ballot first
        if key in ballots:
            ballot = ballots[key]
            if key != keys[0]:  # made under an older secret key: move it to the current one
                ballot.voter_key = keys[0]
                ballot.save(update_fields=["voter_key"])
            return ballot
    return None


def _count(*, poll: Poll, voters: int, deltas: dict[int, int]) -> None:
    """The counts, in one fixed order (the poll, then its options by id): no deadlock between voters."""
    if voters > 0:
        Poll.objects.filter(pk=poll.pk).update(voter_count=F("voter_count") + voters)
    elif voters < 0:
        Poll.objects.filter(pk=poll.pk, voter_count__gt=0).update(voter_count=F("voter_count") - 1)
    for option_id in sorted(deltas):
        delta = deltas[option_id]
        if delta > 0:
            PollOption.objects.filter(pk=option_id).update(vote_count=F("vote_count") + delta)
        elif delta < 0:
            PollOption.objects.filter(pk=option_id, vote_count__gte=-delta).update(
                vote_count=F("vote_count") + delta
            )


def poll_vote(*, poll: Poll, member: Member, option_ids: Iterable[int | str]) -> bool:
    """Cast or change the member's vote. Returns False when it already was exactly this choice."""
    _check_voter(poll=poll, member=member)
    chosen = _clean_choice(poll=poll, option_ids=option_ids)
    with transaction.atomic():
        ballot = _locked_ballot(poll=poll, member=member)
        created = False
        if ballot is None:
            key = voter_key(poll_id=poll.pk, member_id=member.pk)
            try:
                with transaction.atomic():  # a savepoint: the same member voting twice at once
                    ballot = PollVote.objects.create(
                        poll=poll,
                        voter_key=key,
                        # an anonymous ballot names nobody and keeps no time (content/models/polls.py)
                        member=None if poll.is_anonymous else member,
                        voted_at=None if poll.is_anonymous else timezone.now(),
                    )
                created = True
            except IntegrityError:
                ballot = PollVote.objects.select_for_update().get(poll=poll, voter_key=key)
        before = set(PollChoice.objects.filter(vote=ballot).values_list("option_id", flat=True))
        if before == chosen and not created:
            return False
        removed, added = before - chosen, chosen - before
        if removed:
            PollChoice.objects.filter(vote=ballot, option_id__in=removed).delete()
        PollChoice.objects.bulk_create([PollChoice(vote=ballot, option_id=option_id) for option_id in added])
        deltas = dict.fromkeys(removed, -1) | dict.fromkeys(added, 1)
        _count(poll=poll, voters=1 if created else 0, deltas=deltas)
        if not poll.is_anonymous and not created:
            PollVote.objects.filter(pk=ballot.pk).update(voted_at=timezone.now())
    return True


def poll_vote_withdraw(*, poll: Poll, member: Member) -> bool:
    """Take the member's vote back (until the poll closes). False when there was none."""
    _check_voter(poll=poll, member=member)
    with transaction.atomic():
        ballot = _locked_ballot(poll=poll, member=member)
        if ballot is None:
            return False
        _ballot_delete(poll=poll, ballot=ballot)
    return True


def _ballot_delete(*, poll: Poll, ballot: PollVote) -> None:
    chosen = list(PollChoice.objects.filter(vote=ballot).values_list("option_id", flat=True))
    ballot.delete()  # its choices go with it (CASCADE)
    _count(poll=poll, voters=-1, deltas=dict.fromkeys(chosen, -1))


def poll_votes_erase(*, member_id: int) -> int:
    """LEGAL L9, for content/privacy.py: the member's public votes are deleted (the counts follow); the
    keys of their anonymous ballots are replaced at random, so those votes still count but can no
    longer be linked to anyone, not even with the server's secret key. Idempotent."""
    affected = 0
    for ballot in (
        PollVote.objects.filter(member_id=member_id).select_related("poll").order_by("poll_id", "pk")
    ):
        with transaction.atomic():
            locked = PollVote.objects.select_for_update().filter(pk=ballot.pk).first()
            if locked is not None:
                _ballot_delete(poll=ballot.poll, ballot=locked)
                affected += 1
    anonymous = list(Poll.objects.filter(is_anonymous=True).values_list("pk", flat=True))
    for start in range(0, len(anonymous), 500):
        keys = [
            key
            for poll_id in anonymous[start : start + 500]
            for key in voter_keys(poll_id=poll_id, member_id=member_id)
        ]
        for ballot_id in PollVote.objects.filter(voter_key__in=keys, member__isnull=True).values_list(
            "pk", flat=True
        ):
            affected += PollVote.objects.filter(pk=ballot_id).update(voter_key=secrets.token_hex(32))
    return affected
