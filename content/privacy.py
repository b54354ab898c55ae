"""What content holds about people, registered with privacy (called from ContentConfig.ready()).

Deleted posts, comments and events: the law (Internet Information Services Measures Art. 14) wants a
record of what was published for at least 60 days after deletion; the schedule keeps it 190 days. At
the end the row is anonymised, not deleted: title, text, place and rendered HTML are emptied and the
edit history (revisions) is deleted, but the row stays so that moderation cases, notifications and
replies that point to it do not break. What remains is the author link, space and times, which live
and die with the account (deleting the account anonymises those too).
"""

from django.utils.translation import gettext_lazy as _

from privacy.registry import (
    ExportSection,
    member_pseudonym,
    register_not_personal,
    register_personal_data,
    register_retention_handler,
)

CHUNK = 500

WRITTEN = _(
    "Showing what you wrote to the space's readers, and keeping a record after deletion as the law requires"
)


def _deleted_posts(cutoff):
    from content.models import Post

    return Post.objects.filter(deleted_at__lt=cutoff).exclude(title="", body="")


def _anonymize_posts(ids: list[int]) -> int:
    from content.models import Post, PostRevision

    PostRevision.objects.filter(post_id__in=ids).delete()
    return Post.objects.filter(pk__in=ids).update(
        title="", body="", body_html="", body_fingerprint="", search_vector=None
    )


def _deleted_comments(cutoff):
    from content.models import Comment

    return Comment.objects.filter(deleted_at__lt=cutoff).exclude(body="")


def _anonymize_comments(ids: list[int]) -> int:
    from content.models import Comment, CommentRevision

    CommentRevision.objects.filter(comment_id__in=ids).delete()
    return Comment.objects.filter(pk__in=ids).update(
        body="", body_html="", body_fingerprint="", search_vector=None
    )


def _deleted_events(cutoff):
    from content.models import Event

    return Event.objects.filter(deleted_at__lt=cutoff).exclude(
        title="", description="", location="", online_url=""
    )


def _anonymize_events(ids: list[int]) -> int:
    from content.models import Event

    return Event.objects.filter(pk__in=ids).update(
        title="", description="", description_html="", location="", online_url="", search_vector=None
    )


def _old_inbox_items(cutoff):
    from content.models import InboxItem

    return InboxItem.objects.filter(created_at__lt=cutoff)


def _old_deliveries(cutoff):
    from content.delivery.models import Delivery, DeliveryStatus

    # Only finished ones: a row still waiting or in flight is what keeps a message from going out twice.
    finished = [
        DeliveryStatus.SENT,
        DeliveryStatus.ROLLED_OVER,
        DeliveryStatus.CANCELLED,
        DeliveryStatus.FAILED,
    ]
    return Delivery.objects.filter(created_at__lt=cutoff, status__in=finished)


def _stream(queryset, fields, convert=None):
    """A zero-argument callable streaming .values(*fields) in chunks (LEGAL L7's flat memory)."""

    def rows():
        for row in queryset.order_by("pk").values(*fields).iterator(chunk_size=CHUNK):
            yield convert(row) if convert else row

    return rows


def _section(name: str, queryset, columns, description) -> ExportSection:
    """A section whose rows are exactly `columns` of `queryset`, streamed."""
    return ExportSection(name, _stream(queryset, columns), columns, description)


def _pseudonymise(key: str, target: str):
    def convert(row):
        row[target] = member_pseudonym(row.pop(key))
        return row

    return convert


POST_COLUMNS = (
    "id",
    "space__slug",
    "kind",
    "title",
    "body",
    "status",
    "created_at",
    "edited_at",
    "deleted_at",
)
COMMENT_COLUMNS = ("id", "post_id", "parent_id", "body", "status", "created_at", "edited_at", "deleted_at")
REACTION_COLUMNS = ("post_id", "comment_id", "kind", "created_at")
RSVP_COLUMNS = ("event_id", "event__title", "event__starts_at", "status", "created_at", "updated_at")
EVENT_COLUMNS = (
    "id",
    "space__slug",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "location",
    "created_at",
)
MEMBERSHIP_COLUMNS = ("space__slug", "role", "status", "notification_level", "created_at")
INBOX_COLUMNS = ("kind", "actor", "url", "created_at", "read_at")
DELIVERY_COLUMNS = ("channel", "category", "status", "source_kind", "source_id", "created_at", "sent_at")


