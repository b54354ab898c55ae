"""Admin views of the delivery engine: mostly read-only records of what was planned and sent.
Registered when content/admin.py imports this module."""

from django.contrib import admin

from content.delivery.models import Delivery, EmailOptOut, Outbox


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "object_id", "created_at", "planned_at"]
    list_filter = ["kind"]
    search_fields = ["=object_id"]
    readonly_fields = ["kind", "object_id", "created_at", "planned_at"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "source_kind", "source_id", "recipient", "channel", "category", "status", "sent_at"]
    list_filter = ["channel", "status", "category", "source_kind"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "inbox_item", "digest"]
    search_fields = ["=source_id", "recipient__email", "message_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "source_kind",
        "source_id",
        "recipient",
        "channel",
        "category",
        "status",
        "inbox_item",
        "digest",
        "due_at",
        "lease_until",
        "attempts",
        "sent_at",
        "message_id",
        "reason",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(EmailOptOut)
class EmailOptOutAdmin(admin.ModelAdmin):
    list_display = ["member", "category", "created_at"]
    list_filter = ["category"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]
    search_fields = ["member__email"]
