"""Trust levels earned by taking part: days active, posts and comments written, reactions received, and
no upheld reports lately.

The daily recompute works on bounded batches of member ids: one query per batch computes every count
with correlated subqueries, the upheld-report counters answer for the whole batch at once, and one
UPDATE writes only the rows that changed. The number of queries grows with the number of batches,
never with the number of members in a batch.

Levels are not taken away for thinner activity (a post removed by retention must not cost a member
their posting limits), except `regular`, which has to be kept up: a regular who no longer qualifies
goes back to `member`, as in Discourse. Members whose level staff locked are skipped.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Expression,
    IntegerField,
    OuterRef,
    PositiveSmallIntegerField,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.models import ActiveDay, Member, TrustLevel

logger = logging.getLogger(__name__)

# Settings may override any of these with TRUST_LEVEL_THRESHOLDS (same shape). A level is reached when
# every number is met; `max_upheld_reports` counts reports upheld against the member in the last
# UPHELD_REPORTS_WINDOW_DAYS days.
DEFAULT_THRESHOLDS: dict[int, dict[str, int]] = {
    TrustLevel.BASIC: {"days_active": 2, "contributions": 1, "reactions_received": 0},
    TrustLevel.MEMBER: {"days_active": 10, "contributions": 10, "reactions_received": 5},
    TrustLevel.REGULAR: {
        "days_active": 30,
        "contributions": 50,
        "reactions_received": 30,
        "max_upheld_reports": 0,
    },
}
UPHELD_REPORTS_WINDOW_DAYS = 90
BATCH_SIZE = 1000

# fn(*, member_ids, since) -> {member_id: upheld reports since `since`}; one query for the whole batch.
UpheldReportsCounter = Callable[..., dict[int, int]]
_upheld_reports_counters: list[UpheldReportsCounter] = []


def register_upheld_reports_counter(fn: UpheldReportsCounter) -> UpheldReportsCounter:
    """Moderation registers how many reports were upheld against members (in its AppConfig.ready()).
    Members cannot import moderation (it depends on us), so it calls in. Usable as a decorator."""
    if fn not in _upheld_reports_counters:
        _upheld_reports_counters.append(fn)
    return fn


def unregister_upheld_reports_counter(fn: UpheldReportsCounter) -> None:
    if fn in _upheld_reports_counters:
        _upheld_reports_counters.remove(fn)


def upheld_reports_count(*, member_ids: Iterable[int], since: datetime) -> dict[int, int]:
    ids = list(member_ids)
    totals = dict.fromkeys(ids, 0)
    for counter in _upheld_reports_counters:
        for member_id, count in counter(member_ids=ids, since=since).items():
            if member_id in totals:
                totals[member_id] += count
    return totals


def trust_thresholds() -> dict[int, dict[str, int]]:
    """Read at call time, never at import, so tests and operators can change them."""
    configured = getattr(settings, "TRUST_LEVEL_THRESHOLDS", None) or DEFAULT_THRESHOLDS
    return {int(level): dict(rules) for level, rules in configured.items()}


def trust_level_for(*, counts: dict[str, int], thresholds: dict[int, dict[str, int]]) -> int:
    """The highest level whose every threshold the counts meet (levels are cumulative)."""
    reached = TrustLevel.NEW
    for level in sorted(thresholds):
        rules = thresholds[level]
        meets = (
            counts["days_active"] >= rules.get("days_active", 0)
            and counts["contributions"] >= rules.get("contributions", 0)
            and counts["reactions_received"] >= rules.get("reactions_received", 0)
            and counts["upheld_reports"] <= rules.get("max_upheld_reports", counts["upheld_reports"])
        )
        if not meets:
            break
        reached = level
    return int(reached)


def trust_level_next(*, current: int, earned: int) -> int:
    if earned >= current:
        return earned
    # Only `regular` is lost by no longer qualifying; new, basic and member are kept once earned.
    return max(earned, min(current, TrustLevel.MEMBER))


def count_subquery(queryset: QuerySet, outer_field: str) -> Coalesce:
    """How many rows of `queryset` have `outer_field` equal to the member being annotated (0 if none)."""
    counted = (
        queryset.filter(**{outer_field: OuterRef("pk")})
        .order_by()
        .values(outer_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# fn() -> {"contributions": [expression, ...], "reactions_received": [...]}: subqueries counting, per
# member (OuterRef("pk")), what the member wrote and the reactions others gave it. Content registers
# one in its AppConfig.ready(): members sits below content and never imports it (DESIGN.md).
ActivitySource = Callable[[], dict[str, list[Expression]]]
_activity_sources: list[ActivitySource] = []
ACTIVITY_KINDS = ("contributions", "reactions_received")


def register_activity_source(fn: ActivitySource) -> ActivitySource:
    if fn not in _activity_sources:
        _activity_sources.append(fn)
    return fn


def members_with_activity_counts() -> tuple[QuerySet[Member], dict[str, list[str]]]:
    """Members annotated with days_active and every registered activity count, in one query; and, for
    each kind, the names of the annotations to add up."""
    annotations: dict[str, Expression] = {"days_active": count_subquery(ActiveDay.objects.all(), "member_id")}
    parts: dict[str, list[str]] = {kind: [] for kind in ACTIVITY_KINDS}
    for index, source in enumerate(_activity_sources):
        for kind, expressions in source().items():
            for number, expression in enumerate(expressions):
                name = f"{kind}_{index}_{number}"
                annotations[name] = expression
                parts[kind].append(name)
    return Member.objects.annotate(**annotations), parts


def trust_levels_recompute(*, batch_size: int = BATCH_SIZE, member_ids: Iterable[int] | None = None) -> int:
    """Recompute every unlocked, active member's trust level; returns how many changed."""
    thresholds = trust_thresholds()
    since = timezone.now() - timedelta(days=UPHELD_REPORTS_WINDOW_DAYS)
    members, parts = members_with_activity_counts()
    candidates = members.filter(is_active=True, trust_level_locked=False)
    if member_ids is not None:
        candidates = candidates.filter(pk__in=list(member_ids))
    changed_total = 0
    last_pk = 0
    while True:
        batch = list(
            candidates.filter(pk__gt=last_pk)
            .order_by("pk")
            .values(
                "pk", "trust_level", "days_active", *parts["contributions"], *parts["reactions_received"]
            )[:batch_size]
        )
        if not batch:
            break
        last_pk = batch[-1]["pk"]
        upheld = upheld_reports_count(member_ids=[row["pk"] for row in batch], since=since)
        changed: dict[int, int] = {}
        for row in batch:
            counts = {
                "days_active": row["days_active"],
                "contributions": sum(row[name] for name in parts["contributions"]),
                "reactions_received": sum(row[name] for name in parts["reactions_received"]),
                "upheld_reports": upheld.get(row["pk"], 0),
            }
            earned = trust_level_for(counts=counts, thresholds=thresholds)
            level = trust_level_next(current=row["trust_level"], earned=earned)
            if level != row["trust_level"]:
                changed[row["pk"]] = level
        if changed:
            # bulk_update's single CASE statement, plus a condition: a level staff locked while this
            # batch was being counted is left alone.
            changed_total += Member.objects.filter(pk__in=list(changed), trust_level_locked=False).update(
                trust_level=Case(
                    *(When(pk=pk, then=Value(level)) for pk, level in changed.items()),
                    output_field=PositiveSmallIntegerField(),
                )
            )
        if len(batch) < batch_size:
            break
    logger.info("trust levels recomputed: %d changed", changed_total)
    return changed_total
