"""Reports (flags), the review queue and the append-only log of what moderators did (LEGAL L17–L19)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
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
    object_id = models.PositiveBigIntegerField()
    space = models.ForeignKey(
        "content.Space", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("most serious reason"), max_length=12, choices=ReportReason.choices)
    # The content as it was at the first report: an author who edits it afterwards changes nothing here.
    snapshot_title = models.CharField(max_length=200, blank=True)
    snapshot_body = models.TextField(blank=True)
    snapshot_author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    priority = models.PositiveIntegerField(_("priority"), default=0)
    report_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # L19: first look within a day, a decision by the reason's response clock.
    triage_due_at = models.DateTimeField()
    due_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=8, choices=ActionKind.choices, blank=True)

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
        return f"{self.kind} {self.object_id} ({self.status})"


class Report(models.Model):
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=TargetKind.choices)
    object_id = models.PositiveBigIntegerField()
    review_item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="reports")
    reason = models.CharField(_("reason"), max_length=12, choices=ReportReason.choices)
    details = models.TextField(_("details"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # NULL while open: the partial unique constraint (one open report per reporter and target) needs it.
    outcome = models.CharField(max_length=10, choices=ReportOutcome.choices, null=True, blank=True)  # noqa: DJ001
    decided_at = models.DateTimeField(null=True, blank=True)

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
        return f"report {self.pk} on {self.kind} {self.object_id}"


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Moderation actions cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Moderation actions cannot be deleted.")


class ModerationAction(models.Model):
    """Append-only audit log: rows are written once and never changed or deleted."""

    review_item = models.ForeignKey(
        ReviewItem, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=8, choices=ActionKind.choices)
    kind = models.CharField(max_length=10, choices=TargetKind.choices)
    object_id = models.PositiveBigIntegerField()
    target_author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    rule = models.CharField(_("rule"), max_length=200)
    # the end of a posting limit or suspension (empty for everything else; a ban lasts until lifted)
    until = models.DateTimeField(_("until"), null=True, blank=True)
    # a removal that was part of a "remove all recent content and ban" sweep points to the ban: the
    # member appeals the ban, and upholding that appeal restores what the sweep removed
    sweep = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="swept", verbose_name=_("sweep")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        indexes = [models.Index(fields=["target_author", "-created_at"], name="action_author_recent")]

    def __str__(self) -> str:
        return f"{self.action} {self.kind} {self.object_id} by {self.moderator_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Moderation actions cannot be changed.")
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

    action = models.OneToOneField(ModerationAction, on_delete=models.PROTECT, related_name="appeal")
    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    statement = models.TextField(_("statement"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        _("status"), max_length=8, choices=AppealStatus.choices, default=AppealStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [models.Index(fields=["status", "created_at"], name="appeal_queue")]

    def __str__(self) -> str:
        return f"appeal {self.pk} on action {self.action_id} ({self.status})"
