from django import forms
from django.contrib import admin, messages
from django.db.models import Max
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from privacy.models import (
    AccountClosure,
    Breach,
    ConsentEntry,
    DataRequest,
    DeletionRequest,
    LegalHold,
    PolicyDocument,
    PolicyVersion,
    RetentionCategory,
    RetentionRun,
    StaffAccess,
)
from privacy.requests import DataRequestInvalid, data_request_decide
from privacy.services import policy_version_publish
from privacy.staff_access import StaffAccessLoggedAdmin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible to staff, changeable by nobody, superusers included."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ConsentEntry)
class ConsentEntryAdmin(StaffAccessLoggedAdmin, ReadOnlyAdmin):
    list_display = ["created_at", "member_ref", "member", "purpose", "granted", "version", "channel", "actor"]
    list_filter = ["purpose", "granted", "channel"]
    list_select_related = ["member", "actor", "version", "version__document"]
    search_fields = ["=member_ref"]
    # No date_hierarchy: on a ledger of millions of rows its DISTINCT DATE_TRUNC scans the whole table.
    show_full_result_count = False


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(admin.ModelAdmin):
    list_display = ["kind", "latest_published"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_latest=Max("versions__published_at"))

    @admin.display(description=_("latest published"), ordering="_latest")
    def latest_published(self, obj):
        return obj._latest

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ["document", "label", "published_at", "short_hash"]
    list_filter = ["document", ("published_at", admin.EmptyFieldListFilter)]
    list_select_related = ["document"]
    readonly_fields = ["content_hash", "published_at", "published_by"]
    actions = ["publish"]

    @admin.display(description=_("content hash"))
    def short_hash(self, obj) -> str:
        return obj.content_hash[:12]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.published_at is not None:
            # A published version is immutable (LEGAL L1): every field is shown, none can change.
            return ["document", "label", "body_en", "body_zh", *self.readonly_fields]
        return self.readonly_fields

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.published_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.published_at is not None:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Deleting in bulk would bypass the model's refusal to delete a published version.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Publish the selected versions"))
    def publish(self, request, queryset):
        published = sum(policy_version_publish(version=v, by=request.user) for v in queryset)
        self.message_user(
            request,
            ngettext("%(count)d version published.", "%(count)d versions published.", published)
            % {"count": published},
            messages.SUCCESS,
        )


class RetentionCategoryForm(forms.ModelForm):
    class Meta:
        model = RetentionCategory
        fields = ["label", "description", "keep_days", "counted_from", "action"]

    def clean_keep_days(self):
        keep_days = self.cleaned_data.get("keep_days")
        floor = self.instance.floor_days
        # LEGAL L11: the keep-period may be lengthened or shortened, never below the legal floor.
        if keep_days is not None and keep_days < floor:
            raise forms.ValidationError(
                _("The law requires keeping this at least %(floor)d days."), params={"floor": floor}
            )
        return keep_days


@admin.register(RetentionCategory)
class RetentionCategoryAdmin(admin.ModelAdmin):
    form = RetentionCategoryForm
    list_display = ["label", "key", "keep_days", "counted_from", "floor_days", "action", "legal_basis"]
    readonly_fields = ["key", "floor_days", "legal_basis"]

    def has_add_permission(self, request) -> bool:
        # Categories come from the law's table (a migration); code registers handlers against their keys.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ["category", "member_id_held", "object_id", "reason", "until", "created_at", "created_by"]
    list_filter = ["category"]
    list_select_related = ["category", "created_by"]
    readonly_fields = ["created_at", "created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "category", "action", "cutoff", "rows_affected", "rows_held", "finished_at"]
    list_filter = ["category", "action"]
    list_select_related = ["category"]
    date_hierarchy = "started_at"


@admin.register(StaffAccess)
class StaffAccessAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "staff_email", "subject_id", "what", "reason"]
    search_fields = ["=subject_id", "staff_email"]
    list_select_related = ["staff"]
    show_full_result_count = False


@admin.register(AccountClosure)
class AccountClosureAdmin(ReadOnlyAdmin):
    list_display = ["member_ref", "closed_at"]
    search_fields = ["=member_ref"]


class BreachOverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(_overdue=True)
        if self.value() == "no":
            return queryset.filter(_overdue=False)
        return queryset


class BreachStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("closed", _("Closed"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset


@admin.register(Breach)
class BreachAdmin(admin.ModelAdmin):
    """LEGAL L25: the register operators keep; overdue reports come first."""

    list_display = [
        "title",
        "discovered_at",
        "significant",
        "deadline_cn",
        "reported_cn_at",
        "deadline_eu",
        "reported_eu_at",
        "overdue",
        "closed_at",
    ]
    list_filter = ["significant", BreachStateFilter, BreachOverdueFilter]
    date_hierarchy = "discovered_at"
    search_fields = ["title", "description", "affected_categories"]
    readonly_fields = ["deadline_cn", "deadline_eu", "created_by", "created_at"]

    def get_queryset(self, request):
        # Not super(): it orders by get_ordering() before the annotation it names exists.
        return Breach.objects.with_overdue().order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        # The annotation cannot go in `ordering` (the admin checks it names a model field).
        return ["-_overdue", "-discovered_at", "-id"]

    @admin.display(description=_("CN deadline (4 hours)"))
    def deadline_cn(self, obj):
        return obj.deadline_cn

    @admin.display(description=_("EU deadline (72 hours)"))
    def deadline_eu(self, obj):
        return obj.deadline_eu

    @admin.display(description=_("overdue"), boolean=True, ordering="_overdue")
    def overdue(self, obj) -> bool:
        return obj._overdue

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class DataRequestOverdueFilter(BreachOverdueFilter):
    pass


class DataRequestAdminForm(forms.ModelForm):
    class Meta:
        model = DataRequest
        fields = ["status", "refusal_reason"]

    def clean(self):
        cleaned = super().clean()
        # LEGAL L8: a refusal is always given with a written reason.
        if cleaned.get("status") == "refused" and not (cleaned.get("refusal_reason") or "").strip():
            self.add_error("refusal_reason", _("A refusal needs a written reason."))
        return cleaned


@admin.register(DataRequest)
class DataRequestAdmin(StaffAccessLoggedAdmin, admin.ModelAdmin):
    """LEGAL L8, L10: the request desk; overdue requests first, then the soonest due."""

    form = DataRequestAdminForm
    list_display = ["created_at", "kind", "member", "status", "due_at", "overdue", "decided_at", "handled_by"]
    list_filter = ["status", "kind", DataRequestOverdueFilter]
    list_select_related = ["member", "handled_by"]
    search_fields = ["=member__id"]
    readonly_fields = ["member", "kind", "details", "created_at", "due_at", "decided_at", "handled_by"]
    fields = ["member", "kind", "details", "created_at", "due_at", "status", "refusal_reason", "decided_at"]
    show_full_result_count = False

    def get_queryset(self, request):
        # Not super(): it orders by get_ordering() before the annotation it names exists.
        return DataRequest.objects.with_overdue().order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ["-_overdue", "due_at", "id"]

    def has_add_permission(self, request) -> bool:
        # Requests come from members (or are filed for them through the service), not typed in here.
        return False

    @admin.display(description=_("overdue"), boolean=True, ordering="_overdue")
    def overdue(self, obj) -> bool:
        return obj._overdue

    def save_model(self, request, obj, form, change):
        try:
            data_request_decide(request=obj, by=request.user, status=obj.status, reason=obj.refusal_reason)
        except DataRequestInvalid as error:  # the form has already checked; kept as a last guard
            self.message_user(request, error.message, messages.ERROR)


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyAdmin):
    """LEGAL L9: proof of each account deletion (ids and times only); members ask and cancel themselves."""

    list_display = ["member_ref", "requested_at", "due_at", "cancelled_at", "started_at", "completed_at"]
    list_filter = [("cancelled_at", admin.EmptyFieldListFilter), ("completed_at", admin.EmptyFieldListFilter)]
    search_fields = ["=member_ref"]
    show_full_result_count = False
