"""Privacy's records: policy documents, the consent ledger, the retention schedule and its proof.

Nothing here imports another app of ours; members and content register with privacy instead.
"""

import hashlib
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.timezone import now as timezone_now
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An append-only record was asked to change or disappear."""


class PolicyKind(models.TextChoices):
    PRIVACY_POLICY = "privacy_policy", _("Privacy policy")
    TERMS = "terms", _("Terms of service")
    COMMUNITY_RULES = "community_rules", _("Community rules")
    MARKETING_TERMS = "marketing_terms", _("Marketing terms")


class PolicyDocument(models.Model):
    kind = models.CharField(_("kind"), max_length=32, choices=PolicyKind.choices, unique=True)

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(self.get_kind_display())


def policy_content_hash(body_en: str, body_zh: str) -> str:
    # Both bodies, length-prefixed so that moving text from one language to the other changes the hash.
    digest = hashlib.sha256()
    for body in (body_en, body_zh):
        data = body.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


class PolicyVersion(models.Model):
    document = models.ForeignKey(
        PolicyDocument, on_delete=models.PROTECT, related_name="versions", verbose_name=_("document")
    )
    label = models.SlugField(_("version"), max_length=32, help_text=_("For example 2026-11 or 1.2"))
    body_en = models.TextField(_("text in English (Markdown)"))
    body_zh = models.TextField(_("text in Chinese (Markdown)"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["document", "-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["document", "label"], name="policy_version_label_once")
        ]
        indexes = [models.Index(fields=["document", "-published_at", "-id"], name="policy_version_latest")]

    def __str__(self) -> str:
        return f"{self.document} {self.label}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            stored = PolicyVersion.objects.filter(pk=self.pk).values("published_at").first()
            if stored is not None and stored["published_at"] is not None:
                # LEGAL L1/L2: members agreed to exactly this text; a published version never changes.
                raise AppendOnlyError("a published policy version cannot be changed")
        self.content_hash = policy_content_hash(self.body_en, self.body_zh)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.published_at is not None:
            raise AppendOnlyError("a published policy version cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ConsentPurpose(models.TextChoices):
    TERMS = "terms", _("Terms of service (required)")
    MARKETING = "marketing", _("Marketing messages")
    PUBLIC_PROFILE = "public_profile", _("Public profile")
    RECOMMENDATIONS = "recommendations", _("Personalised recommendations")
    SHARE_ATTENDEES = "share_attendees", _("Sharing my attendance with outside organisers")


class ConsentChannel(models.TextChoices):
    WEB = "web", _("Website")
    API = "api", _("API")
    ADMIN = "admin", _("Admin")


class ConsentEntry(models.Model):
    """LEGAL L2: one row per decision; the latest row per (member, purpose) is the current state.

    L11 keeps the ledger for the account's lifetime plus 3 years, so deleting the member does not
    delete it: the link becomes empty and member_ref keeps the former id until the retention engine
    removes the rows 3 years after the closure recorded in AccountClosure.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="consent_entries",
        verbose_name=_("member"),
    )
    member_ref = models.PositiveBigIntegerField(_("member id"), db_index=True, editable=False)
    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    version = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("policy version"),
    )
    granted = models.BooleanField(_("granted"))
    channel = models.CharField(_("channel"), max_length=8, choices=ConsentChannel.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent entry")
        verbose_name_plural = _("consent entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["member", "purpose", "-created_at", "-id"], name="consent_latest")]

    def __str__(self) -> str:
        text = (
            gettext("member %(member)s, %(purpose)s: granted")
            if self.granted
            else gettext("member %(member)s, %(purpose)s: withdrawn")
        )
        return text % {"member": self.member_ref, "purpose": self.get_purpose_display()}

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("consent entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("consent entries are append-only")


class AccountClosure(models.Model):
    """When an account was closed (deleted or purged), by id only: the consent ledger's keep-period
    counts from here (LEGAL L11: account lifetime + 3 years)."""

    member_ref = models.PositiveBigIntegerField(_("member id"), unique=True)
    closed_at = models.DateTimeField(_("account closed"))

    class Meta:
        verbose_name = _("account closure")
        verbose_name_plural = _("account closures")
        ordering = ["-closed_at"]

    def __str__(self) -> str:
        return f"{self.member_ref} {self.closed_at:%Y-%m-%d}"


class RetentionAction(models.TextChoices):
    DELETE = "delete", _("Delete")
    ANONYMIZE = "anonymize", _("Anonymise")


class RetentionStart(models.TextChoices):
    RECORDED = "recorded", _("when it was recorded")
    DELETED = "deleted", _("when it was deleted")
    ACCOUNT_END = "account_end", _("when the account is closed")


class RetentionCategory(models.Model):
    """LEGAL L11: one row per category of personal data. keep_days is editable, never below floor_days."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=120)
    description = models.TextField(_("what is kept"), blank=True)
    keep_days = models.PositiveIntegerField(
        _("keep (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: kept while the account or the ban lasts."),
    )
    counted_from = models.CharField(
        _("counted from"), max_length=12, choices=RetentionStart.choices, default=RetentionStart.RECORDED
    )
    floor_days = models.PositiveIntegerField(_("legal floor (days)"), default=0)
    legal_basis = models.CharField(_("legal basis"), max_length=120, blank=True)
    action = models.CharField(_("at the end"), max_length=12, choices=RetentionAction.choices)

    class Meta:
        verbose_name = _("retention category")
        verbose_name_plural = _("retention categories")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(keep_days__isnull=True) | models.Q(keep_days__gte=models.F("floor_days")),
                name="retention_keep_not_below_floor",
            )
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.keep_days is not None and self.keep_days < self.floor_days:
            raise ValidationError(
                {
                    "keep_days": _("The law requires keeping this at least %(floor)d days.")
                    % {"floor": self.floor_days}
                }
            )


class LegalHold(models.Model):
    """Pauses retention for one member's rows or one object, e.g. while a court or regulator asks."""

    category = models.ForeignKey(
        RetentionCategory,
        on_delete=models.PROTECT,
        related_name="holds",
        verbose_name=_("retention category"),
    )
    member_id_held = models.PositiveBigIntegerField(_("member id"), null=True, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    until = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: until lifted."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("placed by"),
    )

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member_id_held__isnull=False) | ~models.Q(object_id=""),
                name="legal_hold_names_something",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category.key}: {self.reason}"


class RetentionRun(models.Model):
    """LEGAL L12: proof that a run happened; counts and times only, never personal data."""

    category = models.ForeignKey(
        RetentionCategory, on_delete=models.PROTECT, related_name="runs", verbose_name=_("retention category")
    )
    action = models.CharField(_("action"), max_length=12, choices=RetentionAction.choices)
    cutoff = models.DateTimeField(_("cutoff"))
    rows_affected = models.PositiveIntegerField(_("rows affected"), default=0)
    rows_held = models.PositiveIntegerField(_("rows held"), default=0)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["category", "-started_at"], name="retention_run_recent")]

    def __str__(self) -> str:
        return f"{self.category_id} {self.started_at:%Y-%m-%d %H:%M}"


