from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from members.models import ActiveDay, Block, Member, Mute
from privacy.staff_access import StaffAccessLoggedAdmin


class MemberCreationForm(AdminUserCreationForm):
    class Meta:
        model = Member
        fields = ("email", "display_name")


class MemberChangeForm(UserChangeForm):
    class Meta:
        model = Member
        fields = "__all__"


@admin.register(Member)
class MemberAdmin(StaffAccessLoggedAdmin, UserAdmin):
    """LEGAL L23: opening a member's page records who, whose, when and why; the reason is asked once
    per session for each member (or comes with the link from a case: ?reason=...)."""

    staff_access_ask_reason = True
    form = MemberChangeForm
    add_form = MemberCreationForm
    ordering = ("-date_joined",)
    list_display = (
        "email",
        "display_name",
        "language",
        "trust_level",
        "trust_level_locked",
        "is_active",
        "is_staff",
        "date_joined",
    )
    list_filter = (
        "is_active",
        "is_staff",
        "is_superuser",
        "trust_level",
        "trust_level_locked",
        "profile_visibility",
        "language",
        "groups",
    )
    search_fields = ("email", "display_name")
    date_hierarchy = "date_joined"
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {"fields": ("display_name", "language", "timezone", "bio", "avatar", "profile_visibility")},
        ),
        (_("Trust"), {"fields": ("trust_level", "trust_level_locked")}),
        (
            _("Email"),
            {
                "fields": (
                    "email_mode",
                    "email_daily_cap",
                    ("quiet_hours_start", "quiet_hours_end"),
                    "email_replies",
                    "email_mentions",
                    "email_new_posts",
                    "email_event_reminders",
                    "email_announcements",
                )
            },
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ("blocker", "blocked", "created_at")
    list_select_related = ("blocker", "blocked")
    raw_id_fields = ("blocker", "blocked")
    search_fields = ("blocker__email", "blocker__display_name", "blocked__email", "blocked__display_name")
    date_hierarchy = "created_at"


@admin.register(Mute)
class MuteAdmin(admin.ModelAdmin):
    list_display = ("muter", "muted", "created_at")
    list_select_related = ("muter", "muted")
    raw_id_fields = ("muter", "muted")
    search_fields = ("muter__email", "muter__display_name", "muted__email", "muted__display_name")
    date_hierarchy = "created_at"


@admin.register(ActiveDay)
class ActiveDayAdmin(admin.ModelAdmin):
    list_display = ("member", "day")
    list_select_related = ("member",)
    raw_id_fields = ("member",)
    search_fields = ("member__email", "member__display_name")
    date_hierarchy = "day"
    ordering = ("-day", "-id")
