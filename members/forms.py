from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from members.models import Member


class SignupDetailsForm(forms.Form):
    """What allauth's signup form asks beyond email and password (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("How other members will see you. You can change it later."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter a display name."))
        return name

    def signup(self, request: HttpRequest, user: Member) -> None:
        # The adapter stores the fields (members.adapter); allauth requires this method to exist.
        pass


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["display_name", "language", "timezone"]
        help_texts = {
            "language": _("Pages and emails from the community use this language."),
            "timezone": _("Times of events and emails are shown in this time zone."),
        }

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter a display name."))
        return name
