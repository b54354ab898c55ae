import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from content.models.posts import ContentStatus


class Event(models.Model):
    space = models.ForeignKey(
        "content.Space", on_delete=models.PROTECT, related_name="events", verbose_name=_("space")
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="events", verbose_name=_("organiser")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=10000, blank=True)
    description_html = models.TextField(_("description (HTML)"), editable=False, blank=True)
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
    status = models.CharField(
        _("status"), max_length=16, choices=ContentStatus.choices, default=ContentStatus.PUBLISHED
    )
    going_count = models.PositiveIntegerField(_("people going"), default=0, editable=False)
    waitlist_count = models.PositiveIntegerField(_("people on the waitlist"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    search_vector = SearchVectorField(_("search index"), null=True, editable=False)

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
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps", verbose_name=_("event"))
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps", verbose_name=_("member")
    )
    status = models.CharField(_("status"), max_length=12, choices=RSVPStatus.choices)
    # First come, first served: the waitlist is ordered by when each member joined it.
    waitlisted_at = models.DateTimeField(_("joined the waitlist"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        constraints = [models.UniqueConstraint(fields=["event", "member"], name="rsvp_once")]
        indexes = [
            models.Index(fields=["event", "status", "waitlisted_at", "id"], name="rsvp_waitlist"),
            models.Index(fields=["member", "status"], name="rsvp_member"),
        ]

    def __str__(self) -> str:
        return gettext("member %(member)s: %(status)s, event %(event)s") % {
            "member": self.member_id,
            "status": self.get_status_display(),
            "event": self.event_id,
        }


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """The secret in a member's personal calendar feed URL; replacing it revokes the old URL."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_token",
        verbose_name=_("member"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar token")
        verbose_name_plural = _("calendar tokens")

    def __str__(self) -> str:
        return gettext("calendar token of member %(member)s") % {"member": self.member_id}
