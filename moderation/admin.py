from django.contrib import admin

from moderation.models import Appeal, ModerationAction, Report, ReviewItem


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    can_delete = False
    raw_id_fields = ["reporter"]
    readonly_fields = ["reporter", "reason", "details", "created_at", "outcome", "decided_at"]
    fields = readonly_fields


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reason", "priority", "report_count", "status", "due_at", "claimed_by"]
    list_filter = ["status", "reason", "kind"]
    list_select_related = ["claimed_by"]
    raw_id_fields = ["space", "snapshot_author", "claimed_by"]
    readonly_fields = ["created_at", "decided_at", "decision"]
    inlines = [ReportInline]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reporter", "reason", "created_at", "outcome"]
    list_filter = ["reason", "outcome", "kind"]
    list_select_related = ["reporter"]
    raw_id_fields = ["reporter", "review_item"]


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The audit log is read-only here too."""

    list_display = ["created_at", "action", "kind", "object_id", "moderator", "rule", "until", "sweep"]
    list_filter = ["action", "kind"]
    list_select_related = ["moderator"]
    raw_id_fields = ["review_item", "moderator", "target_author", "sweep"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Appeals are filed and decided through their services (impartiality check, reversal, notice), so
    the admin only shows them."""

    list_display = ["created_at", "status", "action", "appellant", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["action", "appellant", "decided_by"]
    raw_id_fields = ["action", "appellant", "decided_by"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
