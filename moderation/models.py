"""Reports (flags), the review queue and the append-only log of what moderators did (LEGAL L17–L19)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class TargetKind(models.TextChoices):
    POST = "post", _("post")
    COMMENT = "comment", _("comment")
    EVENT = "event", _("event")
    MEMBER = "member", _("member")


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    HARASSMENT = "harassment", _("Harassment or abuse")
    MISLEADING = "misleading", _("Inaccurate or misleading")
    OFF_TOPIC = "off_topic", _("Off-topic")
    PRIVACY = "privacy", _("Privacy violation")
    IP = "ip", _("Intellectual property or trademark")
    ILLEGAL = "illegal", _("Illegal content")
    OTHER = "other", _("Something else")


class ReportOutcome(models.TextChoices):
    UPHELD = "upheld", _("upheld")
    DISMISSED = "dismissed", _("dismissed")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLAIMED = "claimed", _("claimed")
    DECIDED = "decided", _("decided")


class ActionKind(models.TextChoices):
    APPROVE = "approve", _("Approve (publish or keep)")
    DISMISS = "dismiss", _("Dismiss the reports")
    HIDE = "hide", _("Hide")
    REMOVE = "remove", _("Remove")
    WARN = "warn", _("Warn the author")
    # account sanctions (L20): they act on the author's account through members/standing.py
    LIMIT = "limit", _("Limit posting")
    SUSPEND = "suspend", _("Suspend")
    BAN = "ban", _("Ban")


class ReviewItem(models.Model):
    """One per reported target while it is open: every report on it aggregates here."""

    kind = models.CharField(_("kind"), max_length=10, choices=TargetKind.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    space = models.ForeignKey(
        "content.Space",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("space"),
    )
    reason = models.CharField(_("most serious reason"), max_length=12, choices=ReportReason.choices)
    # The content as it was at the first report: an author who edits it afterwards changes nothing here.
    snapshot_title = models.CharField(_("title when reported"), max_length=200, blank=True)
    snapshot_body = models.TextField(_("text when reported"), blank=True)
    snapshot_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    priority = models.PositiveIntegerField(_("priority"), default=0)
    report_count = models.PositiveIntegerField(_("report count"), default=0)
    status = models.CharField(
        _("status"), max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("claimed by"),
    )
    claim_expires_at = models.DateTimeField(_("claim expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # L19: first look within a day, a decision by the reason's response clock.
    triage_due_at = models.DateTimeField(_("first look due"))
    due_at = models.DateTimeField(_("decision due"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=8, choices=ActionKind.choices, blank=True)

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=~models.Q(status="decided"),
                name="review_item_one_open_per_target",
            ),
        ]
        indexes = [
            models.Index(
                fields=["-priority", "due_at"], condition=~models.Q(status="decided"), name="review_queue"
            ),
            models.Index(fields=["snapshot_author", "-created_at"], name="review_author"),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s %(id)s (%(status)s)") % {
            "kind": self.get_kind_display(),
            "id": self.object_id,
            "status": self.get_status_display(),
        }


class Report(models.Model):
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("reporter")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=TargetKind.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    review_item = models.ForeignKey(
        ReviewItem, on_delete=models.PROTECT, related_name="reports", verbose_name=_("review item")
    )
    reason = models.CharField(_("reason"), max_length=12, choices=ReportReason.choices)
    details = models.TextField(_("details"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # NULL while open: the partial unique constraint (one open report per reporter and target) needs it.
    outcome = models.CharField(  # noqa: DJ001
        _("outcome"), max_length=10, choices=ReportOutcome.choices, null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "kind", "object_id"],
                condition=models.Q(outcome__isnull=True),
                name="report_one_open_per_reporter_target",
            ),
        ]
        indexes = [
            models.Index(fields=["reporter", "outcome"], name="report_reporter_history"),
            models.Index(fields=["outcome", "decided_at"], name="report_outcome_recent"),
        ]

    def __str__(self) -> str:
        return gettext("report %(id)s on %(kind)s %(object)s") % {
            "id": self.pk,
            "kind": self.get_kind_display(),
            "object": self.object_id,
        }


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Moderation actions cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Moderation actions cannot be deleted.")


ACTION_PAST = {
    ActionKind.APPROVE: "approved",
    ActionKind.DISMISS: "dismissed",
    ActionKind.HIDE: "hidden",
    ActionKind.REMOVE: "removed",
    ActionKind.WARN: "warned",
    ActionKind.LIMIT: "limited",
    ActionKind.SUSPEND: "suspended",
    ActionKind.BAN: "banned",
}


def action_code(*, kind: str, action: str) -> str:
    """The namespaced code of a decision: ("post", "remove") -> "moderation.post.removed"."""
    return f"moderation.{kind}.{ACTION_PAST.get(action, action or 'recorded')}"


class ModerationAction(models.Model):
    """Append-only audit log: rows are written once and never changed or deleted."""

    review_item = models.ForeignKey(
        ReviewItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("review item"),
    )
    # NULL for what the system did on its own (an IP notice's restore after the counter-notice period)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderator"),
    )
    # blank for a record that is not a measure (a counter-notice filed, an escalation): `code` says what
    action = models.CharField(_("action"), max_length=8, choices=ActionKind.choices, blank=True)
    # the namespaced code of what happened ("moderation.post.removed", "moderation.ip_notice.restored");
    # filled from kind and action when a caller gives none
    code = models.CharField(_("code"), max_length=64, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=TargetKind.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    target_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    reason = models.TextField(_("reason"))
    rule = models.CharField(_("rule"), max_length=200)
    # L18: the published community-rules version and the rule's number the decision cites (empty for
    # decisions taken before rules were chosen from the document, whose `rule` is free text)
    rule_version = models.CharField(_("rules version"), max_length=32, blank=True)
    rule_number = models.PositiveSmallIntegerField(_("rule number"), null=True, blank=True)
    # the end of a posting limit or suspension (empty for everything else; a ban lasts until lifted)
    until = models.DateTimeField(_("until"), null=True, blank=True)
    # a removal that was part of a "remove all recent content and ban" sweep points to the ban: the
    # member appeals the ban, and upholding that appeal restores what the sweep removed
    sweep = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="swept", verbose_name=_("sweep")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        indexes = [models.Index(fields=["target_author", "-created_at"], name="action_author_recent")]

    def __str__(self) -> str:
        return gettext("%(action)s: %(kind)s %(object)s, by %(moderator)s") % {
            "action": self.get_action_display() or self.code,
            "kind": self.get_kind_display(),
            "object": self.object_id,
            "moderator": self.moderator_id or "-",
        }

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Moderation actions cannot be changed.")
        if not self.code:
            self.code = action_code(kind=self.kind, action=self.action)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Moderation actions cannot be deleted.")


class AppealStatus(models.TextChoices):
    OPEN = "open", _("open")
    UPHELD = "upheld", _("upheld (decision reversed)")
    REJECTED = "rejected", _("rejected")


class Appeal(models.Model):
    """L18: the member a restrictive action was taken against asks for it to be reviewed again, by a
    moderator who did not take it. One appeal per action."""

    action = models.OneToOneField(
        ModerationAction, on_delete=models.PROTECT, related_name="appeal", verbose_name=_("moderation action")
    )
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("appellant")
    )
    statement = models.TextField(_("statement"), max_length=2000)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=8, choices=AppealStatus.choices, default=AppealStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [models.Index(fields=["status", "created_at"], name="appeal_queue")]

    def __str__(self) -> str:
        return gettext("appeal %(id)s on action %(action)s (%(status)s)") % {
            "id": self.pk,
            "action": self.action_id,
            "status": self.get_status_display(),
        }


# --- Complaints (L19), IP and trademark notices (L22) ------------------------------------------------


class ComplaintTopic(models.TextChoices):
    SERVICE = "service", _("The service")
    MODERATOR = "moderator", _("A moderator or a moderation decision")
    DATA = "data", _("My personal data")
    OTHER = "other", _("Something else")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("open")
    ANSWERED = "answered", _("answered")
    CLOSED = "closed", _("closed")


class Complaint(models.Model):
    """L19: a member's complaint or feedback to the operators that is not about one post. It has a
    reference number, a clock of 15 working days (restarted when the member writes again after an
    answer) and a thread of messages."""

    # "C-2026-000123": written right after the insert, from the year and the id (NULL for that moment)
    reference = models.CharField(_("reference"), max_length=20, unique=True, null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("complainant"),
    )
    topic = models.CharField(_("about"), max_length=10, choices=ComplaintTopic.choices)
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    due_at = models.DateTimeField(_("answer due"))
    answered_at = models.DateTimeField(_("last answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(status="open"), name="complaint_desk_open"),
            models.Index(fields=["author", "-created_at"], name="complaint_author"),
        ]

    def __str__(self) -> str:
        return self.reference or gettext("complaint %(id)s") % {"id": self.pk}


class ComplaintMessage(models.Model):
    """One message of a complaint's thread: the member's first text, then replies either way."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="messages", verbose_name=_("complaint")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    from_staff = models.BooleanField(_("from staff"), default=False)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("complaint message")
        verbose_name_plural = _("complaint messages")
        indexes = [models.Index(fields=["complaint", "created_at"], name="complaint_thread")]

    def __str__(self) -> str:
        return gettext("message %(id)s on complaint %(complaint)s") % {
            "id": self.pk,
            "complaint": self.complaint_id,
        }


