from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from members.avatars import AVATAR_TOO_LARGE, avatar_check_size
from members.exceptions import AvatarRejected
from members.models import EMAIL_CAP_MAX, EMAIL_CAP_MESSAGE, EMAIL_CAP_MIN, Member
from members.services import EMAIL_SWITCHES

EMAIL_FIELDS = ["email_mode", "email_daily_cap", "quiet_hours_start", "quiet_hours_end", *EMAIL_SWITCHES]
EMAIL_SECTION = "email_section"


def display_name_clean(value: str) -> str:
    """Shared by signup and preferences: a name of only spaces is no name."""
    name = value.strip()
    if not name:
        raise forms.ValidationError(_("Please enter a display name."))
    return name


class PreferencesForm(forms.ModelForm):
    # Not a model field of the form: the service converts the picture, the form only checks its size.
    avatar = forms.FileField(
        label=_("Picture"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF, up to 5 MB. It is cropped to a square."),
        # A plain file input: the current picture is shown beside it and removed with our own checkbox.
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my picture"), required=False)
    # Sent with the "Email" fieldset: without it (an older client) the email settings are left alone,
    # since an unticked box and a missing one look the same.
    email_section = forms.CharField(widget=forms.HiddenInput, initial="1", required=False)

    class Meta:
        model = Member
        fields = ["display_name", "language", "timezone", "bio", "profile_visibility", *EMAIL_FIELDS]
        labels = {
            "bio": _("About you"),
            "email_mode": _("How should we email you?"),
            "email_daily_cap": _("At most this many emails a day"),
            "quiet_hours_start": _("Quiet hours from"),
            "quiet_hours_end": _("Quiet hours until"),
            "email_replies": _("Replies to my posts and comments"),
            "email_mentions": _("Mentions of me"),
            "email_new_posts": _("New posts in my spaces"),
            "email_event_reminders": _("Event reminders"),
            "email_announcements": _("Announcements"),
            "reminder_in_quiet_hours": _("The 1-hour event reminder may come during quiet hours"),
        }
        help_texts = {
            "language": _("Pages and emails from the community use this language."),
            "timezone": _("Times of events and emails are shown in this time zone."),
            "bio": _("A few words other members see on your profile (up to 500 characters)."),
            "email_daily_cap": _("From 1 to 20. Anything more waits for the next digest."),
            "quiet_hours_start": _(
                "No email between these times, in your time zone. It waits for the digest."
            ),
            "quiet_hours_end": _("Set both to the same time to have no quiet hours."),
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 4}),
            "profile_visibility": forms.RadioSelect,
            "email_mode": forms.RadioSelect,
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: object, avatar_too_large: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Set when members.uploads dropped the file while it arrived: it never reached request.FILES.
        self.avatar_too_large = avatar_too_large
        # Older clients that do not send it keep the member's choice.
        self.fields["profile_visibility"].required = False
        if not (self.instance and self.instance.avatar):
            del self.fields["remove_avatar"]
        if self.is_bound and not self.data.get(EMAIL_SECTION):
            for name in EMAIL_FIELDS:
                del self.fields[name]
        else:
            for name in EMAIL_FIELDS:
                # the defaults are callables (the site's settings); no hidden "initial-" copies needed
                self.fields[name].show_hidden_initial = False
                if isinstance(self.fields[name], forms.BooleanField):
                    self.fields[name].label_suffix = ""
            cap = self.fields["email_daily_cap"]
            cap.min_value, cap.max_value = EMAIL_CAP_MIN, EMAIL_CAP_MAX
            cap.validators = [
                MinValueValidator(EMAIL_CAP_MIN, EMAIL_CAP_MESSAGE),
                MaxValueValidator(EMAIL_CAP_MAX, EMAIL_CAP_MESSAGE),
            ]
            cap.widget.attrs.update(min=EMAIL_CAP_MIN, max=EMAIL_CAP_MAX)
            hour = getattr(settings, "DELIVERY_DIGEST_HOUR", 8)
            self.fields["email_mode"].help_text = _(
                "A digest gathers everything into one email at %(hour)02d:00 your time (a weekly one on "
                "Mondays). Account and event notices always come."
            ) % {"hour": hour}

    @property
    def email_fields(self) -> list[forms.BoundField]:
        """The fields of the "Email" fieldset (none when an older client did not send them)."""
        return [self[name] for name in EMAIL_FIELDS if name in self.fields]

    @property
    def email_budget_fields(self) -> list[forms.BoundField]:
        return [field for field in self.email_fields if field.name not in EMAIL_SWITCHES]

    @property
    def email_switch_fields(self) -> list[forms.BoundField]:
        return [field for field in self.email_fields if field.name in EMAIL_SWITCHES]

    @property
    def profile_fields(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if field.name not in EMAIL_FIELDS]

    def email_preferences(self) -> dict[str, object]:
        """The cleaned email settings as keyword arguments of member_update_preferences."""
        return {name: self.cleaned_data[name] for name in EMAIL_FIELDS if name in self.cleaned_data}

    def clean_avatar(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("avatar")
        if self.avatar_too_large:
            raise forms.ValidationError(AVATAR_TOO_LARGE, code="avatar_too_large")
        if upload:
            try:
                avatar_check_size(upload=upload)
            except AvatarRejected as error:
                raise forms.ValidationError(error.message, code=error.code) from error
        return upload or None

    def clean_display_name(self) -> str:
        return display_name_clean(self.cleaned_data["display_name"])
