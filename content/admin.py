"""Operators' view of content. Issue 7 (operators' admin) grows this; delivery registers its own."""

from django.contrib import admin

import content.delivery.admin  # noqa: F401  (outbox, deliveries, opt-outs)
from content.models import Comment, Event, InboxItem, Post, Space, SpaceMembership


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "visibility",
        "posting_policy",
        "slow_mode_seconds",
        "member_count",
        "post_count",
    )
    list_filter = ("visibility", "posting_policy")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("member_count", "post_count", "created_at")
    raw_id_fields = ("created_by",)


@admin.register(SpaceMembership)
class SpaceMembershipAdmin(admin.ModelAdmin):
    list_display = ("member", "space", "role", "status", "notification_level", "created_at")
    list_filter = ("role", "status", "notification_level", "space")
    list_select_related = ("member", "space")
    raw_id_fields = ("member", "space", "invited_by")
    search_fields = ("member__email", "member__display_name", "space__name")


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("title", "space", "author", "kind", "status", "is_pinned", "is_promotional", "created_at")
    list_filter = ("status", "kind", "is_promotional", "is_pinned", "space")
    list_select_related = ("space", "author")
    search_fields = ("title",)
    date_hierarchy = "created_at"
    raw_id_fields = ("space", "author", "deleted_by")
    readonly_fields = (
        "body_html",
        "created_at",
        "edited_at",
        "last_activity_at",
        "comment_count",
        "reaction_count",
    )
    exclude = ("search_vector",)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("pk", "post", "author", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("post", "author")
    date_hierarchy = "created_at"
    raw_id_fields = ("post", "author", "parent", "deleted_by")
    readonly_fields = ("body_html", "created_at", "edited_at", "reaction_count")
    exclude = ("search_vector",)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title", "space", "organiser", "starts_at", "capacity", "going_count", "waitlist_count")
    list_filter = ("status", "space")
    list_select_related = ("space", "organiser")
    search_fields = ("title",)
    date_hierarchy = "starts_at"
    raw_id_fields = ("space", "organiser")
    readonly_fields = ("description_html", "going_count", "waitlist_count", "created_at")
    exclude = ("search_vector",)


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    list_display = ("kind", "recipient", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    raw_id_fields = ("recipient", "actor")
