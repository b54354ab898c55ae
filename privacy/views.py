from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from privacy.access_log import access_log_sign_ins
from privacy.consents import (
    OPTIONAL_PURPOSES,
    PolicyChanged,
    consent_accept_required,
    consent_grant,
    consent_history,
    consent_withdraw,
)
from privacy.deletion import (
    DeletionError,
    deletion_banner_due,
    deletion_cancel,
    deletion_open,
    deletion_request,
)
from privacy.export import ExportUnavailable, export_available, export_download, export_request
from privacy.models import (
    ConsentChannel,
    ConsentPurpose,
    DataRequest,
    DataRequestKind,
    ExportArchive,
    PolicyKind,
)
from privacy.rendering import policy_render
from privacy.requests import DETAILS_MAX, DataRequestInvalid, data_request_file, data_requests_of
from privacy.selectors import (
    consent_state,
    consent_states,
    deletion_kept_categories,
    policy_version_get,
    policy_versions_published,
    privacy_categories_held,
    privacy_notice_rows,
    required_consents_pending,
)

HISTORY_LIMIT = 50


def policy_index(request):
    return render(request, "privacy/policy_index.html", {"kinds": PolicyKind.choices})


def policy_detail(request, kind: str, label: str | None = None):
    """LEGAL L1: public without login; an older version by its label."""
    if kind not in PolicyKind.values:
        raise Http404
    version = policy_version_get(kind=kind, label=label)
    if version is None:
        raise Http404
    chinese = (get_language() or "").startswith("zh")
    body = version.body_zh if chinese else version.body_en
    context = {
        "kind": kind,
        "title": PolicyKind(kind).label,
        "version": version,
        "body": policy_render(body),
        "versions": policy_versions_published(kind=kind),
        "is_latest": label is None,
        "notice_rows": privacy_notice_rows() if kind == PolicyKind.PRIVACY_POLICY else None,
    }
    return render(request, "privacy/policy.html", context)


@login_required
def centre(request):
    """LEGAL L4, L6: a member's consents with one-click switches, their history, and what is kept."""
    context = {
        "consents": consent_states(member=request.user),
        "history": consent_history(member=request.user)[:HISTORY_LIMIT],
        "categories": privacy_categories_held(),
        "kinds": PolicyKind.choices,
        # From the banner's cache: no query in the usual case.
        "deletion_due": deletion_banner_due(member_id=request.user.pk),
        "sign_ins": access_log_sign_ins(member_id=request.user.pk),
    }
    return render(request, "privacy/centre.html", context)


@login_required
@require_POST
def consent_decide(request, purpose: str):
    if purpose not in OPTIONAL_PURPOSES:
        raise Http404
    decision = request.POST.get("decision")
    if decision == "grant":
        entry = consent_grant(
            member=request.user, purpose=purpose, channel=ConsentChannel.WEB, actor=request.user
        )
    elif decision == "withdraw":
        entry = consent_withdraw(
            member=request.user, purpose=purpose, channel=ConsentChannel.WEB, actor=request.user
        )
    else:
        return HttpResponseBadRequest()
    label = ConsentPurpose(purpose).label
    if request.htmx:
        current = consent_history(member=request.user).filter(purpose=purpose).first()
        return render(
            request, "privacy/_consent.html", {"consent": consent_state(purpose=purpose, entry=current)}
        )
    if entry is not None:
        if entry.granted:
            messages.success(request, _("You agreed to: %(purpose)s.") % {"purpose": label})
        else:
            messages.success(request, _("Withdrawn at once: %(purpose)s.") % {"purpose": label})
    return redirect("privacy:centre")


# --- LEGAL L7: data export ------------------------------------------------------------------------


@login_required
@require_POST
def export_request_view(request):
    archive = export_request(member=request.user)
    return redirect("privacy:export_status", archive_id=archive.pk)


@login_required
def export_status(request, archive_id: int):
    archive = get_object_or_404(ExportArchive, pk=archive_id, member=request.user)
    context = {
        "archive": archive,
        "building": archive.status in ExportArchive.OPEN_STATUSES,
        "available": export_available(archive=archive),
        "downloads_left": max(0, ExportArchive.MAX_DOWNLOADS - archive.download_count),
    }
    template = "privacy/_export_status.html" if request.htmx else "privacy/export_status.html"
    return render(request, template, context)


