"""Polls on posts: options, and one ballot per member (content/services/polls.py writes them).

A ballot (PollVote) is found by `voter_key`, a keyed one-way hash of (poll, member) made with the
server's secret key (content.services.polls.voter_key). The unique key (poll, voter_key) is what makes
it "one vote per member": the same member in the same poll always gives the same key, two members
never do (a collision of HMAC-SHA256 is out of reach), so a second vote finds and replaces the first.

For an ANONYMOUS poll that hash is all there is: `member` stays empty and the ballot has no time, and
its primary key is random, so nothing in the database (the admin, a dump, a backup) says who voted what
or in which order. Linking a ballot back would take the secret key, which is not in the database, and
running it over every member id on purpose; an account deletion re-keys the member's anonymous ballots
at random, so after that not even the server can link them. A public poll's ballot also names its
member, because everyone may see who voted for what.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

OPTION_MAX = 200
OPTIONS_MIN = 2
OPTIONS_MAX = 20


class Poll(models.Model):
    post = models.OneToOneField(
        "content.Post", on_delete=models.CASCADE, related_name="poll", verbose_name=_("post")
    )
    allows_multiple = models.BooleanField(_("members may choose several options"), default=False)
    is_anonymous = models.BooleanField(_("anonymous votes"), default=False)
    results_after_close = models.BooleanField(_("results only after the poll closes"), default=False)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    # How many members voted (the percentages' base; with several choices the options add up to more).
    voter_count = models.PositiveIntegerField(_("voters"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")

    def __str__(self) -> str:
        return gettext("poll on post %(post)s") % {"post": self.post_id}

    @property
    def is_closed(self) -> bool:
        return self.closes_at is not None and self.closes_at <= timezone.now()


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options", verbose_name=_("poll"))
    position = models.PositiveSmallIntegerField(_("position"))
    label = models.CharField(_("option"), max_length=OPTION_MAX)
    # kept by the vote service with atomic F() updates in one order (see poll_vote)
    vote_count = models.PositiveIntegerField(_("votes"), default=0, editable=False)

    class Meta:
        verbose_name = _("poll option")
        verbose_name_plural = _("poll options")
        ordering = ["poll", "position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="poll_option_position"),
            # retention empties the labels of a deleted post's poll; empty labels may repeat
            models.UniqueConstraint(
                Lower("label"), "poll", condition=~models.Q(label=""), name="poll_option_label"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class PollVote(models.Model):
    """One member's ballot in one poll; the options chosen are its PollChoice rows."""

    # random, not a sequence: the order of anonymous ballots must not tell the order of the votes
    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes", verbose_name=_("poll"))
    # public polls only; always empty for an anonymous poll
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    voter_key = models.CharField(_("voter key"), max_length=64, editable=False)
    # public polls only (the CSV's "voted at"); an anonymous ballot keeps no time
    voted_at = models.DateTimeField(_("voted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("poll vote")
        verbose_name_plural = _("poll votes")
        constraints = [
            models.UniqueConstraint(fields=["poll", "voter_key"], name="poll_vote_once"),
        ]

    def __str__(self) -> str:
        return gettext("ballot in poll %(poll)s") % {"poll": self.poll_id}


class PollChoice(models.Model):
    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(
        PollVote, on_delete=models.CASCADE, related_name="choices", verbose_name=_("ballot")
    )
    option = models.ForeignKey(
        PollOption, on_delete=models.CASCADE, related_name="+", verbose_name=_("option")
    )

    class Meta:
        verbose_name = _("poll choice")
        verbose_name_plural = _("poll choices")
        constraints = [
            models.UniqueConstraint(fields=["vote", "option"], name="poll_choice_once"),
        ]

    def __str__(self) -> str:
        return gettext("option %(option)s") % {"option": self.option_id}
