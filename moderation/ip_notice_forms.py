"""Forms of IP and trademark notices (LEGAL L22). They check shape; moderation.ip_notices decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.ip_notices import NAME_MAX, TEXT_MAX, URL_MAX
from moderation.models import IpRight


class IpNoticeForm(forms.Form):
    holder_name = forms.CharField(label=_("Your name"), max_length=NAME_MAX)
    holder_organisation = forms.CharField(
        label=_("Organisation (if you act for one)"), max_length=NAME_MAX, required=False
    )
    holder_email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("We write to you here if the author answers. The author is not given this address."),
    )
    right = forms.ChoiceField(label=_("Which right?"), choices=IpRight.choices, widget=forms.RadioSelect)
    evidence = forms.CharField(
        label=_("Registration or evidence"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("A trademark or copyright registration number, or what the work is and why it is yours."),
    )
    evidence_url = forms.CharField(
        label=_("Link to the evidence"),
        max_length=URL_MAX,
        widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}),
        help_text=_("The registration record or the original work."),
    )
    content_url = forms.CharField(
        label=_("Address of the content on this site"),
        max_length=URL_MAX,
        widget=forms.URLInput(attrs={"inputmode": "url"}),
        help_text=_("The address of the post, comment or event, as shown in your browser."),
    )
    sworn = forms.BooleanField(
        label=_(
            "I state in good faith that this notice is accurate and that I hold the right or am authorised "
            "to act for its holder."
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # the service says what is missing, in sentences; the browser must not block the form first
        for name in ("evidence", "evidence_url", "holder_name", "content_url"):
            self.fields[name].required = False


class CounterNoticeForm(forms.Form):
    statement = forms.CharField(
        label=_("Why your content does not infringe the right"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    counter_evidence = forms.CharField(
        label=_("Your evidence"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A licence, the original with its date, a link: what shows you may publish it."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # the service's sentences say what is missing
            field.required = False


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("How you have taken it further (optional)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example the court or authority and your case number."),
    )
