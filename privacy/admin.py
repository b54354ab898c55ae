from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from privacy.export import export_request
from privacy.holds import LegalHoldInvalid, legal_hold_lift, legal_hold_place
from privacy.masking import EMAIL, IP, MaskedAdminMixin
from privacy.models import (
    AccessLog,
    AccountClosure,
    Breach,
    ConsentEntry,
    DataRequest,
    DeletionRequest,
    ExportArchive,
    LegalHold,
    PolicyDocument,
    PolicyKind,
    PolicyVersion,
    RetentionCategory,
    RetentionRun,
    StaffAccess,
)
from privacy.requests import DataRequestInvalid, data_request_decide
from privacy.selectors import category_label
from privacy.services import policy_version_publish
from privacy.staff_access import StaffAccessLoggedAdmin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible to staff, changeable by nobody, superusers included. The change page
    still opens (read-only, "view") for whoever may view the model."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Who may manage every policy document; the others (moderators) only draft the community rules.
POLICY_MANAGER_PERMISSION = "privacy.change_policydocument"
# Created by community.roles: publishing is a legal step (L1, L2), kept for operators.
POLICY_PUBLISH_PERMISSION = "privacy.publish_policyversion"


def _manages_policies(request) -> bool:
    return request.user.has_perm(POLICY_MANAGER_PERMISSION)


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
        queryset = super().get_queryset(request).annotate(_latest=Max("versions__published_at"))
        if not _manages_policies(request):
            queryset = queryset.filter(kind=PolicyKind.COMMUNITY_RULES)
        return queryset

    @admin.display(description=_("latest published"), ordering="_latest")
    def latest_published(self, obj):
        return obj._latest

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PolicyVersion)
class PolicyVersionAdmin(MaskedAdminMixin, admin.ModelAdmin):
    """Operators manage every document; a moderator drafts the community rules only, and an operator
    publishes them (LEGAL L18: decisions cite a published version)."""

    list_display = ["document", "label", "created_at", "published_at", "published_by__email", "short_hash"]
    list_filter = ["document", ("published_at", admin.EmptyFieldListFilter)]
    list_select_related = ["document", "published_by"]
    search_fields = ["label"]
    date_hierarchy = "created_at"
    readonly_fields = ["content_hash", "published_at", "published_by"]
    actions = ["publish"]
    masked_fields = {"published_by__email": (EMAIL, _("published by"))}

    @admin.display(description=_("content hash"))
    def short_hash(self, obj) -> str:
        return obj.content_hash[:12]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not _manages_policies(request):
            queryset = queryset.filter(document__kind=PolicyKind.COMMUNITY_RULES)
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "document" and not _manages_policies(request):
            kwargs["queryset"] = PolicyDocument.objects.filter(kind=PolicyKind.COMMUNITY_RULES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm(POLICY_PUBLISH_PERMISSION)

    def get_actions(self, request):
        # Deleting in bulk would bypass the model's refusal to delete a published version.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Publish the selected versions"), permissions=["publish"])
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
    list_display = ["name", "key", "keep_days", "counted_from", "floor_days", "action", "legal_basis"]
    list_filter = ["action", "counted_from"]
    search_fields = ["label", "key"]
    readonly_fields = ["key", "floor_days", "legal_basis"]

    @admin.display(description=_("label"), ordering="label")
    def name(self, obj) -> str:
        # the seeded labels in the reader's language; an operator's own wording as written
        return category_label(obj)

    def has_add_permission(self, request) -> bool:
        # Categories come from the law's table (a migration); code registers handlers against their keys.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LegalHoldStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("In force")), ("ended", _("Ended"))]

    def queryset(self, request, queryset):
        in_force = Q(until__isnull=True) | Q(until__gt=timezone.now())
        if self.value() == "active":
            return queryset.filter(in_force)
        if self.value() == "ended":
            return queryset.exclude(in_force)
        return queryset


class LegalHoldForm(forms.ModelForm):
    class Meta:
        model = LegalHold
        fields = ["category", "member_id_held", "object_id", "reason", "until"]

    def clean_until(self):
        until = self.cleaned_data.get("until")
        if until is not None and until <= timezone.now() and self.instance.pk is None:
            raise forms.ValidationError(_("A legal hold ends in the future."))
        return until


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    """Placed through legal_hold_place (the add form), lifted through legal_hold_lift (the action): the
    row stays as proof of when retention was paused, so holds are not deleted."""

    list_display = [
        "category",
        "member_id_held",
        "object_id",
        "reason",
        "until",
        "in_force",
        "created_at",
        "created_by",
    ]
    list_filter = [LegalHoldStateFilter, "category"]
    list_select_related = ["category", "created_by"]
    search_fields = ["=member_id_held", "=object_id", "reason"]
    date_hierarchy = "created_at"
    form = LegalHoldForm
    readonly_fields = ["created_at", "created_by"]
    actions = ["lift"]

    @admin.display(description=_("in force"), boolean=True)
    def in_force(self, obj) -> bool:
        return obj.until is None or obj.until > timezone.now()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # What is held and why stays as placed; only the end can move (or use the lift action).
            return ["category", "member_id_held", "object_id", "reason", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            hold = legal_hold_place(
                category=obj.category,
                member_id=obj.member_id_held,
                object_id=obj.object_id,
                reason=obj.reason,
                until=obj.until,
                by=request.user,
            )
        except LegalHoldInvalid as error:  # the form has checked already; kept as a last guard
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk, obj.created_by, obj.created_at = hold.pk, hold.created_by, hold.created_at

    @admin.action(description=_("Lift the selected legal holds now"), permissions=["change"])
    def lift(self, request, queryset):
        lifted = sum(legal_hold_lift(hold=hold, by=request.user) for hold in queryset)
        self.message_user(
            request,
            ngettext("%(count)d legal hold lifted.", "%(count)d legal holds lifted.", lifted)
            % {"count": lifted},
            messages.SUCCESS,
        )


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "category", "action", "cutoff", "rows_affected", "rows_held", "finished_at"]
    list_filter = ["category", "action", ("finished_at", admin.EmptyFieldListFilter)]
    list_select_related = ["category"]
    date_hierarchy = "started_at"


@admin.register(StaffAccess)
class StaffAccessAdmin(MaskedAdminMixin, ReadOnlyAdmin):
    """LEGAL L23: the log of staff looking at personal data; read-only for everyone."""

    list_display = ["created_at", "staff_email", "subject_id", "what", "reason"]
    list_filter = [("reason", admin.EmptyFieldListFilter)]
    search_fields = ["=subject_id", "staff_email"]
    list_select_related = ["staff"]
    date_hierarchy = "created_at"  # staff_access_time indexes it
    show_full_result_count = False
    masked_fields = {"staff_email": EMAIL}
    personal_search_fields = ("staff_email",)


@admin.register(AccountClosure)
class AccountClosureAdmin(ReadOnlyAdmin):
    list_display = ["member_ref", "closed_at"]
    search_fields = ["=member_ref"]
    date_hierarchy = "closed_at"


@admin.register(ExportArchive)
class ExportArchiveAdmin(ReadOnlyAdmin):
    """LEGAL L7: the archives built for members; built and expired by their services, never here (the
    file itself is only ever served to its member)."""

    list_display = ["created_at", "member", "status", "size", "download_count", "ready_at", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["member"]
    search_fields = ["=member__id"]
    date_hierarchy = "created_at"
    exclude = ["file"]


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows: COUNT(*) over a table of millions (the access log) takes seconds, and
    nobody pages past the first hundred pages anyway."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.CAP].count()


@admin.register(AccessLog)
class AccessLogAdmin(MaskedAdminMixin, ReadOnlyAdmin):
    """LEGAL L11: who asked for what, from where and when; kept 190 days, read-only. Find a member's rows
    by their id."""

    list_display = ["time", "member_ref", "kind", "method", "path", "status", "ip", "user_agent"]
    list_filter = ["kind", "method"]
    search_fields = ["=member_ref"]
    # No date_hierarchy: a DISTINCT over every monthly partition. No full count either (see paginator).
    show_full_result_count = False
    paginator = CappedCountPaginator
    masked_fields = {"ip": IP}


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
        # The add page shows the read-only clocks before a discovery time exists.
        return obj.deadline_cn if obj.discovered_at else None

    @admin.display(description=_("EU deadline (72 hours)"))
    def deadline_eu(self, obj):
        return obj.deadline_eu if obj.discovered_at else None

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
class DataRequestAdmin(StaffAccessLoggedAdmin, MaskedAdminMixin, admin.ModelAdmin):
    """LEGAL L8, L10: the request desk; overdue requests first, then the soonest due. No date hierarchy:
    the desk is read by urgency, and the list's pinned query count stays at four."""

    form = DataRequestAdminForm
    list_display = ["created_at", "kind", "member", "status", "due_at", "overdue", "decided_at", "handled_by"]
    list_filter = ["status", "kind", DataRequestOverdueFilter]
    list_select_related = ["member", "handled_by"]
    search_fields = ["=member__id", "=member__email"]
    personal_search_fields = ("member__email",)
    actions = ["start_export"]
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

    @admin.action(description=_("Start an export of the member's data"), permissions=["change"])
    def start_export(self, request, queryset):
        """LEGAL L7: the member gets the same archive as from their privacy centre, and the same "your
        export is ready" notice; an export already being prepared is not started twice."""
        members = {r.member for r in queryset.select_related("member") if r.member is not None}
        for member in members:
            export_request(member=member)
        self.message_user(
            request,
            ngettext(
                "An export was started for %(count)d member; they are told when it is ready.",
                "An export was started for %(count)d members; they are told when it is ready.",
                len(members),
            )
            % {"count": len(members)},
            messages.SUCCESS,
        )

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
    date_hierarchy = "requested_at"
    show_full_result_count = False
