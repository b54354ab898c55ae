"""The complaints desk (LEGAL L19): the member's form and their complaints; the desk for site moderators
and operators."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from content.exceptions import ContentError, NotAllowed, NotFound
from moderation.complaint_forms import (
    ComplaintCloseForm,
    ComplaintDeskFilterForm,
    ComplaintForm,
    ComplaintReplyForm,
)
from moderation.complaints import (
    DeskFilters,
    can_handle_complaints,
    complaint_close,
    complaint_desk,
    complaint_desk_get,
    complaint_file,
    complaint_is_overdue,
    complaint_messages,
    complaint_of_get,
    complaint_reply,
    complaints_of,
)
from moderation.view_access import only_for

PAGE_SIZE = 100


def _form_error(form, error: ContentError) -> None:
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, error.message)


@login_required
def complaint_new(request: HttpRequest) -> HttpResponse:
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = complaint_file(author=request.user, **form.cleaned_data)
        except NotAllowed:
            return render(request, "403.html", status=403)
        except ContentError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("Thank you. Your complaint has the reference %(reference)s; we answer by %(date)s.")
                % {
                    "reference": complaint.reference,
                    "date": date_format(timezone.localtime(complaint.due_at), "SHORT_DATE_FORMAT"),
                },
            )
            return redirect("moderation:complaint_mine", pk=complaint.pk)
    return render(
        request, "moderation/complaint_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def complaints_mine(request: HttpRequest) -> HttpResponse:
    complaints = list(complaints_of(member=request.user)[:PAGE_SIZE])
    return render(request, "moderation/complaints_mine.html", {"complaints": complaints})


@login_required
def complaint_mine(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        complaint = complaint_of_get(member=request.user, pk=pk)
    except NotFound as error:
        raise Http404(error.message) from error
    form = ComplaintReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint_reply(complaint=complaint, by=request.user, **form.cleaned_data)
        except ContentError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Your message has been sent."))
            return redirect("moderation:complaint_mine", pk=complaint.pk)
    context = {
        "complaint": complaint,
        "thread": complaint_messages(complaint=complaint),
        "form": form,
        "is_overdue": complaint_is_overdue(complaint=complaint),
    }
    return render(request, "moderation/complaint_mine.html", context, status=400 if form.errors else 200)


complaint_handlers_only = only_for(lambda member: can_handle_complaints(member=member))


@complaint_handlers_only
def complaint_desk_view(request: HttpRequest) -> HttpResponse:
    form = ComplaintDeskFilterForm(request.GET or None)
    filters = DeskFilters(**form.cleaned_data) if form.is_valid() else DeskFilters()
    complaints = list(complaint_desk(viewer=request.user, filters=filters)[:PAGE_SIZE])
    template = "moderation/_complaint_rows.html" if request.htmx else "moderation/complaint_desk.html"
    return render(request, template, {"complaints": complaints, "form": form})


@complaint_handlers_only
def complaint_desk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = complaint_desk_get(viewer=request.user, pk=pk)
    form = ComplaintReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint_reply(complaint=complaint, by=request.user, **form.cleaned_data)
        except NotAllowed:
            return render(request, "403.html", status=403)
        except ContentError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Reply sent. The member has been told."))
            return redirect("moderation:complaint_desk_detail", pk=complaint.pk)
    return _desk_detail(
        request, complaint, form=form, close_form=ComplaintCloseForm(), status=400 if form.errors else 200
    )


@require_POST
@complaint_handlers_only
def complaint_desk_close(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = complaint_desk_get(viewer=request.user, pk=pk)
    close_form = ComplaintCloseForm(request.POST)
    if close_form.is_valid():
        try:
            closed = complaint_close(complaint=complaint, by=request.user, **close_form.cleaned_data)
        except NotAllowed:
            return render(request, "403.html", status=403)
        except ContentError as error:
            close_form.add_error("body", error.message)
        else:
            if closed:
                messages.success(request, _("Complaint closed. The member has been told."))
            else:
                messages.info(request, _("This complaint was closed already; nothing changed."))
            return redirect("moderation:complaint_desk")
    return _desk_detail(request, complaint, form=ComplaintReplyForm(), close_form=close_form, status=400)


def _desk_detail(request, complaint, *, form, close_form, status: int) -> HttpResponse:
    context = {
        "complaint": complaint,
        "thread": complaint_messages(complaint=complaint),
        "form": form,
        "close_form": close_form,
        "is_overdue": complaint_is_overdue(complaint=complaint),
    }
    return render(request, "moderation/complaint_desk_detail.html", context, status=status)