@login_required
def export_file(request, archive_id: int):
    get_object_or_404(ExportArchive, pk=archive_id, member=request.user)
    try:
        archive = export_download(archive_id=archive_id, member=request.user)
    except ExportUnavailable:
        return render(request, "privacy/export_gone.html", status=410)
    stamp = archive.ready_at.strftime("%Y%m%d")
    response = FileResponse(
        archive.file.open("rb"),
        as_attachment=True,
        filename=f"my-data-{stamp}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What are you asking for?"), choices=DataRequestKind.choices)
    details = forms.CharField(
        label=gettext_lazy("Details"),
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Which data, and what should happen to it. A person reads every request."),
    )


@login_required
def data_requests(request):
    """LEGAL L8, L10: the member's requests with their status and due date, and a form to file one."""
    if request.method == "POST":
        form = DataRequestForm(request.POST)
        if form.is_valid():
            try:
                filed = data_request_file(
                    member=request.user, kind=form.cleaned_data["kind"], details=form.cleaned_data["details"]
                )
            except DataRequestInvalid as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(
                    request,
                    _("Your request was received. We will answer by %(due)s.")
                    % {"due": date_format(localtime(filed.due_at), "DATE_FORMAT")},
                )
                return redirect("privacy:requests")
    else:
        form = DataRequestForm()
    context = {"form": form, "requests": data_requests_of(member=request.user)}
    return render(request, "privacy/requests.html", context)


@login_required
def data_request_detail(request, request_id: int):
    # Only the owner: anyone else gets 404, not 403, so ids reveal nothing.
    item = get_object_or_404(DataRequest, pk=request_id, member=request.user)
    return render(request, "privacy/request_detail.html", {"item": item})


# --- LEGAL L9: account deletion -------------------------------------------------------------------


class DeletionConfirmForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy("We ask again so that nobody else can delete your account from your device."),
    )


@login_required
def deletion(request):
    """Click 2 of 3: what deletion does, and the password. Click 3 submits; the page then shows the
    pending deletion with its date and the way back."""
    pending = deletion_open(member_id=request.user.pk)
    form = DeletionConfirmForm(request.POST if request.method == "POST" and pending is None else None)
    if form.is_bound and form.is_valid():
        try:
            pending = deletion_request(member=request.user, password=form.cleaned_data["password"])
        except DeletionError as error:
            form.add_error("password", error.message)
        else:
            messages.success(
                request,
                _("Your account will be deleted on %(date)s. Until then you can cancel at any time.")
                % {"date": date_format(localtime(pending.due_at), "DATE_FORMAT")},
            )
            return redirect("privacy:deletion")
    context = {"form": form, "pending": pending, "kept": [] if pending else deletion_kept_categories()}
    return render(request, "privacy/deletion.html", context)


@login_required
@require_POST
def deletion_cancel_view(request):
    """One click, from the banner on any page or from the deletion page."""
    if deletion_cancel(member=request.user):
        messages.success(request, _("Deletion cancelled. Your account stays as it is."))
    else:
        messages.info(request, _("There is no deletion to cancel."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "privacy:centre"
    return redirect(target)


# --- LEGAL L2: accepting a new version of a required document ---------------------------------------


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
def reconsent_accept(request):
    """What changed in a required document (the new version and the one the member accepted), and one
    button to accept it. Reading stays possible without it; posting waits for it."""
    if request.method == "POST":
        shown = [int(value) for value in request.POST.getlist("version") if value.isdigit()]
        try:
            consent_accept_required(
                member=request.user, version_ids=shown, channel=ConsentChannel.WEB, actor=request.user
            )
        except PolicyChanged:
            messages.info(
                request, _("A newer version was published while you were reading. Please look at it first.")
            )
            return redirect("privacy:accept")
        messages.success(request, _("Thank you: you accepted the new version. You can post again."))
        return redirect(_safe_next(request, reverse("home")))
    context = {
        "pending": required_consents_pending(member=request.user),
        "next": _safe_next(request, ""),
    }
    return render(request, "privacy/accept.html", context)
