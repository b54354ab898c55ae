"""What content holds about people, registered with privacy (called from ContentConfig.ready()).

Deleted posts, comments and events: the law (Internet Information Services Measures Art. 14) wants a
record of what was published for at least 60 days after deletion; the schedule keeps it 190 days. At
the end the row is anonymised, not deleted: title, text, place and rendered HTML are emptied and the
edit history (revisions) is deleted, but the row stays so that moderation cases, notifications and
replies that point to it do not break. What remains is the author link, space and times, which live
and die with the account (deleting the account anonymises those too).
"""

from django.utils.translation import gettext_lazy as _

from privacy.registry import register_not_personal, register_personal_data, register_retention_handler

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
            app_label="content", model=model, fields=fields, category="deleted_accounts", purpose=purpose
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
