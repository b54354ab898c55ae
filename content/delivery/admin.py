"""Admin views of the delivery engine: mostly read-only records of what was planned and sent.
Registered when content/admin.py imports this module."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from content.delivery.models import Delivery, EmailOptOut, Outbox
from content.delivery.planner import NO_MARKETING_CONSENT, ONE_PROMOTION_A_WEEK
from privacy.admin import ReadOnlyAdmin
from privacy.masking import MaskedAdminMixin

# Why an email was not sent (Delivery.reason, stored in English as a stable code), so operators can
# count, for example, the promotions held back by the one-a-week rule (L13).
REASONS = {
    NO_MARKETING_CONSENT: _("no marketing consent"),
    ONE_PROMOTION_A_WEEK: _("one promotional message a week"),
    "daily cap": _("over the member's daily cap"),
    "quiet hours": _("the member's quiet hours"),
    "daily digest": _("the member chose a daily digest"),
    "weekly digest": _("the member chose a weekly digest"),
    "email is off": _("the member turned email off"),
    "this type of email is off": _("the member turned this type of email off"),
    "unsubscribed": _("unsubscribed with one click"),
    "already read in the inbox": _("already read in the inbox"),
    "content no longer visible": _("the content is no longer visible"),
    "content removed": _("the content was removed by a moderator"),
    "transactional daily ceiling": _("over the daily ceiling of notices"),
    "account inactive": _("the account is inactive"),
    "email address not verified": _("the email address is not verified"),
}


class ReasonFilter(admin.SimpleListFilter):
    title = _("reason")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return list(REASONS.items())

    def queryset(self, request, queryset):
        return queryset.filter(reason=self.value()) if self.value() else queryset


def reason_label(reason: str) -> str:
    """The operator's words for a stored reason code (the code itself when it is not a known one)."""
    return str(REASONS.get(reason, reason))


class PlannedFilter(admin.SimpleListFilter):
    title = _("planned")
    parameter_name = "planned"

    def lookups(self, request, model_admin):
        return [("yes", _("Planned")), ("no", _("Waiting for the planner"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(planned_at__isnull=self.value() == "no")
        return queryset


@admin.register(Outbox)
class OutboxAdmin(ReadOnlyAdmin):
    """Written with the content in one transaction, planned by the relay: a record, not a form."""

    list_display = ["id", "kind", "object_id", "created_at", "planned_at"]
    list_filter = [PlannedFilter, "kind"]
    search_fields = ["=object_id"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Delivery)
class DeliveryAdmin(MaskedAdminMixin, admin.ModelAdmin):
    """One message to one member on one channel; the proof of what was sent (L15), so never deleted."""

    list_display = [
        "id",
        "source_kind",
        "source_id",
        "recipient",
        "channel",
        "category",
        "status",
        "why",
        "due_at",
        "sent_at",
    ]
    list_filter = ["channel", "status", "category", ReasonFilter, "source_kind"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "inbox_item", "digest"]
    search_fields = ["=source_id", "=recipient__id", "recipient__email", "message_id"]
    personal_search_fields = ("recipient__email",)
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

    @admin.display(description=_("reason"))
    def why(self, obj: Delivery) -> str:
        return reason_label(obj.reason)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EmailOptOut)
class EmailOptOutAdmin(MaskedAdminMixin, ReadOnlyAdmin):
    """L14: the member stopped a kind of email with one click; only they start it again."""

    list_display = ["member", "category", "created_at"]
    list_filter = ["category"]
    list_select_related = ["member"]
    search_fields = ["=member__id", "member__email"]
    personal_search_fields = ("member__email",)
    date_hierarchy = "created_at"
