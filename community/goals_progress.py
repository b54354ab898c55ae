"""Reading community goals (issue 10): which goals there are, and how each one is doing.

A goal's actual value comes from the health dashboard's own selectors (dashboard_figures), never from a
query of its own: the same figure, cached the same way. Its trend compares it with the equal period
before (the 30 days before the last 30); `history` periods back make a small series (oldest first).
The cost is the figures' queries for each period length and section the goals use, whatever the
number of goals, and nothing once they are cached.

The goal rows themselves are cached too (GOALS_KEY, emptied by goals_changed() whenever the admin
saves or deletes one), and so is whether any goal is published (PUBLISHED_KEY): the site footer asks
that on every page and must not cost a query.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.dashboard import selectors
from community.dashboard.selectors import dashboard_figures
from community.goals import METRICS, Direction, Metric, metric_value, value_format
from community.models import Goal

GOALS_KEY = "goals:v1:active"
PUBLISHED_KEY = "goals:v1:published"

MET = "met"
NOT_MET = "not_met"
NO_DATA = "no_data"
BETTER = "better"
WORSE = "worse"
SAME = "same"


# --- the goals ----------------------------------------------------------------------------------------


def goals_active() -> list[Goal]:
    """The active goals in their order, cached CACHE_SECONDS (1 query on a miss). Remembers whether
    any of them is published, for the footer's link."""
    goals = cache.get(GOALS_KEY)
    if goals is None:
        goals = [
            goal
            for goal in Goal.objects.filter(active=True).order_by("position", "pk")
            if goal.metric in METRICS
        ]
        cache.set(GOALS_KEY, goals, selectors.CACHE_SECONDS)  # read here: tests turn it off
        cache.set(PUBLISHED_KEY, any(goal.published for goal in goals), None)
    return goals


def goals_published() -> list[Goal]:
    """What the public page shows: the active goals the operators chose to publish."""
    return [goal for goal in goals_active() if goal.published]


def goals_public_page_exists() -> bool:
    """Whether to link the public page. Reads the cache only (no query, it runs on every page): after
    the cache was emptied the link comes back as soon as the goals are read again (the dashboard,
    the public page, a goal saved)."""
    return bool(cache.get(PUBLISHED_KEY))


def _goals_forget() -> None:
    cache.delete(GOALS_KEY)
    cache.set(PUBLISHED_KEY, Goal.objects.filter(active=True, published=True).exists(), None)


def goals_changed() -> None:
    """Call after goals were added, changed or deleted: the next reader loads them afresh. Again after
    the commit, so that a reader who cached the old rows meanwhile does not keep them."""
    _goals_forget()
    transaction.on_commit(_goals_forget)


# --- progress -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    metric: Metric
    actual: float | None
    history: list[float | None]  # the value in each period, oldest first; the last is `actual`
    first_day: date
    last_day: date
    computed_at: datetime

    @property
    def title(self) -> str:
        return self.goal.title or str(self.metric.label)

    @property
    def direction(self) -> str:
        return self.goal.direction or self.metric.direction

    @property
    def previous(self) -> float | None:
        return self.history[-2] if len(self.history) > 1 else None

    @property
    def state(self) -> str:
        if self.actual is None:
            return NO_DATA
        return MET if _meets(self.actual, self.goal.target, self.direction) else NOT_MET

    @property
    def met(self) -> bool | None:
        return None if self.actual is None else self.state == MET

    @property
    def trend(self) -> str | None:
        """Better, worse or the same as the period before, the way the goal wants it to move."""
        if self.actual is None or self.previous is None:
            return None
        now, before = round(self.actual, 1), round(self.previous, 1)
        if now == before:
            return SAME
        rising = now > before
        return BETTER if rising == (self.direction == Direction.AT_LEAST) else WORSE

    # --- in words -----------------------------------------------------------------------------------

    def _format(self, value) -> str:
        return value_format(value, self.metric.unit)

    @property
    def actual_text(self) -> str:
        return self._format(self.actual)

    @property
    def previous_text(self) -> str:
        return self._format(self.previous)

    @property
    def target_text(self) -> str:
        target = self._format(self.goal.target)
        if self.direction == Direction.AT_MOST:
            return _("at most %(target)s") % {"target": target}
        return _("at least %(target)s") % {"target": target}

    @property
    def state_text(self) -> str:
        return {MET: _("Goal met"), NOT_MET: _("Not met yet"), NO_DATA: _("No figures yet")}[self.state]

    @property
    def trend_text(self) -> str:
        days = self.goal.period_days
        if self.trend == BETTER:
            return _("Better than the previous %(days)s days") % {"days": days}
        if self.trend == WORSE:
            return _("Worse than the previous %(days)s days") % {"days": days}
        if self.trend == SAME:
            return _("The same as the previous %(days)s days") % {"days": days}
        return _("Nothing to compare with in the previous %(days)s days") % {"days": days}

    @property
    def history_texts(self) -> list[str]:
        return [self._format(value) for value in self.history]


def _meets(actual: float, target: Decimal, direction: str) -> bool:
    target = float(target)
    return actual <= target if direction == Direction.AT_MOST else actual >= target


def goals_progress(*, goals: list[Goal], history: int = 2, now: datetime | None = None) -> list[GoalProgress]:
    """Each goal's actual value over its period, and its value in the `history - 1` equal periods
    before (history=2: this period and the one before, enough for the trend). In the goals' order."""
    history = max(1, history)
    now = now or timezone.now()
    today = timezone.localdate(now)
    sections: dict[int, set[str]] = {}
    for goal in goals:
        sections.setdefault(goal.period_days, set()).add(METRICS[goal.metric].section)
    figures: dict[tuple[int, int], dict] = {}
    for days, needed in sections.items():
        for back in range(history):
            until = None if back == 0 else today - timedelta(days=days * back)
            figures[(days, back)] = dashboard_figures(sections=needed, days=days, now=now, until=until)
    progress = []
    for goal in goals:
        metric = METRICS[goal.metric]
        series = [
            metric_value(metric=metric, figures=figures[(goal.period_days, back)]) for back in range(history)
        ]
        current = figures[(goal.period_days, 0)]
        progress.append(
            GoalProgress(
                goal=goal,
                metric=metric,
                actual=series[0],
                history=series[::-1],
                first_day=current["period"]["first_day"],
                last_day=current["period"]["today"],
                computed_at=current[metric.section]["computed_at"],
            )
        )
    return progress
