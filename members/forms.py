from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from members.avatars import AVATAR_TOO_LARGE, avatar_check_size
from members.exceptions import AvatarRejected
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
    # Not a model field of the form: the service converts the picture, the form only checks its size.
    avatar = forms.FileField(
        label=_("Picture"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF, up to 5 MB. It is cropped to a square."),
        # A plain file input: the current picture is shown beside it and removed with our own checkbox.
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my picture"), required=False)

    class Meta:
        model = Member
        fields = ["display_name", "language", "timezone", "bio", "profile_visibility"]
        labels = {"bio": _("About you")}
        help_texts = {
            "language": _("Pages and emails from the community use this language."),
            "timezone": _("Times of events and emails are shown in this time zone."),
            "bio": _("A few words other members see on your profile (up to 500 characters)."),
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 4}),
            "profile_visibility": forms.RadioSelect,
        }

    def __init__(self, *args: object, avatar_too_large: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Set when members.uploads dropped the file while it arrived: it never reached request.FILES.
        self.avatar_too_large = avatar_too_large
        # Older clients that do not send it keep the member's choice.
        self.fields["profile_visibility"].required = False
        if not (self.instance and self.instance.avatar):
            del self.fields["remove_avatar"]

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
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter a display name."))
        return name
