"""The one-click unsubscribe page (L14): no login, a signed link per member and category."""

import logging

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from content.delivery.models import Category
from content.delivery.unsubscribe import email_opt_out, unsubscribe_read
from members.models import Member

logger = logging.getLogger(__name__)

TEMPLATE = "content/email/unsubscribe.html"


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    return CsrfViewMiddleware(lambda _request: HttpResponse()).process_view(request, None, (), {})


# Exempt from CSRF only for RFC 8058's one-click POST, which mail providers send without cookies; the
# page's own button is checked below like any form. The signed token is what authorises the change.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_read(token=token)
    member = Member.objects.filter(pk=found[0]).first() if found else None
    if member is None:
        return render(request, TEMPLATE, {"state": "invalid"}, status=400)
    category = found[1]
    context = {"category_label": Category(category).label, "token": token}
    if request.method == "POST":
        if request.POST.get("List-Unsubscribe") != "One-Click":
            failure = _csrf_failure(request)
            if failure is not None:
                return failure
        email_opt_out(member_id=member.pk, category=category)
        logger.info("content.delivery.unsubscribed member=%s category=%s", member.pk, category)
        return render(request, TEMPLATE, {**context, "state": "done"})
    return render(request, TEMPLATE, {**context, "state": "confirm"})
