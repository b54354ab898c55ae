from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class QuestionReminder(models.Model):
    """The asker of a question that waited long was told once (content.remind_unanswered). The unique
    post makes "once" hold even when two runs of the daily task overlap."""

    post = models.OneToOneField(
        "content.Post", on_delete=models.CASCADE, related_name="+", verbose_name=_("question")
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("question reminder")
        verbose_name_plural = _("question reminders")

    def __str__(self) -> str:
        return gettext("reminder for question %(post)s") % {"post": self.post_id}