def export_content(*, member_id: int):
    """LEGAL L7: what the member wrote and did. Other members appear only by pseudonym; the inbox's
    `data` (which can quote other members' names and text) is left out."""
    from content.delivery.models import Delivery
    from content.models import RSVP, Comment, Event, InboxItem, Mention, Post, Reaction, SpaceMembership

    yield _section(
        "posts",
        Post.objects.filter(author_id=member_id),
        POST_COLUMNS,
        _("Your posts"),
    )
    yield _section(
        "comments",
        Comment.objects.filter(author_id=member_id),
        COMMENT_COLUMNS,
        _("Your comments"),
    )
    yield _section(
        "reactions",
        Reaction.objects.filter(member_id=member_id),
        REACTION_COLUMNS,
        _("Your reactions"),
    )
    yield _section(
        "events",
        Event.objects.filter(organiser_id=member_id),
        EVENT_COLUMNS,
        _("Events you organised"),
    )
    yield _section(
        "rsvps",
        RSVP.objects.filter(member_id=member_id),
        RSVP_COLUMNS,
        _("Your RSVPs"),
    )
    yield _section(
        "memberships",
        SpaceMembership.objects.filter(member_id=member_id),
        MEMBERSHIP_COLUMNS,
        _("The spaces you belong to"),
    )
    yield _section(
        "mentions",
        Mention.objects.filter(member_id=member_id),
        ("post_id", "comment_id", "created_at"),
        _("Where you were mentioned"),
    )
    yield ExportSection(
        "inbox",
        _stream(
            InboxItem.objects.filter(recipient_id=member_id),
            ("kind", "actor_id", "url", "created_at", "read_at"),
            _pseudonymise("actor_id", "actor"),
        ),
        INBOX_COLUMNS,
        _("Your notifications (who caused them, by pseudonym)"),
    )
    yield _section(
        "deliveries",
        Delivery.objects.filter(recipient_id=member_id),
        DELIVERY_COLUMNS,
        _("Emails and notifications sent to you"),
    )


def register() -> None:
    for model, fields in [
        ("Post", ["author", "title", "body", "body_html", "body_fingerprint", "created_at", "deleted_at"]),
        ("PostRevision", ["title", "body", "edited_by", "created_at"]),
        ("Comment", ["author", "body", "body_html", "body_fingerprint", "created_at", "deleted_at"]),
        ("CommentRevision", ["body", "edited_by", "created_at"]),
        (
            "Event",
            ["organiser", "title", "description", "description_html", "location", "online_url", "created_at"],
        ),
    ]:
        register_personal_data(
            app_label="content",
            model=model,
            fields=fields,
            category="deleted_content_records",
            purpose=WRITTEN,
            export=export_content,
        )
    for model, fields, purpose in [
        ("Reaction", ["member", "kind", "created_at"], _("Showing your reactions")),
        ("Mention", ["member", "created_at"], _("Telling you when someone mentions you")),
        ("RSVP", ["member", "status", "created_at"], _("Holding your place at events")),
        ("CalendarToken", ["member", "token"], _("Your private calendar feed")),
        ("SpaceMembership", ["member", "role", "status", "invited_by"], _("Your membership of spaces")),
        ("EmailOptOut", ["member", "category"], _("Respecting the emails you stopped")),
    ]:
        register_personal_data(
            app_label="content",
            model=model,
            fields=fields,
            category="deleted_accounts",
            purpose=purpose,
            export=export_content,
        )
    for model, fields in [
        ("InboxItem", ["recipient", "actor", "kind", "url", "data", "created_at", "read_at"]),
        ("Delivery", ["recipient", "channel", "category", "status", "sent_at", "message_id", "created_at"]),
    ]:
        register_personal_data(
            app_label="content",
            model=model,
            fields=fields,
            category="delivery_records",
            purpose=_("Delivering notifications and emails, and never sending one twice"),
            export=export_content,
        )
    register_not_personal(
        app_label="content",
        model="Space",
        fields=["name", "description"],
        reason="a space's public name and description, written for the community",
    )

    register_retention_handler(
        category="deleted_content_records",
        name="content.posts",
        expired=_deleted_posts,
        anonymize=_anonymize_posts,
        member_field="author",
    )
    register_retention_handler(
        category="deleted_content_records",
        name="content.comments",
        expired=_deleted_comments,
        anonymize=_anonymize_comments,
        member_field="author",
    )
    register_retention_handler(
        category="deleted_content_records",
        name="content.events",
        expired=_deleted_events,
        anonymize=_anonymize_events,
        member_field="organiser",
    )
    register_retention_handler(
        category="delivery_records", name="content.inbox", expired=_old_inbox_items, member_field="recipient"
    )
    register_retention_handler(
        category="delivery_records",
        name="content.deliveries",
        expired=_old_deliveries,
        member_field="recipient",
    )
