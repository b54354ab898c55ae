from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from members.selectors import member_directory_stats


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "community/home.html", {"stats": member_directory_stats()})


@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and compose health checks: answers 200 only when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
