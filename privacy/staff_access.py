"""LEGAL L23: staff viewing a member's personal data in the admin is logged: who, whose, what, when,
why. Other apps' ModelAdmins add StaffAccessLoggedAdmin to their bases; privacy's own do too."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy

from privacy.models import StaffAccess

REASON_PARAM = "reason"
REASON_MAX = 200
# The reasons a staff member gave in this session, by member id: asked once per session and member.
SESSION_KEY = "privacy_staff_access_reasons"


def staff_access_record(*, staff, subject_id: int | None, what: str, reason: str = "") -> StaffAccess:
    return StaffAccess.objects.create(
        staff=staff,
        staff_email=getattr(staff, "email", "")[:254],
        subject_id=subject_id,
        what=what[:200],
        reason=reason[:200],
    )


class StaffAccessReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why are you opening this member's data?"),
        max_length=REASON_MAX,
        help_text=gettext_lazy(
            "For example a request number, a report or a complaint. Recorded with your name and kept "
            "3 years; asked once per session for each member."
        ),
    )


def _session_reasons(request) -> dict:
    return request.session.get(SESSION_KEY, {}) if hasattr(request, "session") else {}


def staff_access_reason_remember(request, *, subject_id: int, reason: str) -> None:
    reasons = dict(_session_reasons(request))
    reasons[str(subject_id)] = reason[:REASON_MAX]
    request.session[SESSION_KEY] = reasons


class StaffAccessLoggedAdmin(admin.ModelAdmin):
    """Records every change page (one member's data) and every search of the list (it may find anyone).

    The reason comes from ?reason=… (a link from a case, a request or a report carries it) or from what
    the staff member said earlier in this session about the same member. With
    `staff_access_ask_reason = True` a change page that has neither first asks for it (once per
    session and member); without, the record says none was given, itself worth an audit's attention.
    """

    staff_access_ask_reason = False

    def staff_access_subject_id(self, obj) -> int | None:
        """The member whose data the object is. Override for models whose member field has another name."""
        for name in ("member_ref", "member_id", "author_id", "recipient_id"):
            if hasattr(obj, name):
                return getattr(obj, name)
        return obj.pk if obj._meta.label_lower == get_user_model()._meta.label_lower else None

    def _staff_access_reason(self, request, subject_id: int | None) -> str:
        given = request.GET.get(REASON_PARAM, "").strip()
        if given and subject_id is not None:
            staff_access_reason_remember(request, subject_id=subject_id, reason=given)
        if given or subject_id is None:
            return given
        return _session_reasons(request).get(str(subject_id), "")

    def _staff_access_ask(self, request, obj, form=None):
        context = {
            **self.admin_site.each_context(request),
            "title": gettext_lazy("Why are you opening this member's data?"),
            "opts": self.opts,
            "original": obj,
            "form": form or StaffAccessReasonForm(),
            "kept": [(k, v) for k, v in request.GET.items() if k != REASON_PARAM],
        }
        return TemplateResponse(request, "privacy/staff_access_reason.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        reason = None
        if request.method == "GET" and self.staff_access_ask_reason:
            obj = self.get_object(request, unquote(object_id))
            # Without permission, Django's own answer (403 or a redirect) comes first, not the question.
            if obj is not None and self.has_view_or_change_permission(request, obj):
                subject_id = self.staff_access_subject_id(obj)
                if REASON_PARAM in request.GET:
                    form = StaffAccessReasonForm(request.GET)
                    if not form.is_valid():
                        return self._staff_access_ask(request, obj, form)
                reason = self._staff_access_reason(request, subject_id)
                if not reason:
                    return self._staff_access_ask(request, obj)
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("original")
        if obj is not None and request.method == "GET":
            subject_id = self.staff_access_subject_id(obj)
            staff_access_record(
                staff=request.user,
                subject_id=subject_id,
                what=f"{obj._meta.label_lower}:{obj.pk}",
                reason=reason if reason is not None else self._staff_access_reason(request, subject_id),
            )
        return response

    def changelist_view(self, request, extra_context=None):
        reason = request.GET.get(REASON_PARAM, "")
        if REASON_PARAM in request.GET:
            # The changelist would read an unknown parameter as a filter and refuse it.
            request.GET = request.GET.copy()
            del request.GET[REASON_PARAM]
        response = super().changelist_view(request, extra_context)
        query = request.GET.get("q", "")
        if query and response.status_code == 200:
            staff_access_record(
                staff=request.user,
                subject_id=None,
                what=f"{self.model._meta.label_lower} search: {query}",
                reason=reason,
            )
        return response
