from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class InboxItem(models.Model):
    """Something a member should know, shown in their in-app inbox.

    `kind` is a stable code ("event.promoted", "post.reply" ...); the page renders its sentence in the
    reader's language from `kind` and `data`, so nothing is stored in one language.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    url = models.CharField(_("link"), max_length=300, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="inbox_recent"),
            # the unread count in every page's header
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="inbox_unread"),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s for member %(recipient)s") % {
            "kind": self.kind,
            "recipient": self.recipient_id,
        }
