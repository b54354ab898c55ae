"""Forms of correction notes. They check shape only; moderation/corrections.py checks the rest (an
http(s) address, at most five sources) and its sentences go beside the field they are about."""

from django import forms
from django.utils.translation import gettext_lazy as _

from content.models.corrections import (
    CORRECTION_REPLY_MAX,
    CORRECTION_TEXT_MAX,
    CorrectionNote,
)
from moderation.corrections import WITHDRAW_REASON_MAX


class CorrectionNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Correction note"),
        max_length=CORRECTION_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Plain text, at most 1,000 characters: what is inaccurate and what is right. Every reader "
            "of the post sees it, signed “the moderation team”."
        ),
        error_messages={"required": _("Write the correction note: what is inaccurate, and what is right.")},
    )
    sources = forms.CharField(
        label=_("Sources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "inputmode": "url", "autocomplete": "off"}),
        # the number is in the sentence itself: a lazy string formatted here would be fixed at import
        help_text=_("One web address per line, starting with https:// or http://; at most five."),
    )

    def __init__(self, *args, note: CorrectionNote | None = None, **kwargs) -> None:
        if note is not None and not kwargs.get("initial"):
            kwargs["initial"] = {"text": note.text, "sources": "\n".join(note.sources)}
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["maxlength"] = CORRECTION_TEXT_MAX

    def clean_sources(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["sources"].splitlines() if line.strip()]


class CorrectionWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why withdraw it? (optional, for the audit log)"),
        required=False,
        max_length=WITHDRAW_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CorrectionReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply to the moderation team"),
        max_length=CORRECTION_REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only the moderators read your reply. It is not shown on the post."),
        error_messages={"required": _("Write your reply.")},
    )
