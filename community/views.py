from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from content.selectors.posts import feed_home
from content.selectors.spaces import space_list_for
from members.selectors import member_directory_stats


def home(request: HttpRequest) -> HttpResponse:
    """Members see what is new in their spaces; visitors see what the community is about."""
    if request.user.is_authenticated:
        page = feed_home(viewer=request.user, cursor=request.GET.get("after"), cards=True)
        if request.htmx and request.GET.get("after"):
            return render(request, "content/posts/_feed_page.html", {"page": page})
        context = {"page": page, "spaces": space_list_for(viewer=request.user).filter(is_member=True)}
        return render(request, "community/home_member.html", context)
    context = {"stats": member_directory_stats(), "spaces": space_list_for(viewer=request.user)[:6]}
    return render(request, "community/home.html", context)


@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and compose health checks: answers 200 only when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
