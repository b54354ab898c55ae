"""What allauth's signup form asks beyond email and password (ACCOUNT_SIGNUP_FORM_CLASS).

LEGAL L2/L3: the required terms-and-privacy consent is an unticked box, and the optional marketing
consent is a separate unticked box; the member's answers go to privacy's consent ledger.
LEGAL L5: the date of birth decides whether a parent or guardian must agree first (members/guardian.py);
it is compared and forgotten, never stored.
"""

from datetime import date

from django import forms
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members.forms import display_name_clean
from members.guardian import age_needs_guardian, age_of_consent, guardian_consent_request
from members.models import Member
from privacy.consents import consent_grant, consent_withdraw

# Read by templates/account/account_inactive.html: the page after a minor's signup says what happens next.
GUARDIAN_PENDING_SESSION_KEY = "guardian_pending"


class SignupDetailsForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("How other members will see you. You can change it later."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Please enter your date of birth."),
            "invalid": _("Please enter a date such as 2001-07-21."),
        },
    )
    guardian_email = forms.EmailField(
        label=_("Email of a parent or guardian"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
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
        age = age_of_consent()
        self.fields["birth_date"].help_text = _(
            "Only to check whether a parent or guardian must agree first. We do not keep it: we store "
            "only whether you are under %(age)d."
        ) % {"age": age}
        self.fields["guardian_email"].help_text = _(
            "Only if you are under %(age)d. We will ask them to agree before your account is active."
        ) % {"age": age}
        self.needs_guardian = False

    def clean_display_name(self) -> str:
        return display_name_clean(self.cleaned_data["display_name"])

    def clean_birth_date(self) -> date:
        born = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError(_("This date is in the future."))
        if born.year < today.year - 120:
            raise forms.ValidationError(_("Please check the year."))
        return born

    def clean(self) -> dict:
        cleaned = super().clean()
        born = cleaned.get("birth_date")
        if born is None:
            return cleaned
        self.needs_guardian = age_needs_guardian(birth_date=born)
        guardian = (cleaned.get("guardian_email") or "").lower()
        if not self.needs_guardian:
            cleaned["guardian_email"] = ""  # an adult's answer here is not needed, so not kept
        elif not guardian:
            self.add_error(
                "guardian_email",
                _("You are under %(age)d: please give the email address of a parent or guardian.")
                % {"age": age_of_consent()},
            )
        elif guardian == (cleaned.get("email") or "").lower():
            self.add_error(
                "guardian_email", _("Please give the address of a parent or guardian, not your own.")
            )
        return cleaned

    def signup(self, request: HttpRequest, user: Member) -> None:
        """Called by allauth once the member exists: record their answers in the consent ledger."""
        if self.needs_guardian:
            # L5 (PIPL 31): a minor's own click is not the consent; the guardian's is, recorded when they
            # agree. Until then the account is inactive and nothing goes to the ledger.
            guardian_consent_request(member=user, guardian_email=self.cleaned_data["guardian_email"])
            request.session[GUARDIAN_PENDING_SESSION_KEY] = True
            return
        consent_grant(member=user, purpose="terms", channel="web", actor=user)
        if self.cleaned_data.get("accept_marketing"):
            consent_grant(member=user, purpose="marketing", channel="web", actor=user)
        else:
            # An unticked optional box is a refusal: we ask again only for a new version (L2).
            consent_withdraw(member=user, purpose="marketing", channel="web", actor=user)
