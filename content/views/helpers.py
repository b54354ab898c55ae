"""Small pieces the content views share."""

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from content.exceptions import NotFound
from content.models import Space
from content.selectors.visibility import spaces_readable


def not_found_as_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Content the viewer may not read is 'not found' in the services; a page shows the styled 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from error

    return wrapper


def readable_space(request: HttpRequest, slug: str) -> Space:
    return get_object_or_404(spaces_readable(viewer=request.user), slug=slug)
