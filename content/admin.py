"""Operators' view of content. Delivery registers its own (content/delivery/admin.py).

What members wrote is read in the admin, not rewritten there: hiding and removing go through
/moderation/ (a statement of reasons, the audit log, LEGAL L18), edits through the member's own forms
(revisions, rendering). Operators configure spaces and can pin or re-classify a post.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

import content.delivery.admin  # noqa: F401  (outbox, deliveries, opt-outs)
from content.models import (
    RSVP,
    CalendarToken,
    Comment,
    CommentRevision,
    CorrectionNote,
    CorrectionReply,
    Event,
    InboxItem,
    Mention,
    Poll,
    PollChoice,
    PollOption,
    PollVote,
    Post,
    PostRevision,
    QuestionReminder,
    Reaction,
    Space,
    SpaceMembership,
)
from members.models import Member
from privacy.admin import ReadOnlyAdmin
from privacy.masking import MaskedAdminMixin

# Foreign keys to these tables get a raw id field: a <select> of every member, post or comment would
# load the whole table into one change page.
BIG_TABLES = (Member, Post, Comment, Event)


def raw_id_fields_of(model) -> tuple[str, ...]:
    """Every editable foreign key of `model` to a big table, whatever fields other topics add later."""
    return tuple(
        field.name
        for field in model._meta.get_fields()
        if (field.many_to_one or field.one_to_one)
        and not field.auto_created
        and field.related_model in BIG_TABLES
        and field.editable
    )


class MemberContentAdmin(MaskedAdminMixin, admin.ModelAdmin):
    """Searching by the author's address is personal data (L24)."""

    personal_search_fields = ("author__email",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "visibility",
        "posting_policy",
        "requires_approval",
        "slow_mode_seconds",
        "member_count",
        "post_count",
        "created_at",
    )
    list_filter = ("visibility", "posting_policy", "requires_approval")
    search_fields = ("name", "slug")
    date_hierarchy = "created_at"
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("member_count", "post_count", "created_at")
    raw_id_fields = ("created_by",)


@admin.register(SpaceMembership)
class SpaceMembershipAdmin(MaskedAdminMixin, admin.ModelAdmin):
    list_display = ("member", "space", "role", "status", "notification_level", "created_at")
    list_filter = ("role", "status", "notification_level", "space")
    list_select_related = ("member", "space")
    raw_id_fields = ("member", "invited_by")
    autocomplete_fields = ("space",)
    search_fields = ("member__email", "member__display_name", "space__name")
    personal_search_fields = ("member__email",)
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Post)
class PostAdmin(MemberContentAdmin):
    list_display = (
        "title",
        "space",
        "author",
        "kind",
        "status",
        "is_pinned",
        "is_promotional",
        "comment_count",
        "reaction_count",
        "created_at",
    )
    list_filter = (
        "status",
        "kind",
        "is_promotional",
        "is_pinned",
        ("deleted_at", admin.EmptyFieldListFilter),
        "space",
    )
    list_select_related = ("space", "author")
    search_fields = ("title", "=id", "author__email", "author__display_name")
    date_hierarchy = "created_at"
    show_full_result_count = False
    raw_id_fields = raw_id_fields_of(Post)
    exclude = ("search_vector", "body_html")
    # Pinning and promotion are the operator's; the text is the author's and the status moderation's.
    editable = ("kind", "is_pinned", "is_promotional")

    def get_readonly_fields(self, request, obj=None):
        names = [
            f.name for f in Post._meta.concrete_fields if f.name not in ("id", "search_vector", "body_html")
        ]
        return [name for name in names if name not in self.editable]


@admin.register(PostRevision)
class PostRevisionAdmin(ReadOnlyAdmin):
    """The text of a post before each edit (moderators compare them from a case)."""

    list_display = ("post", "title", "edited_by", "created_at")
    list_select_related = ("post", "edited_by")
    search_fields = ("=post__id",)
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Comment)
class CommentAdmin(MemberContentAdmin):
    list_display = ("id", "post", "author", "status", "reaction_count", "created_at")
    list_filter = ("status", ("deleted_at", admin.EmptyFieldListFilter))
    list_select_related = ("post", "author")
    search_fields = ("=id", "=post__id", "author__email", "author__display_name")
    date_hierarchy = "created_at"
    show_full_result_count = False
    raw_id_fields = raw_id_fields_of(Comment)
    exclude = ("search_vector", "body_html")

    def get_readonly_fields(self, request, obj=None):
        return [
            f.name
            for f in Comment._meta.concrete_fields
            if f.name not in ("id", "search_vector", "body_html")
        ]