class StaffAccess(models.Model):
    """LEGAL L23: a staff member looked at a member's personal data (who, whose, what, when, why).

    Kept 3 years (PIPL 56). The subject is an id, not a foreign key, so the record outlives the
    account it is about; the staff member's email is copied for the same reason.
    """

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("staff"),
    )
    staff_email = models.CharField(_("staff email"), max_length=254)
    subject_id = models.PositiveBigIntegerField(_("member id"), null=True, blank=True)
    what = models.CharField(_("what"), max_length=200)
    reason = models.CharField(_("why"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff access to personal data")
        verbose_name_plural = _("staff access to personal data")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject_id", "-created_at"], name="staff_access_subject"),
            models.Index(fields=["created_at"], name="staff_access_time"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_email} {self.what}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("staff access records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("staff access records are append-only")


class ExportStorage(FileSystemStorage):
    """Export archives live outside MEDIA_ROOT (served only through the owner's download view), under
    settings.EXPORT_ROOT if set (read at each use, so tests can point it elsewhere)."""

    @property
    def base_location(self):
        return (
            getattr(settings, "EXPORT_ROOT", None) or Path(settings.MEDIA_ROOT).parent / "private" / "exports"
        )

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def export_storage():
    return ExportStorage()


class ExportStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    BUILDING = "building", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ExportArchive(models.Model):
    """LEGAL L7: one archive of everything about a member; the link works 7 days and 3 downloads."""

    OPEN_STATUSES = (ExportStatus.REQUESTED, ExportStatus.BUILDING)
    MAX_DOWNLOADS = 3

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports", verbose_name=_("member")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ExportStatus.choices, default=ExportStatus.REQUESTED
    )
    file = models.FileField(_("file"), storage=export_storage, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    download_count = models.PositiveSmallIntegerField(_("downloads"), default=0)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("export archive")
        verbose_name_plural = _("export archives")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status__in=["requested", "building"]),
                name="export_one_open_per_member",
            )
        ]

    def __str__(self) -> str:
        return gettext("export %(id)s of member %(member)s (%(status)s)") % {
            "id": self.pk,
            "member": self.member_id,
            "status": self.get_status_display(),
        }