class IpRight(models.TextChoices):
    TRADEMARK = "trademark", _("Trademark")
    COPYRIGHT = "copyright", _("Copyright")
    OTHER = "other", _("Another right")


class IpNoticeStatus(models.TextChoices):
    HIDDEN = "hidden", _("content hidden")
    COUNTERED = "countered", _("counter-notice filed")
    ESCALATED = "escalated", _("taken further by the rights holder")
    RESTORED = "restored", _("content restored")
    CLOSED = "closed", _("closed by a moderator's decision")


class IpNotice(models.Model):
    """L22 (Civil Code 1195–1196): a rights holder's notice that a post, comment or event infringes
    their right. The content is hidden at once and its author told; a counter-notice starts a 15-day
    period after which the content is restored unless the rights holder took it further."""

    holder_name = models.CharField(_("your name"), max_length=200)
    holder_organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    holder_email = models.EmailField(_("email"))
    right = models.CharField(_("right"), max_length=10, choices=IpRight.choices)
    evidence = models.TextField(_("registration or evidence"))
    evidence_url = models.URLField(_("evidence link"), max_length=500)
    content_url = models.CharField(_("content address"), max_length=500)
    kind = models.CharField(_("kind"), max_length=10, choices=TargetKind.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    target_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    review_item = models.ForeignKey(
        ReviewItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ip_notices",
        verbose_name=_("review item"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=IpNoticeStatus.choices, default=IpNoticeStatus.HIDDEN
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    counter_statement = models.TextField(_("counter-notice"), blank=True)
    counter_evidence = models.TextField(_("counter-notice evidence"), blank=True)
    countered_at = models.DateTimeField(_("counter-notice filed at"), null=True, blank=True)
    restore_due_at = models.DateTimeField(_("restore due"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("taken further at"), null=True, blank=True)
    escalation_note = models.TextField(_("how the rights holder took it further"), blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("IP notice")
        verbose_name_plural = _("IP notices")
        indexes = [
            models.Index(
                fields=["restore_due_at"],
                condition=models.Q(status="countered"),
                name="ip_notice_restore_due",
            ),
            models.Index(fields=["kind", "object_id"], name="ip_notice_target"),
        ]

    def __str__(self) -> str:
        return gettext("IP notice %(id)s on %(kind)s %(object)s (%(status)s)") % {
            "id": self.pk,
            "kind": self.get_kind_display(),
            "object": self.object_id,
            "status": self.get_status_display(),
        }


# --- Automatic rules (LEGAL L20, L21): watched words, pre-moderation, flag threshold, duplicate waves --


class WatchedWordAction(models.TextChoices):
    BLOCK = "block", _("Block: refuse to publish")
    HOLD = "hold", _("Require approval: hold for review")
    FLAG = "flag", _("Flag: publish and open a review item")


class WatchedWord(models.Model):
    """A word or regular expression operators watch for in posts and comments (moderation/watched_words.py
    says how it matches: Chinese words inside sentences, Latin words on word boundaries)."""

    pattern = models.CharField(
        _("word or pattern"),
        max_length=200,
        help_text=_(
            "A plain word or phrase, any case and width: “spam” also finds “SPAM” and “ＳＰＡＭ”. "
            "Chinese words are found inside sentences; other words only as whole words."
        ),
    )
    is_regex = models.BooleanField(
        _("regular expression"),
        default=False,
        help_text=_("Match the pattern as a Python regular expression, case-insensitive."),
    )
    action = models.CharField(_("action"), max_length=5, choices=WatchedWordAction.choices)
    reason = models.CharField(
        _("reason in the review queue"),
        max_length=12,
        choices=ReportReason.choices,
        default=ReportReason.SPAM,
        help_text=_("For “require approval” and “flag”: the reason (and response clock) of the review item."),
    )
    note = models.CharField(_("note for operators"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("watched word")
        verbose_name_plural = _("watched words")
        ordering = ["pattern"]
        constraints = [
            # a regular expression's case matters (\s is not \S); a plain word's does not
            models.UniqueConstraint(
                models.functions.Lower("pattern"),
                condition=models.Q(is_regex=False),
                name="watched_word_unique_word",
            ),
        ]

    def __str__(self) -> str:
        return self.pattern


class RuleKind(models.TextChoices):
    WATCHED_WORD = "watched_word", _("Watched word")
    PREMODERATION = "premoderation", _("A new member's first posts")
    SPACE_APPROVAL = "space_approval", _("The space requires approval")
    FLAG_THRESHOLD = "flag_threshold", _("Reports from trusted members")
    DUPLICATE_WAVE = "duplicate_wave", _("The same text from several new accounts")


class RuleHit(models.Model):
    """Why an automatic rule opened or joined a review item, for the moderators: the rule, and its facts
    as JSON (the word and the text it found, the wave's posts...), put into words when shown."""

    review_item = models.ForeignKey(
        ReviewItem, on_delete=models.CASCADE, related_name="rule_hits", verbose_name=_("review item")
    )
    rule = models.CharField(_("rule"), max_length=16, choices=RuleKind.choices)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("automatic rule hit")
        verbose_name_plural = _("automatic rule hits")
        indexes = [models.Index(fields=["review_item", "created_at"], name="rule_hit_item")]

    def __str__(self) -> str:
        return gettext("%(rule)s on review item %(item)s") % {
            "rule": self.get_rule_display(),
            "item": self.review_item_id,
        }


class DuplicateWave(models.Model):
    """One row per body fingerprint ever posted by several new accounts: the row is locked while a
    copy is added, so a wave opens one review item however many copies arrive at once."""

    fingerprint = models.CharField(_("text fingerprint"), max_length=64, unique=True)
    review_item = models.ForeignKey(
        ReviewItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("review item"),
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("duplicate wave")
        verbose_name_plural = _("duplicate waves")

    def __str__(self) -> str:
        return gettext("wave %(fingerprint)s") % {"fingerprint": self.fingerprint[:12]}
