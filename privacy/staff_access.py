"""LEGAL L23: staff viewing a member's personal data in the admin is logged: who, whose, what, when,
why. Other apps' ModelAdmins add StaffAccessLoggedAdmin to their bases; privacy's own do too."""

from django.contrib import admin
from django.contrib.auth import get_user_model

from privacy.models import StaffAccess

REASON_PARAM = "reason"


def staff_access_record(*, staff, subject_id: int | None, what: str, reason: str = "") -> StaffAccess:
    return StaffAccess.objects.create(
        staff=staff,
        staff_email=getattr(staff, "email", "")[:254],
        subject_id=subject_id,
        what=what[:200],
        reason=reason[:200],
    )


class StaffAccessLoggedAdmin(admin.ModelAdmin):
    """Records every change page (one member's data) and every search of the list (it may find anyone).

    The reason comes from ?reason=… (a link from a case, a request or a report carries it); without it
    the record says none was given, which is itself worth an audit's attention.
    """

    def staff_access_subject_id(self, obj) -> int | None:
        """The member whose data the object is. Override for models whose member field has another name."""
        for name in ("member_ref", "member_id", "author_id", "recipient_id"):
            if hasattr(obj, name):
                return getattr(obj, name)
        return obj.pk if obj._meta.label_lower == get_user_model()._meta.label_lower else None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("original")
        if obj is not None and request.method == "GET":
            staff_access_record(
                staff=request.user,
                subject_id=self.staff_access_subject_id(obj),
                what=f"{obj._meta.label_lower}:{obj.pk}",
                reason=request.GET.get(REASON_PARAM, ""),
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
