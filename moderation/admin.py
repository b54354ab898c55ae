"""Operators' view of moderation (issue 7). Decisions are taken on /moderation/ (statement of reasons,
audit log, LEGAL L17–L22); here every record is shown, and only the watched words are edited."""

import re

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.admin import MemberAdmin
from moderation.models import (
    Appeal,
    Complaint,
    ComplaintMessage,
    DuplicateWave,
    IpNotice,
    ModerationAction,
    Report,
    ReviewItem,
    RuleHit,
    WatchedWord,
)
from moderation.sanctions import member_suspend_by_staff
from moderation.watched_words import normalise, word_regex
from privacy.admin import ReadOnlyAdmin
from privacy.masking import EMAIL, MaskedAdminMixin

# The members admin's "Suspend" action writes moderation's audit log and sends the statement of
# reasons (L18) through moderation, which members may not import.
MemberAdmin.suspend_service = staticmethod(member_suspend_by_staff)


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    can_delete = False
    raw_id_fields = ["reporter"]
    readonly_fields = ["reporter", "reason", "details", "created_at", "outcome", "decided_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class RuleHitInline(admin.TabularInline):
    """Why an automatic rule opened or joined the item (read-only)."""

    model = RuleHit
    extra = 0
    can_delete = False
    readonly_fields = ["rule", "data", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    """Opened by reports and automatic rules, claimed and decided on /moderation/ (the queue keeps the
    claim, the clock and the audit log right), so read-only here."""

    list_display = [
        "__str__",
        "reason",
        "priority",
        "report_count",
        "status",
        "space",
        "created_at",
        "due_at",
        "claimed_by",
    ]
    list_filter = ["status", "reason", "kind", "decision"]
    list_select_related = ["claimed_by", "space"]
    search_fields = ["=object_id", "snapshot_title"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [ReportInline, RuleHitInline]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Filed by members (L17); settled with their item's decision."""

    list_display = ["__str__", "reporter", "reason", "created_at", "outcome", "decided_at"]
    list_filter = ["reason", "outcome", "kind"]
    list_select_related = ["reporter"]
    search_fields = ["=object_id", "=reporter__id", "=review_item__id"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    """The audit log (append-only, L17–L20): no add, change or delete, superusers included."""

    list_display = [
        "created_at",
        "code",
        "action",
        "kind",
        "object_id",
        "moderator",
        "target_author",
        "rule",
        "until",
        "sweep",
    ]
    list_filter = ["action", "kind"]
    list_select_related = ["moderator", "target_author"]
    search_fields = ["=object_id", "=target_author__id", "=moderator__id", "code"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    """Appeals are filed and decided through their services (impartiality check, reversal, notice), so
    the admin only shows them."""

    list_display = ["created_at", "status", "action", "appellant", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["action", "appellant", "decided_by"]
    search_fields = ["=appellant__id", "=action__id"]
    date_hierarchy = "created_at"


# --- Automatic rules (LEGAL L20, L21) -----------------------------------------------------------------


class WatchedWordForm(forms.ModelForm):
    class Meta:
        model = WatchedWord
        fields = ["pattern", "is_regex", "action", "reason", "note", "is_active"]

    def clean(self) -> dict:
        cleaned = super().clean()
        pattern = (cleaned.get("pattern") or "").strip()
        if not pattern:
            return cleaned
        cleaned["pattern"] = pattern
        is_regex = cleaned.get("is_regex", False)
        try:
            compiled = re.compile(word_regex(pattern=pattern, is_regex=is_regex), re.IGNORECASE)
        except re.error as error:
            self.add_error(
                "pattern",
                _("This is not a valid regular expression: %(error)s.") % {"error": error},
            )
            return cleaned
        except ValueError:
            self.add_error("pattern", _("Please write a word."))
            return cleaned
        if compiled.search("") is not None:
            self.add_error(
                "pattern",
                _("This pattern matches empty text, so it would catch every post. Make it stricter."),
            )
            return cleaned
        if not is_regex:
            # "ＳＰＡＭ" and "spam" are one word: refuse the second with a sentence, not an error page
            same = normalise(" ".join(pattern.split()))
            others = WatchedWord.objects.filter(is_regex=False).exclude(pk=self.instance.pk)
            if any(
                normalise(" ".join(other.split())) == same
                for other in others.values_list("pattern", flat=True)
            ):
                self.add_error("pattern", _("This word is already watched."))
        return cleaned


@admin.register(WatchedWord)
class WatchedWordAdmin(admin.ModelAdmin):
    """Operators and moderators (community/roles.py) manage the words here; every process picks a
    change up at once (moderation/watched_words.py)."""

    form = WatchedWordForm
    list_display = ["pattern", "is_regex", "action", "reason", "is_active", "created_by", "created_at"]
    list_filter = ["action", "is_regex", "is_active", "reason"]
    list_editable = ["is_active"]
    search_fields = ["pattern", "note"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "created_at"

    def save_model(self, request, obj: WatchedWord, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RuleHit)
class RuleHitAdmin(ReadOnlyAdmin):
    list_display = ["review_item", "rule", "created_at"]
    list_filter = ["rule"]
    list_select_related = ["review_item"]
    search_fields = ["=review_item__id"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(DuplicateWave)
class DuplicateWaveAdmin(ReadOnlyAdmin):
    list_display = ["short_fingerprint", "review_item", "updated_at"]
    list_select_related = ["review_item"]
    search_fields = ["fingerprint"]
    date_hierarchy = "updated_at"

    @admin.display(description=_("text fingerprint"))
    def short_fingerprint(self, obj: DuplicateWave) -> str:
        return obj.fingerprint[:12]


# --- Complaints (L19) and IP notices (L22): handled through the desk and their services, shown here ----


class ComplaintMessageInline(admin.TabularInline):
    model = ComplaintMessage
    extra = 0
    can_delete = False
    raw_id_fields = ["author"]
    readonly_fields = ["author", "from_staff", "body", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    """Replies and closing go through the desk (/moderation/complaints/), which tells the member."""

    list_display = ["reference", "topic", "status", "author", "created_at", "due_at", "answered_at"]
    list_filter = ["status", "topic"]
    search_fields = ["reference", "subject"]
    list_select_related = ["author"]
    date_hierarchy = "created_at"
    inlines = [ComplaintMessageInline]


@admin.register(ComplaintMessage)
class ComplaintMessageAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "author", "from_staff", "created_at"]
    list_filter = ["from_staff"]
    list_select_related = ["complaint", "author"]
    search_fields = ["complaint__reference"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(IpNotice)
class IpNoticeAdmin(MaskedAdminMixin, ReadOnlyAdmin):
    """The notice, the counter-notice and the period; every step is in the moderation action log. The
    rights holder's address is personal data (L24): masked for staff whose role lacks it."""

    list_display = [
        "id",
        "right",
        "holder_name",
        "holder_organisation",
        "holder_email",
        "kind",
        "object_id",
        "status",
        "created_at",
        "restore_due_at",
    ]
    list_filter = ["status", "right", "kind"]
    search_fields = ["holder_name", "holder_organisation", "holder_email", "content_url"]
    masked_fields = {"holder_email": EMAIL}
    personal_search_fields = ("holder_email",)
    list_select_related = ["target_author"]
    # Django 5.2 warns when a link field leaves its scheme to the default, which becomes https in 6.0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    date_hierarchy = "created_at"
