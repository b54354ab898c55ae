"""Moderation's domain errors: content's ContentError family, so views and the API treat them alike."""

from django.utils.translation import gettext_lazy as _

from content.exceptions import ContentError, NotAllowed, NotFound


class ClaimedByOther(ContentError):
    code = "claimed"
    status = 409
    default_message = _("Another moderator is handling this item.")


class AlreadyDecided(ContentError):
    code = "decided"
    status = 409
    default_message = _("This item has already been decided.")


class ReportLimitReached(ContentError):
    code = "report_limit"
    status = 429
    default_message = _("You have sent many reports today. Please try again tomorrow.")


class ActionNotPossible(ContentError):
    code = "action_not_possible"
    status = 400
    default_message = _("This action does not apply to this item.")


class DaysInvalid(ContentError):
    """A limit, suspension or sweep without a usable number of days; shown beside the days field."""

    code = "days_invalid"
    status = 400
    field = "days"
    default_message = _("Choose a number of days from 1 to 365.")


class SanctionNotPossible(ActionNotPossible):
    code = "sanction_not_possible"
    default_message = _("This account cannot be restricted here.")


class AppealNotPossible(ContentError):
    code = "appeal_not_possible"
    status = 400
    default_message = _("This decision cannot be appealed.")


class AppealPeriodOver(ContentError):
    code = "appeal_period_over"
    status = 400
    default_message = _("The six months to appeal this decision are over.")


__all__ = [
    "ActionNotPossible",
    "AlreadyDecided",
    "AppealNotPossible",
    "AppealPeriodOver",
    "ClaimedByOther",
    "DaysInvalid",
    "NotAllowed",
    "NotFound",
    "ReportLimitReached",
    "SanctionNotPossible",
]
