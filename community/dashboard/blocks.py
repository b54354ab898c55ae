"""The dashboard's figures put into words, in the reader's language: for each block a few numbers and
charts; each chart carries its own table (the same numbers, for screen readers and for reading)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import formats
from django.utils.dateformat import format as date_format_with
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from community.dashboard import selectors as s
from content.delivery.admin import reason_label
from content.delivery.models import Category
from moderation.models import ReportReason
from privacy.models import RetentionCategory
from privacy.selectors import category_label


@dataclass
class Number:
    label: str
    value: str
    note: str = ""
    warn: bool = False


@dataclass
class Chart:
    id: str
    title: str
    kind: str  # "line" or "bar"
    labels: list[str]
    datasets: list[dict]
    horizontal: bool = False
    axis: str = ""  # the title of the table's first column (the day, or what the bars are)
    stacked: bool = False  # parts of one whole (the fates of the day's emails)

    @property
    def rows(self) -> list[list]:
        """The table: one row per label; days newest first (the chart reads left to right, the table
        from today back)."""
        rows = [[label, *(d["data"][i] for d in self.datasets)] for i, label in enumerate(self.labels)]
        return rows if self.horizontal else rows[::-1]

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "type": self.kind,
            "labels": self.labels,
            "datasets": self.datasets,
            "horizontal": self.horizontal,
            "stacked": self.stacked,
        }


@dataclass
class Block:
    key: str
    title: str
    numbers: list[Number] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    note: str = ""


def number(value) -> str:
    if value is None:
        return "—"
    return formats.number_format(value, force_grouping=True)


def decimal(value: float | None) -> str:
    if value is None:
        return "—"
    return formats.number_format(value, decimal_pos=0 if float(value).is_integer() else 1)


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    return _("%(percent)s%%") % {"percent": formats.number_format(round(value * 100, 1), decimal_pos=1)}


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    days = round(hours / 24, 1)
    return _("%(days)s days") % {"days": formats.number_format(days, decimal_pos=1)}


def day_label(day: date) -> str:
    # Translators: a date format (Django's template date syntax) for the days under a chart: "Nov 30".
    return date_format_with(day, pgettext("dashboard day label", "M j"))


def moment(value: datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return formats.date_format(value.astimezone(), "SHORT_DATETIME_FORMAT")


def _series(label: str, data: list) -> dict:
    return {"label": label, "data": data}


def participation_block(figures: dict, days: list[str]) -> Block:
    return Block(
        key=s.PARTICIPATION,
        title=_("Participation"),
        numbers=[
            Number(_("Active today"), number(figures["dau"])),
            Number(_("Active in the last 7 days"), number(figures["wau"])),
            Number(_("Active in the last 30 days"), number(figures["mau"])),
            Number(_("New members in the period"), number(sum(figures["new_members_per_day"]))),
            Number(_("Posts in the period"), number(sum(figures["posts_per_day"]))),
            Number(_("Comments in the period"), number(sum(figures["comments_per_day"]))),
            Number(
                _("Members who ever wrote a post or a comment"),
                percent(figures["share_who_wrote"]),
                note=_("%(wrote)s of %(members)s active accounts")
                % {"wrote": number(figures["members_who_wrote"]), "members": number(figures["members"])},
            ),
        ],
        charts=[
            Chart(
                "active",
                _("Active members per day"),
                "line",
                days,
                [_series(_("Active members"), figures["active_per_day"])],
            ),
            Chart(
                "writing",
                _("Posts and comments per day"),
                "bar",
                days,
                [
                    _series(_("Posts"), figures["posts_per_day"]),
                    _series(_("Comments"), figures["comments_per_day"]),
                ],
            ),
            Chart(
                "joined",
                _("New members per day"),
                "bar",
                days,
                [_series(_("New members"), figures["new_members_per_day"])],
            ),
        ],
    )


def welcome_block(figures: dict) -> Block:
    return Block(
        key=s.WELCOME,
        title=_("Welcome"),
        note=_(
            "A member's first post, and whether someone else answered it within 24 hours. Posts younger "
            "than a day are not counted in the share yet."
        ),
        numbers=[
            Number(_("First posts in the period"), number(figures["first_posts"])),
            Number(
                _("Answered within 24 hours"),
                percent(figures["share_answered_in_time"]),
                note=_("%(answered)s of %(posts)s")
                % {"answered": number(figures["answered_in_time"]), "posts": number(figures["ripe"])},
                warn=figures["share_answered_in_time"] is not None
                and figures["share_answered_in_time"] < 0.5,
            ),
            Number(_("Median time to the first reply"), duration(figures["median_first_reply_seconds"])),
            Number(
                _("First posts still without a reply"), number(figures["first_posts"] - figures["answered"])
            ),
        ],
    )


def moderation_block(figures: dict) -> Block:
    reasons = dict(ReportReason.choices)
    by_reason = figures["reports_by_reason"]
    return Block(
        key=s.MODERATION,
        title=_("Moderation"),
        numbers=[
            Number(_("Open review items"), number(figures["open"])),
            Number(_("Overdue review items"), number(figures["overdue"]), warn=bool(figures["overdue"])),
            Number(
                _("Waiting for a first look for more than a day"),
                number(figures["triage_overdue"]),
                warn=bool(figures["triage_overdue"]),
            ),
            Number(_("Items decided in the period"), number(figures["decided"])),
            Number(_("Median time to a decision"), duration(figures["median_decision_seconds"])),
            Number(_("Reports in the period"), number(figures["reports"])),
            Number(_("Open complaints"), number(figures["complaints_open"])),
            Number(
                _("Overdue complaints"),
                number(figures["complaints_overdue"]),
                warn=bool(figures["complaints_overdue"]),
            ),
            Number(
                _("Median time to a complaint's first answer"),
                duration(figures["median_complaint_answer_seconds"]),
                note=_("%(count)s complaints received in the period")
                % {"count": number(figures["complaints_received"])},
            ),
            Number(_("Appeals filed in the period"), number(figures["appeals_filed"])),
            Number(_("Appeals waiting"), number(figures["appeals_open"])),
            Number(
                _("Decisions reversed on appeal"),
                percent(figures["reversal_rate"]),
                note=_("%(upheld)s of %(decided)s appeals decided in the period")
                % {
                    "upheld": number(figures["appeals_upheld"]),
                    "decided": number(figures["appeals_decided"]),
                },
            ),
        ],
        charts=[
            Chart(
                "reasons",
                _("Reports by reason"),
                "bar",
                [str(reasons.get(code, code)) for code, _n in by_reason],
                [_series(_("Reports"), [n for _code, n in by_reason])],
                horizontal=True,
                axis=_("Reason"),
            )
        ]
        if by_reason
        else [],
    )


def delivery_block(figures: dict, days: list[str]) -> Block:
    categories = dict(Category.choices)
    per_day = figures["per_day"]
    charts = [
        Chart(
            "emails",
            _("Emails per day"),
            "bar",
            days,
            [
                _series(_("Sent at once"), per_day["instant"]),
                _series(_("Digests sent"), per_day["digest"]),
                _series(_("Rolled into a digest"), per_day["rolled_over"]),
                _series(_("Cancelled"), per_day["cancelled"]),
            ],
            stacked=True,
        )
    ]
    if figures["cancelled_by_reason"]:
        charts.append(
            Chart(
                "cancelled",
                _("Emails cancelled, by reason"),
                "bar",
                [reason_label(code) for code, _n in figures["cancelled_by_reason"]],
                [_series(_("Cancelled"), [n for _code, n in figures["cancelled_by_reason"]])],
                horizontal=True,
                axis=_("Reason"),
            )
        )
    by_category = figures["unsubscribes_by_category"]
    if by_category:
        charts.append(
            Chart(
                "unsubscribes",
                _("Unsubscribes per 1,000 emails, by kind of email"),
                "bar",
                [str(categories.get(row[0], row[0])) for row in by_category],
                [
                    _series(
                        _("Per 1,000 emails of this kind"),
                        [round(row[3], 1) if row[3] is not None else None for row in by_category],
                    ),
                    _series(_("Unsubscribes"), [row[1] for row in by_category]),
                ],
                horizontal=True,
                axis=_("Kind of email"),
            )
        )
    per_thousand = figures["unsubscribes_per_thousand"]
    daily = figures["per_member_day"]
    return Block(
        key=s.DELIVERY,
        title=_("Email"),
        numbers=[
            Number(_("Emails sent in the period"), number(figures["sent"])),
            Number(_("Sent at once"), number(figures["sent_instant"])),
            Number(_("Digests sent"), number(figures["sent_digest"])),
            Number(_("Rolled into a digest"), number(figures["rolled_over"])),
            Number(_("Cancelled before sending"), number(figures["cancelled"])),
            Number(
                _("Unsubscribes"),
                number(figures["unsubscribes"]),
                note=_("%(rate)s per 1,000 emails sent")
                % {
                    "rate": formats.number_format(per_thousand, decimal_pos=1)
                    if per_thousand is not None
                    else "—"
                },
            ),
            Number(
                _("Promotional emails"),
                percent(figures["sent_promotional"] / figures["sent"] if figures["sent"] else None),
                note=_("%(promotional)s of %(sent)s emails sent")
                % {"promotional": number(figures["sent_promotional"]), "sent": number(figures["sent"])},
            ),
            Number(
                _("Emails to one member in a day (median)"),
                decimal(daily["median"]),
                note=_("95th percentile %(p95)s, most %(most)s; on the days they got any")
                % {"p95": decimal(daily["p95"]), "most": decimal(daily["most"])},
            ),
        ],
        charts=charts,
    )


def privacy_block(figures: dict) -> Block:
    retention = figures["retention"]
    return Block(
        key=s.PRIVACY,
        title=_("Privacy"),
        numbers=[
            Number(_("Open data requests"), number(figures["requests_open"])),
            Number(
                _("Overdue data requests"),
                number(figures["requests_overdue"]),
                warn=bool(figures["requests_overdue"]),
            ),
            Number(_("Data requests received in the period"), number(figures["requests_received"])),
            Number(
                _("Median time to answer a data request"),
                duration(figures["median_request_answer_seconds"]),
                note=_("for the requests answered in the period"),
            ),
            Number(_("Account deletions in their grace period"), number(figures["deletions_in_grace"])),
            Number(
                _("Account deletions due and not yet done"),
                number(figures["deletions_waiting"]),
                warn=bool(figures["deletions_waiting"]),
            ),
            Number(_("Retention runs in the last 7 days"), number(figures["retention_runs"])),
            Number(
                _("Retention runs that did not finish"),
                number(figures["retention_stalled"]),
                warn=bool(figures["retention_stalled"]),
            ),
            Number(
                _("Categories without a run in the last 7 days"),
                number(figures["retention_idle"]),
                warn=bool(figures["retention_idle"]),
            ),
        ],
        charts=[
            Chart(
                "retention",
                _("Rows deleted or anonymised in the last 7 days, by category"),
                "bar",
                [category_label(RetentionCategory(key=row["key"], label=row["label"])) for row in retention],
                [
                    _series(_("Rows affected"), [row["rows_affected"] for row in retention]),
                    _series(_("Rows held"), [row["rows_held"] for row in retention]),
                ],
                horizontal=True,
                axis=_("Category"),
            )
        ]
        if retention
        else [],
    )


def dashboard_blocks(figures: dict) -> list[Block]:
    first, count = figures["period"]["first_day"], figures["period"]["days"]
    days = [day_label(first + timedelta(days=n)) for n in range(count)]
    builders = {
        s.PARTICIPATION: lambda f: participation_block(f, days),
        s.WELCOME: welcome_block,
        s.MODERATION: moderation_block,
        s.DELIVERY: lambda f: delivery_block(f, days),
        s.PRIVACY: privacy_block,
    }
    return [builders[key](figures[key]) for key in s.SECTIONS if key in figures]
