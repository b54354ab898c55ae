"""Domain errors. Each carries a stable `code` for the API and a sentence for people; views turn them
into a message beside the form, the API into a 4xx JSON body."""

from datetime import datetime

from django.utils.translation import gettext_lazy as _


class ContentError(Exception):
    code = "content_error"
    status = 400
    default_message = _("This action is not possible.")

    def __init__(self, message: str | None = None, *, retry_at: datetime | None = None) -> None:
        self.message = str(message or self.default_message)
        self.retry_at = retry_at
        super().__init__(self.message)


class NotAllowed(ContentError):
    code = "not_allowed"
    status = 403
    default_message = _("You are not allowed to do this.")


class NotFound(ContentError):
    """Also raised for things that exist but the viewer may not see, so nothing leaks."""

    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PostingLimitReached(ContentError):
    code = "posting_limit"
    status = 429
    default_message = _("You have reached your posting limit for now.")


class DuplicateContent(ContentError):
    code = "duplicate"
    status = 409
    default_message = _("You posted the same text in the last 24 hours.")


class SpaceClosed(ContentError):
    code = "space_closed"
    status = 403
    default_message = _("Only the moderators of this space can post here.")


class EventFull(ContentError):
    code = "event_full"
    status = 409
    default_message = _("This event is full.")


class RSVPClosed(ContentError):
    code = "rsvp_closed"
    status = 409
    default_message = _("RSVPs for this event are closed.")


class AccountRestricted(NotAllowed):
    """The member's account standing (members/standing.py, LEGAL L20) forbids this for now; `retry_at`
    is when the restriction ends."""

    code = "account_restricted"
    default_message = _("Your account cannot do this at the moment.")


class AccountSuspended(AccountRestricted):
    code = "account_suspended"
    default_message = _("Your account is suspended. You can read, but not post, comment, react or RSVP.")


class PostingLimited(AccountRestricted):
    code = "posting_limited"
    default_message = _("Your account may not post or comment at the moment.")


class ConsentRequired(NotAllowed):
    """LEGAL L2: a required document (the terms) has a new version the member has not accepted."""

    code = "consent_required"
