from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Outbox(models.Model):
    """ "Plan deliveries for <kind> <object_id>", written in the same transaction as the content, so
    nothing is lost when the broker is down or a process dies right after the commit."""

    kind = models.CharField(_("kind"), max_length=40)
    object_id = models.BigIntegerField(_("object id"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    planned_at = models.DateTimeField(_("planned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox row")
        verbose_name_plural = _("outbox rows")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="outbox_once")]
        indexes = [
            # the relay's "not planned yet" scan stays small however long the table grows
            models.Index(
                fields=["created_at"], condition=models.Q(planned_at__isnull=True), name="outbox_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class Channel(models.TextChoices):
    INBOX = "inbox", _("inbox")
    EMAIL = "email", _("email")
    DIGEST = "digest", _("digest")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    ROLLED_OVER = "rolled_over", _("moved to the digest")
    CANCELLED = "cancelled", _("cancelled")
    FAILED = "failed", _("failed")


class Category(models.TextChoices):
    """What a member can stop with one click (L14). Transactional mail cannot be stopped this way."""

    POSTS = "posts", _("new posts in your spaces")
    REPLIES = "replies", _("replies to you")
    MENTIONS = "mentions", _("mentions of you")
    PROMOTIONAL = "promotional", _("announcements and offers")
    REMINDERS = "reminders", _("event reminders")
    DIGEST = "digest", _("the daily digest")
    TRANSACTIONAL = "transactional", _("account and event notices")


class Delivery(models.Model):
    """One message to one member on one channel. The unique key makes planning idempotent."""

    source_kind = models.CharField(_("source kind"), max_length=40)
    source_id = models.BigIntegerField(_("source id"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    # the in-app item of the same news: once read, the email is no longer needed
    inbox_item = models.ForeignKey(
        "content.InboxItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inbox item"),
    )
    due_at = models.DateTimeField(_("scheduled for"))
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(_("message id"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # the digest email this item went into (digest-channel items and emails rolled over by the budget)
    digest = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digest_items",
        verbose_name=_("digest"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id", "recipient", "channel"], name="delivery_once"
            ),
        ]
        indexes = [
            # the dispatcher's claim: due email rows, oldest first
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(channel="email", status__in=["pending", "sending"]),
                name="delivery_email_due",
            ),
            # the claim's "one email per member in flight" check: a handful of rows, whatever the table
            models.Index(
                fields=["recipient"],
                condition=models.Q(channel="email", status="sending"),
                name="delivery_email_in_flight",
            ),
            # daily cap and weekly promotional checks
            models.Index(
                fields=["recipient", "channel", "status", "sent_at"], name="delivery_recipient_sent"
            ),
            # the digest composer: items still waiting for a digest
            models.Index(
                fields=["recipient", "id"],
                condition=models.Q(digest__isnull=True)
                & (
                    models.Q(channel="digest", status="pending")
                    | models.Q(channel="email", status="rolled_over")
                ),
                name="delivery_digest_waiting",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s %(source)s to member %(recipient)s by %(channel)s (%(status)s)") % {
            "kind": self.source_kind,
            "source": self.source_id,
            "recipient": self.recipient_id,
            "channel": self.get_channel_display(),
            "status": self.get_status_display(),
        }


class EmailOptOut(models.Model):
    """The member stopped this category of email (one-click unsubscribe, L14)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("member")
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("email opt-out")
        verbose_name_plural = _("email opt-outs")
        constraints = [models.UniqueConstraint(fields=["member", "category"], name="email_optout_once")]

    def __str__(self) -> str:
        return gettext("member %(member)s stopped %(category)s") % {
            "member": self.member_id,
            "category": self.get_category_display(),
        }
