"""IP and trademark notices (LEGAL L22): the public notice form, the author's counter-notice and the
rights holder's escalation page (reached by the signed link emailed to them)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from content.exceptions import ContentError, NotAllowed, NotFound
from moderation.ip_notice_forms import CounterNoticeForm, EscalateForm, IpNoticeForm
from moderation.ip_notices import (
    escalate_link_notice,
    ip_notice_counter,
    ip_notice_escalate,
    ip_notice_file,
    ip_notice_for_author,
)
from moderation.models import IpNoticeStatus
from privacy.access_log import client_ip


def _form_error(form, error: ContentError) -> None:
    errors = getattr(error, "errors", None) or {getattr(error, "field", None): error.message}
    for field, message in errors.items():
        form.add_error(field if field in form.fields else None, message)


def ip_notice_new(request: HttpRequest) -> HttpResponse:
    """Public: rights holders need no account."""
    form = IpNoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = ip_notice_file(**form.cleaned_data, ip=client_ip(request))
        except ContentError as error:
            _form_error(form, error)
        else:
            return render(request, "moderation/ip_notice_received.html", {"notice": notice})
    return render(
        request, "moderation/ip_notice_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def ip_notice_counter_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The author of the content, and nobody else (404), reads the notice and files a counter-notice."""
    try:
        notice = ip_notice_for_author(member=request.user, pk=pk)
    except NotFound as error:
        raise Http404(error.message) from error
    form = CounterNoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            filed = ip_notice_counter(notice=notice, by=request.user, **form.cleaned_data)
        except NotAllowed as error:
            raise Http404(error.message) from error
        except ContentError as error:
            _form_error(form, error)
        else:
            if filed:
                messages.success(
                    request,
                    _(
                        "Your counter-notice has been sent to the rights holder. Unless they take it further "
                        "within 15 days, your content is published again."
                    ),
                )
            else:
                messages.info(request, _("You have already filed a counter-notice; nothing changed."))
            return redirect("moderation:ip_notice_counter", pk=notice.pk)
    context = {"notice": notice, "form": form, "can_counter": notice.status == IpNoticeStatus.HIDDEN}
    return render(request, "moderation/ip_notice_counter.html", context, status=400 if form.errors else 200)


def ip_notice_escalate_view(request: HttpRequest, token: str) -> HttpResponse:
    """The rights holder, by the signed link in their email, says they took it further."""
    try:
        notice = escalate_link_notice(token=token)
    except NotFound as error:
        raise Http404(error.message) from error
    form = EscalateForm(request.POST or None)
    open_ = notice.status == IpNoticeStatus.COUNTERED and notice.restore_due_at > timezone.now()
    if request.method == "POST" and form.is_valid():
        try:
            done = ip_notice_escalate(notice=notice, **form.cleaned_data)
        except ContentError as error:
            form.add_error(None, error.message)
        else:
            if done:
                messages.success(
                    request, _("Thank you. The content stays hidden while the matter is decided.")
                )
            return redirect(request.path)
    context = {"notice": notice, "form": form, "open": open_}
    return render(request, "moderation/ip_notice_escalate.html", context, status=400 if form.errors else 200)
