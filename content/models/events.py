import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from content.models.posts import ContentStatus


class Event(models.Model):
    space = models.ForeignKey("content.Space", on_delete=models.PROTECT, related_name="events")
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="events")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=10000, blank=True)
    description_html = models.TextField(editable=False, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    timezone = models.CharField(_("time zone of the event"), max_length=64, default="UTC")
    location = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(
        _("online link"), blank=True, help_text=_("Shown only to members who are going.")
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    rsvp_deadline = models.DateTimeField(_("RSVP deadline"), null=True, blank=True)
    status = models.CharField(max_length=16, choices=ContentStatus.choices, default=ContentStatus.PUBLISHED)
    going_count = models.PositiveIntegerField(default=0, editable=False)
    waitlist_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["space", "starts_at", "id"], name="event_space_upcoming"),
            models.Index(fields=["starts_at", "id"], name="event_upcoming"),
            GinIndex(fields=["search_vector"], name="event_search"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RSVPStatus(models.TextChoices):
    GOING = "going", _("Going")
    WAITLISTED = "waitlisted", _("On the waitlist")
    NOT_GOING = "not_going", _("Not going")


class RSVP(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps")
    status = models.CharField(max_length=12, choices=RSVPStatus.choices)
    # First come, first served: the waitlist is ordered by when each member joined it.
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        constraints = [models.UniqueConstraint(fields=["event", "member"], name="rsvp_once")]
        indexes = [
            models.Index(fields=["event", "status", "waitlisted_at", "id"], name="rsvp_waitlist"),
            models.Index(fields=["member", "status"], name="rsvp_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.status} {self.event_id}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """The secret in a member's personal calendar feed URL; replacing it revokes the old URL."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"calendar token of {self.member_id}"
