"""The optional poll section of the new-post form. Its checks are the service's (poll_check), so the
page and the API refuse the same things with the same sentences, each beside its field."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from content.models.polls import OPTION_MAX, OPTIONS_MAX
from content.services.polls import PollInvalid, PollSpec, poll_check

_WIDGET_FORMAT = "%Y-%m-%dT%H:%M"


class PollForm(forms.Form):
    """Every field is optional: with no options there is no poll."""

    options = forms.CharField(
        label=_("Poll options, one per line"),
        required=False,
        max_length=(OPTION_MAX + 1) * OPTIONS_MAX + 200,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Leave empty for a post without a poll. 2 to 20 options, each different."),
    )
    allows_multiple = forms.BooleanField(label=_("Members may choose several options"), required=False)
    is_anonymous = forms.TypedChoiceField(
        label=_("Votes"),
        choices=[
            ("0", _("Public: everyone who sees the results sees who voted for what")),
            ("1", _("Anonymous: nobody, not even moderators or operators, can see who voted for what")),
        ],
        coerce=lambda value: value == "1",
        required=False,
        empty_value=False,
        initial="0",
        widget=forms.RadioSelect,
    )
    results_after_close = forms.TypedChoiceField(
        label=_("Results"),
        choices=[
            ("0", _("Shown to each member after they vote")),
            ("1", _("Shown only after the poll closes")),
        ],
        coerce=lambda value: value == "1",
        required=False,
        empty_value=False,
        initial="0",
        widget=forms.RadioSelect,
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_WIDGET_FORMAT),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("prefix", "poll")
        super().__init__(*args, **kwargs)
        zone = timezone.get_current_timezone_name()
        self.fields["closes_at"].help_text = _(
            "In your time zone (%(zone)s). Leave empty to keep it open."
        ) % {"zone": zone}

    @property
    def has_content(self) -> bool:
        """The member started a poll (typed options or changed a setting): the section opens."""
        return self.is_bound and any(
            self.data.get(self.add_prefix(name)) for name in ("options", "closes_at")
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        self.spec: PollSpec | None = None
        lines = (cleaned.get("options") or "").splitlines()
        if not any(line.strip() for line in lines):
            return cleaned  # no poll
        if self.errors:
            return cleaned
        try:
            self.spec = poll_check(
                options=lines,
                allows_multiple=cleaned.get("allows_multiple", False),
                is_anonymous=cleaned.get("is_anonymous", False),
                results_after_close=cleaned.get("results_after_close", False),
                closes_at=cleaned.get("closes_at"),
            )
        except PollInvalid as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned
