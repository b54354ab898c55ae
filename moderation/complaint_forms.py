"""Forms of the complaints desk (LEGAL L19). They check shape; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.complaints import BODY_MAX, SUBJECT_MAX
from moderation.models import ComplaintStatus, ComplaintTopic


class ComplaintForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("What is it about?"), choices=ComplaintTopic.choices, widget=forms.RadioSelect
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Only the community team reads this. To report a post, comment or event, use the Report link "
            "beside it instead."
        ),
    )


class ComplaintReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 5}))


class ComplaintCloseForm(forms.Form):
    body = forms.CharField(
        label=_("Last message (optional)"),
        required=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ComplaintDeskFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Not closed")),
            # labels of their own: "open" and "closed" are translated for other things already
            (ComplaintStatus.OPEN, _("Waiting for an answer")),
            (ComplaintStatus.ANSWERED, _("Answered")),
            (ComplaintStatus.CLOSED, _("Closed")),
        ],
    )
    topic = forms.ChoiceField(
        label=_("About"), required=False, choices=[("", _("Anything")), *ComplaintTopic.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
