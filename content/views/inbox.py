from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from content.models import InboxItem
from content.selectors.inbox import inbox_items, inbox_items_decorate
from content.services.inbox import inbox_mark_read


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "content/inbox.html", {"items": inbox_items(member=request.user)})


# htmx stops polling when it receives this status (a signed-out tab should not poll for ever)
STOP_POLLING = 286


def inbox_bell(request: HttpRequest) -> HttpResponse:
    """The header's inbox link with its unread count, polled by every page (the count comes from the
    site context processor: one indexed COUNT)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=STOP_POLLING)
    return render(request, "includes/inbox_bell.html")


@login_required
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(InboxItem, pk=pk, recipient=request.user)
    inbox_mark_read(member=request.user, item_id=item.pk)
    inbox_items_decorate(member=request.user, items=[item])
    # what the member can no longer read would only answer 404: back to the inbox, the item read
    safe = url_has_allowed_host_and_scheme(item.url, allowed_hosts={request.get_host()})
    return redirect(item.url if item.url and safe and not item.gone else "content:inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    inbox_mark_read(member=request.user)
    return redirect("content:inbox")
