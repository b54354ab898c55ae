import re

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from moderation.models import (
    Appeal,
    Complaint,
    ComplaintMessage,
    IpNotice,
    ModerationAction,
    Report,
    ReviewItem,
    RuleHit,
    WatchedWord,
)
from moderation.watched_words import normalise, word_regex


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

    list_display = [
        "created_at",
        "code",
        "action",
        "kind",
        "object_id",
        "moderator",
        "rule",
        "until",
        "sweep",
    ]
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
    """Operators manage the words here; every process picks a change up at once
    (moderation/watched_words.py)."""

    form = WatchedWordForm
    list_display = ["pattern", "is_regex", "action", "reason", "is_active", "created_by", "created_at"]
    list_filter = ["action", "is_regex", "is_active", "reason"]
    list_editable = ["is_active"]
    search_fields = ["pattern", "note"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj: WatchedWord, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class RuleHitInline(admin.TabularInline):
    """Why an automatic rule opened or joined the item (read-only)."""

    model = RuleHit
    extra = 0
    can_delete = False
    readonly_fields = ["rule", "data", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


ReviewItemAdmin.inlines = [*ReviewItemAdmin.inlines, RuleHitInline]


# --- Complaints (L19) and IP notices (L22): handled through the desk and their services, shown here ----


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
    raw_id_fields = ["author", "closed_by"]
    inlines = [ComplaintMessageInline]


@admin.register(IpNotice)
class IpNoticeAdmin(ReadOnlyAdmin):
    """The notice, the counter-notice and the period; every step is in the moderation action log."""

    list_display = [
        "pk",
        "right",
        "holder_name",
        "holder_organisation",
        "kind",
        "object_id",
        "status",
        "restore_due_at",
    ]
    list_filter = ["status", "right", "kind"]
    search_fields = ["holder_name", "holder_organisation", "content_url"]
    list_select_related = ["target_author"]
    raw_id_fields = ["target_author", "review_item"]
