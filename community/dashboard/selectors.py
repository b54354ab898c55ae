"""The figures of the community health dashboard (issue 7), read with aggregate SQL.

Each block costs a fixed number of queries whatever the size of the tables (GROUP BY day, COUNT with
FILTER, PERCENTILE_CONT for medians): no loop over members, posts or deliveries in Python. Figures are
plain numbers, dates and codes (JSON-ready, cached a few minutes); the view puts them into words in the
reader's language, so a cached block is never in the wrong language.

Days are the reader's days: the period is the last N local days including today, in the time zone
active for the request (the member's own, set by MemberLanguageMiddleware).

An earlier period (`until=` a past day, for the community goals' trends, community/goals_progress.py)
is computed by the same queries with an upper bound: only what happened before its last day ended
counts, and the figures that describe a moment (the queue, the complaints desk) are rebuilt as they
stood at that moment from the rows' timestamps. Same number of queries as the current period.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from content.delivery.digest import DIGEST
from content.delivery.models import Category, Channel, Delivery, DeliveryStatus, EmailOptOut
from content.models import Comment, ContentStatus, Post
from members.models import ActiveDay, Member
from moderation.models import (
    Appeal,
    AppealStatus,
    Complaint,
    ComplaintMessage,
    ComplaintStatus,
    Report,
    ReviewItem,
    ReviewStatus,
)
from privacy.models import DataRequest, DeletionRequest, RetentionCategory

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
CACHE_SECONDS = 300
# A period that has ended changes only when old rows are deleted: kept longer.
PAST_CACHE_SECONDS = 6 * 3600
# A retention run still unfinished this long after it started has failed (a batch takes seconds).
RUN_STALLED_AFTER = timedelta(hours=1)
REPLY_WITHIN = timedelta(hours=24)

PARTICIPATION = "participation"
WELCOME = "welcome"
MODERATION = "moderation"
DELIVERY = "delivery"
PRIVACY = "privacy"
SECTIONS = (PARTICIPATION, WELCOME, MODERATION, DELIVERY, PRIVACY)


@dataclass(frozen=True)
class Period:
    days: int
    first_day: date
    today: date
    start: datetime  # the first day's local midnight
    now: datetime  # for an earlier period: the moment it ended (the midnight after its last day)
    end: datetime | None = None  # None: the period runs up to now; else nothing from `end` on counts

    @property
    def day_list(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range(self.days)]


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def period_for(*, days: int, now: datetime | None = None, until: date | None = None) -> Period:
    """The last `days` local days including today; with `until` (a day before today), the `days` days
    ending with that one, over and done at the midnight after it."""
    if days not in PERIODS:
        days = DEFAULT_PERIOD
    now = now or timezone.now()
    today = timezone.localdate(now)
    if until is not None and until < today:
        end = _midnight(until + timedelta(days=1))
        first_day = until - timedelta(days=days - 1)
        return Period(
            days=days, first_day=first_day, today=until, start=_midnight(first_day), now=end, end=end
        )
    first_day = today - timedelta(days=days - 1)
    return Period(days=days, first_day=first_day, today=today, start=_midnight(first_day), now=now)


def before_end(field: str, period: Period) -> Q:
    """Nothing after an earlier period's end counts; the current period needs no bound (and adds no
    condition to its queries)."""
    return Q(**{f"{field}__lt": period.end}) if period.end else Q()


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY x) is the
    median. NULLs are left out, so a CASE without ELSE filters the rows it is given."""

    function = "PERCENTILE_CONT"
    name = "percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _seconds(value) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def median_seconds(queryset: QuerySet, expression) -> float | None:
    """The median of a duration over the queryset's rows, in seconds; None without rows.

    One aggregate query on PostgreSQL. SQLite (the embedded `make run` profile) has no percentile
    function: there the durations are read and the median taken in Python (a demo database)."""
    duration = ExpressionWrapper(expression, output_field=DurationField())
    if connection.vendor == "postgresql":
        return _seconds(queryset.aggregate(value=PercentileCont(duration, 0.5))["value"])
    values = [_seconds(v) for v in queryset.annotate(_d=duration).values_list("_d", flat=True)]
    values = [v for v in values if v is not None]
    return median(values) if values else None


def _per_day(rows: Iterable[dict], period: Period, *, key: str = "day", value: str = "n") -> list[int]:
    """Counts by day for every day of the period, zero where the query found none."""
    counts = {row[key]: row[value] for row in rows}
    return [int(counts.get(day, 0)) for day in period.day_list]


