"""/how-we-are-doing/: the goals the operators chose to publish, for everyone (issue 10). Off by
default: while no active goal is published the page does not exist (404)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from community.goals_progress import goals_progress, goals_published


def goals_public(request: HttpRequest) -> HttpResponse:
    goals = goals_published()
    if not goals:
        raise Http404
    progress = goals_progress(goals=goals)
    return render(
        request,
        "community/goals.html",
        {"progress": progress, "computed_at": min(p.computed_at for p in progress)},
    )