class BreachQuerySet(models.QuerySet):
    def with_overdue(self, *, now=None):
        """Annotate `_overdue`: a report to either authority is missing and its deadline has passed."""
        from django.utils import timezone

        now = now or timezone.now()
        overdue = models.Q(
            reported_eu_at__isnull=True, discovered_at__lt=now - Breach.EU_DEADLINE
        ) | models.Q(
            significant=True, reported_cn_at__isnull=True, discovered_at__lt=now - Breach.CN_DEADLINE
        )
        return self.annotate(
            _overdue=models.Case(
                models.When(overdue, then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )


class Breach(models.Model):
    """LEGAL L25: the breach register with two clocks, 4 hours to the provincial cyberspace office
    for a significant incident (CN) and 72 hours to the supervisory authority (GDPR 33)."""

    CN_DEADLINE = timedelta(hours=4)
    EU_DEADLINE = timedelta(hours=72)

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("What happened and what was done; categories and counts, never names."),
    )
    discovered_at = models.DateTimeField(_("discovered"))
    significant = models.BooleanField(
        _("significant incident (CN)"),
        default=False,
        help_text=_("Must be reported to the provincial cyberspace office within 4 hours."),
    )
    affected_categories = models.TextField(_("categories of data affected"), blank=True)
    affected_count = models.PositiveIntegerField(_("number of people affected"), null=True, blank=True)
    reported_cn_at = models.DateTimeField(_("reported to the cyberspace office"), null=True, blank=True)
    reported_eu_at = models.DateTimeField(_("reported to the supervisory authority"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = BreachQuerySet.as_manager()

    class Meta:
        verbose_name = _("breach")
        verbose_name_plural = _("breach register")
        ordering = ["-discovered_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def deadline_cn(self):
        """Only a significant incident has a CN deadline."""
        return self.discovered_at + self.CN_DEADLINE if self.significant else None

    @property
    def deadline_eu(self):
        return self.discovered_at + self.EU_DEADLINE

    @property
    def is_overdue_cn(self) -> bool:
        from django.utils import timezone

        return (
            self.deadline_cn is not None and self.reported_cn_at is None and timezone.now() > self.deadline_cn
        )

    @property
    def is_overdue_eu(self) -> bool:
        from django.utils import timezone

        return self.reported_eu_at is None and timezone.now() > self.deadline_eu


class DataRequestKind(models.TextChoices):
    CORRECTION = "correction", _("Correct my data")
    DELETION = "deletion", _("Delete specific data")
    EXPLANATION = "explanation", _("Explain how my data is used")
    RESTRICTION = "restriction", _("Restrict how my data is used")
    GUARDIAN = "guardian", _("Request as a parent or guardian")
    NEXT_OF_KIN = "next_of_kin", _("Request as a close relative of a deceased member")
    COMPLAINT = "complaint", _("Complaint")


class DataRequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class DataRequestQuerySet(models.QuerySet):
    def with_overdue(self, *, now=None):
        """Annotate `_overdue`: still open and past its due date."""
        from django.utils import timezone

        now = now or timezone.now()
        return self.annotate(
            _overdue=models.Case(
                models.When(
                    models.Q(status__in=DataRequest.OPEN_STATUSES, due_at__lt=now), then=models.Value(True)
                ),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )


class DataRequest(models.Model):
    """LEGAL L8, L10: a request that needs a person; due in 15 working days, never later than 30 days,
    with a status the member sees and a written reason when refused."""

    OPEN_STATUSES = (DataRequestStatus.RECEIVED, DataRequestStatus.IN_PROGRESS)
    HARD_STOP = timedelta(days=30)

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="data_requests",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind of request"), max_length=16, choices=DataRequestKind.choices)
    details = models.TextField(_("details"))
    status = models.CharField(
        _("status"), max_length=12, choices=DataRequestStatus.choices, default=DataRequestStatus.RECEIVED
    )
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone_now)
    due_at = models.DateTimeField(_("due"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )

    objects = DataRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["member", "-created_at"], name="data_request_member")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""),
                name="data_request_refusal_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def hard_stop_at(self):
        return self.created_at + self.HARD_STOP

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.is_open and timezone.now() > self.due_at


class DeletionRequestQuerySet(models.QuerySet):
    def open(self):
        """Neither cancelled nor completed: in its grace period, or due and waiting for the job."""
        return self.filter(cancelled_at__isnull=True, completed_at__isnull=True)


class DeletionRequest(models.Model):
    """LEGAL L9: a member asked to delete their account. During the 7-day grace period they can still
    sign in and cancel; then privacy.complete_deletions erases what every app registered.

    Ids and times only, so the record can prove the deletion happened without keeping what was
    deleted; member_ref keeps the id if the member row ever goes.
    """

    GRACE = timedelta(days=7)

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deletion_requests",
        verbose_name=_("member"),
    )
    member_ref = models.PositiveBigIntegerField(_("member id"), editable=False)
    requested_at = models.DateTimeField(_("requested"), default=timezone_now)
    due_at = models.DateTimeField(_("due"))
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # Set by the job when it claims the request: from then on it can no longer be cancelled.
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = DeletionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("account deletion")
        verbose_name_plural = _("account deletions")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member_ref"],
                condition=models.Q(cancelled_at__isnull=True, completed_at__isnull=True),
                name="deletion_one_open_per_member",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(cancelled_at__isnull=True, completed_at__isnull=True),
                name="deletion_open_due",
            )
        ]

    def __str__(self) -> str:
        return gettext("deletion of member %(member)s, due %(due)s") % {
            "member": self.member_ref,
            "due": f"{self.due_at:%Y-%m-%d}",
        }

    @property
    def is_open(self) -> bool:
        return self.cancelled_at is None and self.completed_at is None


class AccessLogKind(models.TextChoices):
    REQUEST = "request", _("Page or API request")
    SIGN_IN = "sign_in", _("Sign-in")


class AccessLog(models.Model):
    """LEGAL L11 (Cybersecurity Law Art. 23, Art. 21 before 2026): who asked for what, from where and
    when, for signed-in requests and every sign-in. Kept 190 days, at least 6 months.

    On PostgreSQL the table is partitioned by month on `time` (migration 0011), so retention drops a
    whole month instead of deleting millions of rows; the real primary key there is (id, time). Rows
    arrive in batches from privacy/access_log.py, never one INSERT per request. member_ref is an id,
    not a foreign key: the log outlives the account, as the law wants.
    """

    member_ref = models.PositiveBigIntegerField(_("member id"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=300)
    status = models.PositiveSmallIntegerField(_("status"))
    time = models.DateTimeField(_("time"))
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=8, choices=AccessLogKind.choices, default=AccessLogKind.REQUEST
    )

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-time"]
        indexes = [
            models.Index(fields=["member_ref", "kind", "-time"], name="access_log_member"),
            models.Index(fields=["time"], name="access_log_time"),
        ]

    def __str__(self) -> str:
        return f"{self.member_ref} {self.method} {self.path} {self.status}"
