"""Correction notes: the moderation team's short note, with sources, shown above a post that is
inaccurate or misleading (issue 10). Content shows them; moderation writes them
(moderation/corrections.py: add, change, withdraw, each with an audit row) — content never imports
moderation.

A post has at most one current note (the partial unique constraint); a withdrawn note stays as a
record, and a later note is a new row. Who added a note is kept for the audit log and the moderators'
pages; readers only ever see "the moderation team".
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CORRECTION_TEXT_MAX = 1000
CORRECTION_SOURCES_MAX = 5
CORRECTION_SOURCE_MAX = 500
CORRECTION_REPLY_MAX = 2000

# http and https only: a source is shown to every reader as a link, so javascript: or data: must never
# get in (URLValidator checks the scheme before anything else).
_source_url = URLValidator(schemes=["http", "https"])


def validate_correction_sources(value) -> None:
    """A list of at most five http(s) addresses."""
    if not isinstance(value, list):
        raise ValidationError(_("Sources must be a list of web addresses."), code="sources_not_list")
    if len(value) > CORRECTION_SOURCES_MAX:
        raise ValidationError(
            _("Give at most %(max)d sources."),
            code="sources_too_many",
            params={"max": CORRECTION_SOURCES_MAX},
        )
    for url in value:
        if not isinstance(url, str) or len(url) > CORRECTION_SOURCE_MAX:
            raise ValidationError(_("A source must be a web address starting with http:// or https://."))
        try:
            _source_url(url)
        except ValidationError:
            raise ValidationError(
                _("“%(url)s” is not a web address starting with http:// or https://."),
                code="source_invalid",
                params={"url": url},
            ) from None


class CorrectionNote(models.Model):
    post = models.ForeignKey(
        "content.Post", verbose_name=_("post"), on_delete=models.CASCADE, related_name="correction_notes"
    )
    text = models.TextField(_("text"), max_length=CORRECTION_TEXT_MAX)
    sources = models.JSONField(
        _("sources"), default=list, blank=True, validators=[validate_correction_sources]
    )
    # for the audit log and the moderators' pages; never shown to readers (they see "the moderation team")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("correction note")
        verbose_name_plural = _("correction notes")
        constraints = [
            models.UniqueConstraint(
                fields=["post"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="correction_note_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"correction note {self.pk} on post {self.post_id}"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None


class CorrectionReply(models.Model):
    """The post's author answers a correction note; moderators read it on the review item page. The
    text is the author's personal data (content/privacy.py exports and erases it)."""

    note = models.ForeignKey(
        CorrectionNote, verbose_name=_("correction note"), on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("reply"), max_length=CORRECTION_REPLY_MAX)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("reply to a correction note")
        verbose_name_plural = _("replies to correction notes")
        indexes = [
            models.Index(fields=["note", "created_at"], name="correction_reply_note"),
        ]

    def __str__(self) -> str:
        return f"reply {self.pk} to correction note {self.note_id}"
