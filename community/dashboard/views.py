"""/admin/dashboard/: the community health dashboard (issue 7), an admin page for staff."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from community.dashboard.blocks import dashboard_blocks, moment
from community.dashboard.selectors import DEFAULT_PERIOD, PERIODS, dashboard_figures
from community.goals_progress import goals_active, goals_progress
from community.roles import OPERATOR, dashboard_sections, member_roles

# The goals block shows this many periods of each goal (this one and the three before it).
GOAL_HISTORY = 4


def _days(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", DEFAULT_PERIOD))
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def dashboard(request: HttpRequest) -> HttpResponse:
    """Operators and privacy officers see every block; moderators the moderation block only; other
    staff nothing (403). Operators see the community goals on top. Wrapped in admin_view (staff
    sign-in, never cached by the browser)."""
    sections = dashboard_sections(member=request.user)
    if not sections:
        raise PermissionDenied
    days = _days(request)
    figures = dashboard_figures(sections=sections, days=days)
    blocks = dashboard_blocks(figures)
    computed = [figures[b.key]["computed_at"] for b in blocks]
    is_operator = OPERATOR in member_roles(member=request.user)  # cached by dashboard_sections
    goals = goals_progress(goals=goals_active(), history=GOAL_HISTORY) if is_operator else []
    context = {
        **admin.site.each_context(request),
        "title": _("Community health"),
        "days": days,
        "periods": PERIODS,
        "blocks": blocks,
        "show_goals": is_operator,
        "goals": goals,
        "goals_public": any(progress.goal.published for progress in goals),
        "as_of": moment(min(computed)) if computed else "",
        "chart_data": {"charts": [chart.as_json() for block in blocks for chart in block.charts]},
    }
    return TemplateResponse(request, "admin/dashboard.html", context)
