from django.contrib import admin

from privacy.models import ConsentEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible to staff, changeable by nobody, superusers included."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ConsentEntry)
class ConsentEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "member", "purpose", "granted", "version", "channel", "actor"]
    list_filter = ["purpose", "granted", "channel"]
    list_select_related = ["member", "actor", "version", "version__document"]
    search_fields = ["member__id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