@admin.register(CommentRevision)
class CommentRevisionAdmin(ReadOnlyAdmin):
    list_display = ("comment", "edited_by", "created_at")
    list_select_related = ("comment", "edited_by")
    search_fields = ("=comment__id",)
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Reaction)
class ReactionAdmin(MaskedAdminMixin, ReadOnlyAdmin):
    """Read-only: the post's and comment's counters are kept by content's services."""

    list_display = ("kind", "member", "post", "comment", "created_at")
    list_filter = ("kind",)
    list_select_related = ("member", "post", "comment")
    search_fields = ("=member__id", "=post__id", "=comment__id")
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Mention)
class MentionAdmin(ReadOnlyAdmin):
    list_display = ("member", "post", "comment", "created_at")
    list_select_related = ("member", "post", "comment")
    search_fields = ("=member__id", "=post__id")
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Event)
class EventAdmin(MemberContentAdmin):
    list_display = (
        "title",
        "space",
        "organiser",
        "starts_at",
        "status",
        "capacity",
        "going_count",
        "waitlist_count",
    )
    list_filter = ("status", ("deleted_at", admin.EmptyFieldListFilter), "space")
    list_select_related = ("space", "organiser")
    search_fields = ("title", "=id", "organiser__email", "organiser__display_name")
    personal_search_fields = ("organiser__email",)
    date_hierarchy = "starts_at"
    raw_id_fields = raw_id_fields_of(Event)
    exclude = ("search_vector", "description_html")

    def get_readonly_fields(self, request, obj=None):
        # Capacity and the waitlist move together through content's RSVP services.
        skip = ("id", "search_vector", "description_html")
        return [f.name for f in Event._meta.concrete_fields if f.name not in skip]


@admin.register(RSVP)
class RSVPAdmin(ReadOnlyAdmin):
    """Read-only: an RSVP changes the event's counts and may promote someone from the waitlist."""

    list_display = ("event", "member", "status", "waitlisted_at", "updated_at")
    list_filter = ("status",)
    list_select_related = ("event", "member")
    search_fields = ("=event__id", "=member__id")
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(CalendarToken)
class CalendarTokenAdmin(ReadOnlyAdmin):
    """The secret of a member's calendar feed is never shown. Deleting it revokes the feed's address
    (the member gets a new one from their events page)."""

    list_display = ("member", "created_at")
    list_select_related = ("member",)
    search_fields = ("=member__id",)
    date_hierarchy = "created_at"
    exclude = ("token",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


@admin.register(InboxItem)
class InboxItemAdmin(ReadOnlyAdmin):
    """A member's inbox: written by notices and deliveries, read by the member; read-only here."""

    list_display = ("kind", "recipient", "actor", "created_at", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    list_select_related = ("recipient", "actor")
    search_fields = ("=recipient__id", "kind")
    date_hierarchy = "created_at"
    show_full_result_count = False


# --- Polls and questions (issue 10) -----------------------------------------------------------------
# Read-only: votes and counts move together through content/services/polls.py. An anonymous poll's
# ballots show no member and no time (they have none) and their key is never shown.


class PollOptionInline(admin.TabularInline):
    model = PollOption
    fields = ("position", "label", "vote_count")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Poll)
class PollAdmin(ReadOnlyAdmin):
    list_display = (
        "post",
        "allows_multiple",
        "is_anonymous",
        "results_after_close",
        "closes_at",
        "voter_count",
    )
    list_filter = ("is_anonymous", "allows_multiple", "results_after_close")
    list_select_related = ("post",)
    search_fields = ("=post__id",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [PollOptionInline]


@admin.register(PollOption)
class PollOptionAdmin(ReadOnlyAdmin):
    list_display = ("label", "poll", "position", "vote_count")
    list_select_related = ("poll",)
    search_fields = ("=poll__id", "=poll__post__id")
    show_full_result_count = False


@admin.register(PollVote)
class PollVoteAdmin(ReadOnlyAdmin):
    """A public poll's ballots name their member (everyone who sees the results sees them too); an
    anonymous poll's name nobody. The key is never shown."""

    list_display = ("poll", "voter", "voted_at")
    list_select_related = ("poll", "member")
    search_fields = ("=poll__id", "=poll__post__id")
    fields = ("poll", "voter", "voted_at")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("voter"))
    def voter(self, vote: PollVote) -> str:
        return vote.member.public_name if vote.member_id else _("anonymous")


@admin.register(PollChoice)
class PollChoiceAdmin(ReadOnlyAdmin):
    list_display = ("option", "vote")
    list_select_related = ("option",)
    search_fields = ("=option__poll__id",)
    show_full_result_count = False


@admin.register(QuestionReminder)
class QuestionReminderAdmin(ReadOnlyAdmin):
    """Which askers were told their question waited long (once each, content.remind_unanswered)."""

    list_display = ("post", "sent_at")
    list_select_related = ("post",)
    search_fields = ("=post__id",)
    date_hierarchy = "sent_at"
    show_full_result_count = False


# --- Correction notes (issue 10) --------------------------------------------------------------------
# Read-only: a note is added, changed and withdrawn on /moderation/posts/<id>/correction/, which writes
# the audit log and tells the author; an edit here would do neither.


@admin.register(CorrectionNote)
class CorrectionNoteAdmin(ReadOnlyAdmin):
    list_display = ("post", "short_text", "added_by", "created_at", "updated_at", "withdrawn_at")
    list_filter = (("withdrawn_at", admin.EmptyFieldListFilter),)
    list_select_related = ("post", "added_by")
    search_fields = ("=post__id", "text")
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("text"))
    def short_text(self, note: CorrectionNote) -> str:
        return note.text if len(note.text) <= 80 else note.text[:79] + "…"


@admin.register(CorrectionReply)
class CorrectionReplyAdmin(ReadOnlyAdmin):
    """What a post's author answered to a correction note (their personal data: L7, L9)."""

    list_display = ("note", "author", "created_at")
    list_select_related = ("note", "author")
    search_fields = ("=note__id", "=note__post__id", "=author__id")
    date_hierarchy = "created_at"
    show_full_result_count = False
