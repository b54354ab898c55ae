"""The one door of moderation's staff pages: signed-out visitors go to the login page, members the
page is not for get the 403 page, and a domain NotFound becomes a 404."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from moderation.exceptions import NotFound

View = Callable[..., HttpResponse]


def only_for(allowed: Callable[[object], bool]) -> Callable[[View], View]:
    """A view decorator letting in the signed-in members for whom `allowed(member)` is true."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not allowed(request.user):
                return render(request, "403.html", status=403)
            try:
                return view(request, *args, **kwargs)
            except NotFound as error:
                raise Http404(error.message) from error

        return wrapper

    return decorator
