"""The figures a community goal can aim at (issue 10): each one a figure the health dashboard already
computes (community/dashboard/selectors.py), with the words that explain it, its unit and which way is
better. The goal's target is kept in the unit shown here (80 for 80 %, 24 for 24 hours); `read` takes
the dashboard's figures of the metric's section and gives the actual value in the same unit.

Adding a metric: one entry in METRICS (its code is stored in Goal.metric: never rename a code).
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from community.dashboard import selectors as s


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("at least")
    AT_MOST = "at_most", _("at most")


class Unit:
    PERCENT = "percent"
    HOURS = "hours"
    DAYS = "days"
    COUNT = "count"
    PER_DAY = "per_day"
    PER_THOUSAND = "per_thousand"


@dataclass(frozen=True)
class Metric:
    code: str
    label: Promise  # what the figure is, as a goal's default title
    explanation: Promise  # plain words for the admin's help and the public page
    unit: str
    direction: str  # which way is better: the goal's default direction
    section: str  # the dashboard section whose figures hold it
    read: Callable[[dict, int], float | None]  # (section figures, period days) -> value in `unit`


def _percent(share: float | None) -> float | None:
    return None if share is None else share * 100


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 86400


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _promotional_share(figures: dict, days: int) -> float | None:
    return _percent(figures["sent_promotional"] / figures["sent"]) if figures["sent"] else None


_METRICS = [
    Metric(
        "first_posts_answered",
        _("New members' first posts answered within 24 hours"),
        _(
            "Of the first posts new members wrote in the period, the share that someone else answered "
            "within 24 hours. Posts younger than a day are not counted yet."
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        s.WELCOME,
        lambda f, days: _percent(f["share_answered_in_time"]),
    ),
    Metric(
        "first_reply_time",
        _("Median time to the first reply to a new member"),
        _("How long a new member's first post waited for someone else's reply (the median, in hours)."),
        Unit.HOURS,
        Direction.AT_MOST,
        s.WELCOME,
        lambda f, days: _hours(f["median_first_reply_seconds"]),
    ),
    Metric(
        "daily_active",
        _("Daily active members"),
        _("Members who used the site on a day, on average over the days of the period."),
        Unit.COUNT,
        Direction.AT_LEAST,
        s.PARTICIPATION,
        lambda f, days: _mean(f["active_per_day"]),
    ),
    Metric(
        "weekly_active",
        _("Weekly active members"),
        _("Members who used the site in the last 7 days of the period."),
        Unit.COUNT,
        Direction.AT_LEAST,
        s.PARTICIPATION,
        lambda f, days: f["wau"],
    ),
    Metric(
        "monthly_active",
        _("Monthly active members"),
        _("Members who used the site in the last 30 days of the period."),
        Unit.COUNT,
        Direction.AT_LEAST,
        s.PARTICIPATION,
        lambda f, days: f["mau"],
    ),
    Metric(
        "new_members",
        _("New members"),
        _("Accounts created in the period."),
        Unit.COUNT,
        Direction.AT_LEAST,
        s.PARTICIPATION,
        lambda f, days: sum(f["new_members_per_day"]),
    ),
    Metric(
        "posts_per_day",
        _("Posts per day"),
        _("Posts written in the period, on average per day."),
        Unit.PER_DAY,
        Direction.AT_LEAST,
        s.PARTICIPATION,
        lambda f, days: _mean(f["posts_per_day"]),
    ),
    Metric(
        "decision_time",
        _("Median time to a moderation decision"),
        _("How long a reported post or comment waited for a moderator's decision (the median, in hours)."),
        Unit.HOURS,
        Direction.AT_MOST,
        s.MODERATION,
        lambda f, days: _hours(f["median_decision_seconds"]),
    ),
    Metric(
        "overdue_review_items",
        _("Overdue review items"),
        _("Reports still waiting for a decision after their due time, at the end of the period."),
        Unit.COUNT,
        Direction.AT_MOST,
        s.MODERATION,
        lambda f, days: f["overdue"],
    ),
    Metric(
        "complaint_answer_time",
        _("Median time to answer a complaint"),
        _(
            "How long a complaint or piece of feedback waited for the team's first answer (the median, "
            "in days)."
        ),
        Unit.DAYS,
        Direction.AT_MOST,
        s.MODERATION,
        lambda f, days: _days(f["median_complaint_answer_seconds"]),
    ),
    Metric(
        "complaints_overdue",
        _("Open complaints past their answer date"),
        _("Complaints still waiting for an answer after their due date, at the end of the period."),
        Unit.COUNT,
        Direction.AT_MOST,
        s.MODERATION,
        lambda f, days: f["complaints_overdue"],
    ),
    Metric(
        "emails_p95",
        _("Emails to one member in a day (95th percentile)"),
        _(
            "On the days a member got email from us, how many: 95 of 100 such member-days had this "
            "many or fewer."
        ),
        Unit.COUNT,
        Direction.AT_MOST,
        s.DELIVERY,
        lambda f, days: f["per_member_day"]["p95"],
    ),
    Metric(
        "emails_max",
        _("Emails to one member in a day (most)"),
        _("The most emails any one member got from us in one day of the period."),
        Unit.COUNT,
        Direction.AT_MOST,
        s.DELIVERY,
        lambda f, days: f["per_member_day"]["most"],
    ),
    Metric(
        "unsubscribes_per_thousand",
        _("Unsubscribes per 1,000 emails"),
        _("How many members used an email's unsubscribe link, for every 1,000 emails we sent."),
        Unit.PER_THOUSAND,
        Direction.AT_MOST,
        s.DELIVERY,
        lambda f, days: f["unsubscribes_per_thousand"],
    ),
    Metric(
        "promotional_share",
        _("Promotional share of emails"),
        _("Of the emails we sent, the share that were promotional rather than about the community."),
        Unit.PERCENT,
        Direction.AT_MOST,
        s.DELIVERY,
        _promotional_share,
    ),
]

METRICS: dict[str, Metric] = {metric.code: metric for metric in _METRICS}
METRIC_CHOICES = [(metric.code, metric.label) for metric in _METRICS]


def metric_get(code: str) -> Metric:
    return METRICS[code]


def metric_value(*, metric: Metric, figures: dict) -> float | None:
    """The metric's value from dashboard_figures(...)'s result (which must hold its section)."""
    return metric.read(figures[metric.section], figures["period"]["days"])


# --- units in words -----------------------------------------------------------------------------------


def _number(value: float | Decimal) -> str:
    value = float(value)
    if value.is_integer():
        return formats.number_format(int(value), force_grouping=True)
    return formats.number_format(round(value, 1), decimal_pos=1, force_grouping=True)


def value_format(value: float | Decimal | None, unit: str) -> str:
    """A value in its unit, in the reader's language: "80%", "24 hours", "2 days", "1.5 per 1,000
    emails", "12.5 a day", "300"; a dash when there is no value yet."""
    if value is None:
        return "—"
    number = _number(value)
    if unit == Unit.PERCENT:
        return gettext("%(percent)s%%") % {"percent": number}
    if unit == Unit.HOURS:
        return gettext("%(hours)s hours") % {"hours": number}
    if unit == Unit.DAYS:
        return gettext("%(days)s days") % {"days": number}
    if unit == Unit.PER_DAY:
        return gettext("%(count)s a day") % {"count": number}
    if unit == Unit.PER_THOUSAND:
        return gettext("%(rate)s per 1,000 emails") % {"rate": number}
    return number


def unit_words(unit: str) -> str:
    """How a target is entered, for the admin's help: "a percentage, 0 to 100"."""
    return {
        Unit.PERCENT: gettext("a percentage, 0 to 100"),
        Unit.HOURS: gettext("hours"),
        Unit.DAYS: gettext("days"),
        Unit.COUNT: gettext("a number"),
        Unit.PER_DAY: gettext("a number per day"),
        Unit.PER_THOUSAND: gettext("a number per 1,000 emails"),
    }[unit]
