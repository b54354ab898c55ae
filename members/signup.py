"""What allauth's signup form asks beyond email and password (ACCOUNT_SIGNUP_FORM_CLASS).

LEGAL L2/L3: the required terms-and-privacy consent is an unticked box, and the optional marketing
consent is a separate unticked box; the member's answers go to privacy's consent ledger.
"""

from django import forms
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members.forms import display_name_clean
from members.models import Member
from privacy.consents import consent_grant, consent_withdraw


class SignupDetailsForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("How other members will see you. You can change it later."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    accept_terms = forms.BooleanField(
        label=_("I agree to the terms of service and the privacy policy"),
        error_messages={"required": _("You need to agree to the terms and the privacy policy to join.")},
    )
    accept_marketing = forms.BooleanField(
        label=_("Send me occasional news about the community and its events (optional)"),
        required=False,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accept_terms"].help_text = format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("privacy:policy", args=["terms"]),
            _("Read the terms of service"),
            reverse("privacy:policy", args=["privacy_policy"]),
            _("Read the privacy policy"),
        )

    def clean_display_name(self) -> str:
        return display_name_clean(self.cleaned_data["display_name"])

    def signup(self, request: HttpRequest, user: Member) -> None:
        """Called by allauth once the member exists: record their answers in the consent ledger."""
        consent_grant(member=user, purpose="terms", channel="web", actor=user)
        if self.cleaned_data.get("accept_marketing"):
            consent_grant(member=user, purpose="marketing", channel="web", actor=user)
        else:
            # An unticked optional box is a refusal: we ask again only for a new version (L2).
            consent_withdraw(member=user, purpose="marketing", channel="web", actor=user)
