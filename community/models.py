"""The community's own records (the project app holds only what belongs to no other app): the goals the
operators set for the health dashboard's figures (issue 10), and the remembered results of idempotent
creates (issue 9, R6)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.goals import METRIC_CHOICES, METRICS, Direction, Unit


class GoalPeriod(models.IntegerChoices):
    WEEK = 7, _("7 days")
    MONTH = 30, _("30 days")
    QUARTER = 90, _("90 days")


class Goal(models.Model):
    """A target for one figure of the health dashboard over a period, e.g. "at least 80 % of new
    members' first posts answered within 24 hours, over 30 days". The target is in the metric's unit
    (community/goals.py)."""

    metric = models.CharField(_("figure"), max_length=40, choices=METRIC_CHOICES)
    direction = models.CharField(
        _("direction"),
        max_length=8,
        choices=Direction.choices,
        blank=True,
        help_text=_(
            "Leave empty for the figure's usual direction (more active members, fewer overdue items)."
        ),
    )
    target = models.DecimalField(
        _("target"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    period_days = models.PositiveSmallIntegerField(
        _("period"),
        choices=GoalPeriod.choices,
        default=GoalPeriod.MONTH,
        help_text=_(
            "The figure is measured over this many days, up to today, and compared with the days before."
        ),
    )
    title = models.CharField(
        _("title"),
        max_length=120,
        blank=True,
        help_text=_("Optional: your own words for the goal. Empty: the figure's name."),
    )
    published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Shown to everyone on the public “How we are doing” page."),
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Goals are listed by position, lowest first.")
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive goals are kept but shown nowhere.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("community goal")
        verbose_name_plural = _("community goals")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(target__gte=0), name="goal_target_not_negative"),
            models.CheckConstraint(condition=models.Q(period_days__in=[7, 30, 90]), name="goal_period_known"),
        ]

    def __str__(self) -> str:
        return self.title or str(self.metric_label)

    @property
    def metric_label(self):
        metric = METRICS.get(self.metric)
        return metric.label if metric else self.metric

    @property
    def effective_direction(self) -> str:
        if self.direction:
            return self.direction
        metric = METRICS.get(self.metric)
        return metric.direction if metric else Direction.AT_LEAST

    def clean(self) -> None:
        metric = METRICS.get(self.metric)
        if metric is None or self.target is None:
            return
        if metric.unit == Unit.PERCENT and self.target > 100:
            raise ValidationError({"target": _("A percentage goes from 0 to 100.")})


class IdempotencyRecord(models.Model):
    """The first result of a create made with a key (the API's `Idempotency-Key`, a form's one-time
    submission token), so that a repeat gets it back instead of creating again (community/idempotency.py).
    Kept in PostgreSQL, not in Redis: the record must outlive a Redis outage, a restart or an eviction,
    and it is written in the same transaction as what it records, so it exists exactly when that does.
    Rows past `expires_at` mean nothing and are deleted every hour (community.purge_idempotency_records)."""

    # no index of its own: the unique constraint's index starts with member_id (one index less per insert)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("member"),
    )
    # "api" for every API create; "form.post", "form.comment", "form.event" for the forms' tokens
    scope = models.CharField(_("scope"), max_length=20)
    # SHA-256 of the key as sent: a key is up to 255 characters of the client's choosing
    key_hash = models.CharField(_("key hash"), max_length=64)
    # SHA-256 of method, path and body: the same key with another request is refused
    request_hash = models.CharField(_("request hash"), max_length=64, blank=True)
    # what the first request answered: {"status": 201, "data": {...}} for the API, an object's id for a form
    result = models.JSONField(_("result"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["member", "scope", "key_hash"], name="idempotency_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key_hash[:12]}"
