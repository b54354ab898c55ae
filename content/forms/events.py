"""The event form. Times are typed as a wall clock in the event's own time zone (a meetup in Shanghai
starts at 19:00 Shanghai time, whoever creates it); the form turns them into aware datetimes."""

import zoneinfo
from datetime import UTC, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone as django_timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from content.forms.posts import submission_token_field
from content.models import Event
from members.models import timezone_choices

_WIDGET_FORMAT = "%Y-%m-%dT%H:%M"


class WallClockDateTimeField(forms.DateTimeField):
    """A date and time with no time zone yet: the form attaches the event's zone in `clean()`."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_WIDGET_FORMAT)

    def to_python(self, value: object) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        try:
            result = parse_datetime(str(value).strip())
        except ValueError:
            result = None
        if result is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return result.replace(tzinfo=None)

    def prepare_value(self, value: object) -> object:
        return value  # initial values are already naive wall-clock times (see EventForm.__init__)


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown works: **bold**, *italic*, lists and links."),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        help_text=_("The start and end below are in this time zone."),
    )
    starts_at = WallClockDateTimeField(label=_("Starts"))
    ends_at = WallClockDateTimeField(label=_("Ends"))
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_url = forms.URLField(
        label=_("Online link"),
        required=False,
        assume_scheme="https",
        help_text=_("Shown only to members who are going."),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        required=False,
        min_value=1,
        help_text=_("Leave empty for no limit. When the event is full, members join a waitlist."),
        error_messages={"min_value": _("Capacity must be at least 1, or empty for no limit.")},
    )
    rsvp_deadline = WallClockDateTimeField(
        label=_("RSVP deadline"),
        required=False,
        help_text=_("Optional. After this time nobody can change their RSVP."),
    )
    submission_token = submission_token_field()  # creating only (removed for an edit)

    def __init__(self, *args: object, event: Event | None = None, default_timezone: str = "UTC", **kwargs):
        self.event = event
        if event is not None and "initial" not in kwargs:
            zone = zoneinfo.ZoneInfo(event.timezone)

            def wall(value: datetime | None) -> datetime | None:
                return django_timezone.localtime(value, zone).replace(tzinfo=None) if value else None

            kwargs["initial"] = {
                "title": event.title,
                "description": event.description,
                "timezone": event.timezone,
                "starts_at": wall(event.starts_at),
                "ends_at": wall(event.ends_at),
                "location": event.location,
                "online_url": event.online_url,
                "capacity": event.capacity,
                "rsvp_deadline": wall(event.rsvp_deadline),
            }
        super().__init__(*args, **kwargs)
        if event is None:
            self.fields["timezone"].initial = default_timezone
        else:
            del self.fields["submission_token"]

    def _aware(self, name: str, zone: zoneinfo.ZoneInfo) -> datetime | None:
        wall = self.cleaned_data.get(name)
        if wall is None:
            return None
        aware = wall.replace(tzinfo=zone)
        # A wall-clock time skipped when the clocks go forward does not exist; say so rather than guess.
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
            self.add_error(name, _("This time does not exist in the chosen time zone (the clocks change)."))
            return None
        return aware

    def clean(self) -> dict:
        cleaned = super().clean()
        name = cleaned.get("timezone")
        if not name:
            return cleaned
        zone = zoneinfo.ZoneInfo(name)
        starts_at = self._aware("starts_at", zone)
        ends_at = self._aware("ends_at", zone)
        deadline = self._aware("rsvp_deadline", zone)
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The event must end after it starts."))
        if starts_at and self.event is None and starts_at <= django_timezone.now():
            self.add_error("starts_at", _("The event must start in the future."))
        if starts_at and deadline and deadline > starts_at:
            self.add_error("rsvp_deadline", _("The RSVP deadline must be before the event starts."))
        for key, value in (("starts_at", starts_at), ("ends_at", ends_at), ("rsvp_deadline", deadline)):
            if key in cleaned:
                cleaned[key] = value
        return cleaned