def _by_day(queryset: QuerySet, field: str, period: Period) -> list[int]:
    tz = timezone.get_current_timezone()
    rows = (
        queryset.filter(before_end(field, period), **{f"{field}__gte": period.start})
        .annotate(day=TruncDate(field, tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _per_day(rows, period)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- participation ------------------------------------------------------------------------------


def participation_figures(*, period: Period) -> dict:
    """6 queries: active members per day, DAU/WAU/MAU, new members per day, posts per day, comments
    per day, and the share of members who ever wrote a post or a comment."""
    today = period.today
    active_rows = (
        ActiveDay.objects.filter(day__gte=period.first_day, day__lte=today)
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    active = ActiveDay.objects.filter(day__gte=today - timedelta(days=29), day__lte=today).aggregate(
        dau=Count("member_id", distinct=True, filter=Q(day=today)),
        wau=Count("member_id", distinct=True, filter=Q(day__gte=today - timedelta(days=6))),
        mau=Count("member_id", distinct=True),
    )
    wrote = Exists(Post.objects.filter(before_end("created_at", period), author_id=OuterRef("pk"))) | Exists(
        Comment.objects.filter(before_end("created_at", period), author_id=OuterRef("pk"))
    )
    members = Member.objects.filter(before_end("date_joined", period), is_active=True).aggregate(
        total=Count("pk"), wrote=Count("pk", filter=Q(wrote))
    )
    return {
        "active_per_day": _per_day(active_rows, period),
        "dau": active["dau"],
        "wau": active["wau"],
        "mau": active["mau"],
        "new_members_per_day": _by_day(Member.objects.all(), "date_joined", period),
        "posts_per_day": _by_day(Post.objects.all(), "created_at", period),
        "comments_per_day": _by_day(Comment.objects.all(), "created_at", period),
        "members": members["total"],
        "members_who_wrote": members["wrote"],
        "share_who_wrote": _share(members["wrote"], members["total"]),
    }


# --- welcome ------------------------------------------------------------------------------------


def first_posts(*, period: Period) -> QuerySet[Post]:
    """Posts of the period that were their author's first, each with the time of the first published
    comment by someone else (NULL while nobody answered).

    The first posts are found first, in a subquery, and only they look for their first reply: asking
    every post of the period for its first reply and then keeping the few first posts cost 2 s for
    90 days at 1M posts (bench P7); this way the reply is looked up for those few only."""
    earlier = Post.objects.filter(author_id=OuterRef("author_id")).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    firsts = (
        Post.objects.filter(before_end("created_at", period), created_at__gte=period.start)
        .exclude(Exists(earlier))
        .values("pk")
    )
    first_reply = (
        Comment.objects.filter(
            before_end("created_at", period), post_id=OuterRef("pk"), status=ContentStatus.PUBLISHED
        )
        .exclude(author_id=OuterRef("author_id"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    return Post.objects.filter(pk__in=firsts).annotate(first_reply_at=Subquery(first_reply))


def welcome_figures(*, period: Period) -> dict:
    """1 query on PostgreSQL: the counts and the median time to the first reply (Discourse's "time to
    first response") over the same first posts. Posts younger than a day are left out of the share:
    they have not had their day yet."""
    posts = first_posts(period=period)
    ripe = Q(created_at__lte=period.now - REPLY_WITHIN)
    wait = ExpressionWrapper(F("first_reply_at") - F("created_at"), output_field=DurationField())
    figures = {
        "first_posts": Count("pk"),
        "ripe": Count("pk", filter=ripe),
        "answered_in_time": Count("pk", filter=ripe & Q(first_reply_at__lte=F("created_at") + REPLY_WITHIN)),
        "answered": Count("pk", filter=Q(first_reply_at__isnull=False)),
    }
    if connection.vendor == "postgresql":
        # PERCENTILE_CONT leaves out the NULLs: the median over the answered posts only
        counts = posts.aggregate(**figures, wait=PercentileCont(wait, 0.5))
        median_wait = _seconds(counts.pop("wait"))
    else:
        counts = posts.aggregate(**figures)
        median_wait = median_seconds(
            posts.filter(first_reply_at__isnull=False), F("first_reply_at") - F("created_at")
        )
    return {
        **counts,
        "share_answered_in_time": _share(counts["answered_in_time"], counts["ripe"]),
        "median_first_reply_seconds": median_wait,
    }


# --- moderation ---------------------------------------------------------------------------------


def _in_period(period: Period):
    """A Q factory: the field's time falls in the period (from its first midnight to its end)."""
    return lambda field: Q(**{f"{field}__gte": period.start}) & before_end(field, period)


def _complaints_desk(period: Period) -> dict:
    """The complaints desk: open, overdue and received in the period. For an earlier period, open at
    its end means not closed by then and the member's last message before then not yet answered by
    staff (a complaint whose clock restarted after the end keeps its later due date: approximate)."""
    received = _in_period(period)("created_at")
    if period.end is None:
        is_open = Q(status=ComplaintStatus.OPEN)
        complaints = Complaint.objects.all()
    else:
        end = period.end
        last_word = (
            ComplaintMessage.objects.filter(complaint_id=OuterRef("pk"), from_staff=False, created_at__lt=end)
            .order_by("-created_at")
            .values("created_at")[:1]
        )
        answered = ComplaintMessage.objects.filter(
            complaint_id=OuterRef("pk"),
            from_staff=True,
            created_at__lt=end,
            created_at__gte=OuterRef("last_word"),
        )
        complaints = Complaint.objects.annotate(last_word=Subquery(last_word), answered=Exists(answered))
        is_open = Q(created_at__lt=end, answered=False) & ~Q(closed_at__lt=end)  # NULL: not closed
    return complaints.aggregate(
        open=Count("pk", filter=is_open),
        overdue=Count("pk", filter=is_open & Q(due_at__lt=period.now)),
        received=Count("pk", filter=received),
    )


def moderation_figures(*, period: Period) -> dict:
    """6 queries: the queue now, the median time to a decision, reports by reason, appeals, the
    complaints desk now and the median time to a complaint's first answer (L19). For an earlier
    period the queue and the desk are as they stood at its end; who had claimed an item then is not
    kept, so "waiting for a first look" is unknown (None)."""
    now = period.now
    in_period = _in_period(period)
    if period.end is None:
        waiting = ~Q(status=ReviewStatus.DECIDED)
    else:
        waiting = Q(created_at__lt=period.end) & ~Q(status=ReviewStatus.DECIDED, decided_at__lt=period.end)
    decided_in_period = Q(status=ReviewStatus.DECIDED) & in_period("decided_at")
    # an item that only records a moderator's own correction note (moderation/corrections.py) is born
    # decided with no decision: it was never a case to decide
    items = ReviewItem.objects.exclude(status=ReviewStatus.DECIDED, decision="")
    queue = items.aggregate(
        open=Count("pk", filter=waiting),
        overdue=Count("pk", filter=waiting & Q(due_at__lt=now)),
        triage_overdue=Count("pk", filter=Q(status=ReviewStatus.OPEN, triage_due_at__lt=now)),
        decided=Count("pk", filter=decided_in_period),
    )
    if period.end is not None:
        queue["triage_overdue"] = None
    decision = median_seconds(items.filter(decided_in_period), F("decided_at") - F("created_at"))
    reasons = list(
        Report.objects.filter(in_period("created_at"))
        .values("reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason")
    )
    if period.end is None:
        appeal_open = Q(status=AppealStatus.OPEN)
    else:
        appeal_open = Q(created_at__lt=period.end) & (
            Q(status=AppealStatus.OPEN) | Q(decided_at__gte=period.end)
        )
    appeals = Appeal.objects.aggregate(
        filed=Count("pk", filter=in_period("created_at")),
        open=Count("pk", filter=appeal_open),
        decided=Count("pk", filter=~Q(status=AppealStatus.OPEN) & in_period("decided_at")),
        upheld=Count("pk", filter=Q(status=AppealStatus.UPHELD) & in_period("decided_at")),
    )
    complaints = _complaints_desk(period)
    first_answer = (
        ComplaintMessage.objects.filter(
            before_end("created_at", period), complaint_id=OuterRef("pk"), from_staff=True
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    answered = (
        Complaint.objects.filter(in_period("created_at"))
        .annotate(first_answer_at=Subquery(first_answer))
        .filter(first_answer_at__isnull=False)
    )
    return {
        **queue,
        "complaints_open": complaints["open"],
        "complaints_overdue": complaints["overdue"],
        "complaints_received": complaints["received"],
        "median_complaint_answer_seconds": median_seconds(answered, F("first_answer_at") - F("created_at")),
        "median_decision_seconds": decision,
        "reports": sum(row["n"] for row in reasons),
        "reports_by_reason": [[row["reason"], row["n"]] for row in reasons],
        "appeals_filed": appeals["filed"],
        "appeals_open": appeals["open"],
        "appeals_decided": appeals["decided"],
        "appeals_upheld": appeals["upheld"],
        "reversal_rate": _share(appeals["upheld"], appeals["decided"]),
    }


# --- delivery -----------------------------------------------------------------------------------


def emails_per_member_day(*, period: Period) -> dict:
    """Annoyance: on a day a member got email from us, how many: median, 95th percentile, most. One
    query on PostgreSQL (percentiles over the per-member, per-day counts, grouped in a subquery)."""
    tz = timezone.get_current_timezone()
    counts = (
        Delivery.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.SENT, sent_at__gte=period.start)
        .filter(before_end("sent_at", period))
        .annotate(day=TruncDate("sent_at", tzinfo=tz))
        .values("recipient_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    if connection.vendor == "postgresql":
        # FloatField: the percentile of counts falls between two of them (1.5), not on an integer
        figures = counts.aggregate(
            median=PercentileCont("n", 0.5, output_field=FloatField()),
            p95=PercentileCont("n", 0.95, output_field=FloatField()),
            most=Max("n"),
        )
        return {key: float(value) if value is not None else None for key, value in figures.items()}
    values = sorted(row["n"] for row in counts)  # SQLite (the embedded demo): read and counted here
    if not values:
        return {"median": None, "p95": None, "most": None}
    rank = 0.95 * (len(values) - 1)
    low, high = int(rank), min(int(rank) + 1, len(values) - 1)
    p95 = values[low] + (values[high] - values[low]) * (rank - low)
    return {"median": float(median(values)), "p95": float(p95), "most": float(values[-1])}


def delivery_figures(*, period: Period) -> dict:
    """4 queries: emails by day, fate (sent instantly, sent as a digest, rolled into a digest,
    cancelled) and kind; cancellations by reason; one-click unsubscribes by kind of email; emails per
    member per day."""
    tz = timezone.get_current_timezone()
    fate = Case(
        When(status=DeliveryStatus.SENT, source_kind=DIGEST, then=Value("digest")),
        When(status=DeliveryStatus.SENT, then=Value("instant")),
        When(status=DeliveryStatus.ROLLED_OVER, then=Value("rolled_over")),
        When(status=DeliveryStatus.CANCELLED, then=Value("cancelled")),
        output_field=CharField(),
    )
    # A sent email counts on the day it went out; the others on the day they were due.
    when = Coalesce("sent_at", "due_at")
    rows = (
        Delivery.objects.filter(channel=Channel.EMAIL)
        .filter(
            (Q(status=DeliveryStatus.SENT, sent_at__gte=period.start) & before_end("sent_at", period))
            | (
                Q(
                    status__in=[DeliveryStatus.ROLLED_OVER, DeliveryStatus.CANCELLED],
                    due_at__gte=period.start,
                )
                & before_end("due_at", period)
            )
        )
        .annotate(day=TruncDate(when, tzinfo=tz), fate=fate)
        .values("day", "fate", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    series: dict[str, dict] = {name: {} for name in ("instant", "digest", "rolled_over", "cancelled")}
    sent_by_category: dict[str, int] = {}
    for row in rows:
        days = series[row["fate"]]
        days[row["day"]] = days.get(row["day"], 0) + row["n"]
        if row["fate"] in ("instant", "digest"):
            sent_by_category[row["category"]] = sent_by_category.get(row["category"], 0) + row["n"]
    per_day = {name: [int(days.get(day, 0)) for day in period.day_list] for name, days in series.items()}
    cancelled = list(
        Delivery.objects.filter(
            before_end("due_at", period),
            channel=Channel.EMAIL,
            status=DeliveryStatus.CANCELLED,
            due_at__gte=period.start,
        )
        .values("reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason")
    )
    unsubscribes = list(
        EmailOptOut.objects.filter(before_end("created_at", period), created_at__gte=period.start)
        .values("category")
        .annotate(n=Count("pk"))
        .order_by("-n", "category")
    )
    sent = sum(per_day["instant"]) + sum(per_day["digest"])
    unsubscribed = sum(row["n"] for row in unsubscribes)
    return {
        "per_day": per_day,
        "sent": sent,
        "sent_instant": sum(per_day["instant"]),
        "sent_digest": sum(per_day["digest"]),
        "sent_promotional": sent_by_category.get(Category.PROMOTIONAL, 0),
        "rolled_over": sum(per_day["rolled_over"]),
        "cancelled": sum(per_day["cancelled"]),
        "cancelled_by_reason": [[row["reason"], row["n"]] for row in cancelled],
        "unsubscribes": unsubscribed,
        # per kind of email: unsubscribes, emails of that kind sent, and the rate per thousand sent
        "unsubscribes_by_category": [
            [
                row["category"],
                row["n"],
                sent_by_category.get(row["category"], 0),
                row["n"] * 1000 / sent_by_category[row["category"]]
                if sent_by_category.get(row["category"])
                else None,
            ]
            for row in unsubscribes
        ],
        "unsubscribes_per_thousand": (unsubscribed * 1000 / sent) if sent else None,
        "per_member_day": emails_per_member_day(period=period),
    }


# --- privacy ------------------------------------------------------------------------------------


def privacy_figures(*, period: Period) -> dict:
    """4 queries: the request desk now, the median time to answer a request, account deletions in
    progress, and the retention runs of the last 7 days per category (a category that did not run
    shows with none). The current period only (no goal reads these figures)."""
    if period.end is not None:
        raise ValueError("privacy figures are computed for the current period only")
    now = period.now
    open_request = Q(status__in=DataRequest.OPEN_STATUSES)
    requests = DataRequest.objects.aggregate(
        open=Count("pk", filter=open_request),
        overdue=Count("pk", filter=open_request & Q(due_at__lt=now)),
        received=Count("pk", filter=Q(created_at__gte=period.start)),
    )
    deletions = DeletionRequest.objects.aggregate(
        in_grace=Count("pk", filter=Q(cancelled_at__isnull=True, completed_at__isnull=True, due_at__gt=now)),
        waiting=Count("pk", filter=Q(cancelled_at__isnull=True, completed_at__isnull=True, due_at__lte=now)),
    )
    week = now - timedelta(days=7)
    recent = Q(runs__started_at__gte=week)
    runs = (
        RetentionCategory.objects.annotate(
            run_count=Count("runs", filter=recent),
            rows_affected=Coalesce(Sum("runs__rows_affected", filter=recent), 0),
            rows_held=Coalesce(Sum("runs__rows_held", filter=recent), 0),
            stalled=Count(
                "runs",
                filter=recent
                & Q(runs__finished_at__isnull=True, runs__started_at__lt=now - RUN_STALLED_AFTER),
            ),
            last_run=Max("runs__started_at"),
        )
        .values("key", "label", "run_count", "rows_affected", "rows_held", "stalled", "last_run")
        .order_by("label")
    )
    categories = [
        {**row, "last_run": row["last_run"].isoformat() if row["last_run"] else None} for row in runs
    ]
    answer = median_seconds(
        DataRequest.objects.filter(decided_at__gte=period.start), F("decided_at") - F("created_at")
    )
    return {
        "requests_open": requests["open"],
        "median_request_answer_seconds": answer,
        "requests_overdue": requests["overdue"],
        "requests_received": requests["received"],
        "deletions_in_grace": deletions["in_grace"],
        "deletions_waiting": deletions["waiting"],
        "retention": categories,
        "retention_runs": sum(row["run_count"] for row in categories),
        "retention_stalled": sum(row["stalled"] for row in categories),
        "retention_idle": sum(1 for row in categories if not row["run_count"]),
    }


FIGURES = {
    PARTICIPATION: participation_figures,
    WELCOME: welcome_figures,
    MODERATION: moderation_figures,
    DELIVERY: delivery_figures,
    PRIVACY: privacy_figures,
}


# The sections an earlier period (until=) can be computed for.
PAST_SECTIONS = (PARTICIPATION, WELCOME, MODERATION, DELIVERY)


def dashboard_figures(
    *, sections: Iterable[str], days: int, now: datetime | None = None, until: date | None = None
) -> dict:
    """The figures of the sections asked for, each cached CACHE_SECONDS by period, local day and time
    zone (a second reader within minutes costs no query). With `until` (a day before today): the
    period that ended with that day, cached PAST_CACHE_SECONDS; PRIVACY cannot be asked for it."""
    period = period_for(days=days, now=now, until=until)
    tz = timezone.get_current_timezone_name()
    figures = {"period": {"days": period.days, "first_day": period.first_day, "today": period.today}}
    for section in SECTIONS:
        if section not in sections:
            continue
        if period.end is None:
            key, seconds = (
                f"dashboard:v1:{section}:{period.days}:{period.today.isoformat()}:{tz}",
                CACHE_SECONDS,
            )
            computed_at = period.now
        else:
            key, seconds = (
                f"dashboard:v1:past:{section}:{period.days}:{period.today.isoformat()}:{tz}",
                PAST_CACHE_SECONDS,
            )
            computed_at = timezone.now() if now is None else now
        value = cache.get(key)
        if value is None:
            value = {**FIGURES[section](period=period), "computed_at": computed_at}
            cache.set(key, value, seconds)
        figures[section] = value
    return figures
