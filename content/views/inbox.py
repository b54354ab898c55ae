from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from content.models import InboxItem
from content.selectors.inbox import inbox_items
from content.services.inbox import inbox_mark_read


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "content/inbox.html", {"items": inbox_items(member=request.user)})


@login_required
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(InboxItem, pk=pk, recipient=request.user)
    inbox_mark_read(member=request.user, item_id=item.pk)
    safe = url_has_allowed_host_and_scheme(item.url, allowed_hosts={request.get_host()})
    return redirect(item.url if item.url and safe else "content:inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    inbox_mark_read(member=request.user)
    return redirect("content:inbox")
