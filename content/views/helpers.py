"""Small pieces the content views share."""

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from content.exceptions import NotAllowed, NotFound
from content.models import Space
from content.selectors.visibility import can_change, spaces_readable


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


def edit_form_refusal(request: HttpRequest, *, author_id: int, space: Space) -> HttpResponse | None:
    """The 403 the save would answer (post_edit, comment_edit: NotAllowed for anyone but the author and
    the space's moderators), given before the form opens; None for those whose save is taken (the same
    rule, can_change; S3's matrix checks that the form and the save agree for every role)."""
    if can_change(member=request.user, author_id=author_id, space=space):
        return None
    return render(request, "403.html", {"reason": NotAllowed().message}, status=403)
