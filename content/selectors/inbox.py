from django.db.models import QuerySet
from django.utils.translation import gettext as _

from content.models import ContentStatus, Event, InboxItem
from content.selectors.visibility import Viewer, posts_readable, readable_space_ids
from members.models import Member

# Kinds whose sentence quotes a post's or an event's title (data["title"], copied when the item was
# written). The title is shown only while the reader may still read what it names: a post moved to a
# private space, its space made private, or the post hidden, removed or deleted since, and the item
# says so without the title. Moderation kinds are left as they are: a moderator reaches private spaces'
# reports through the moderation pages, and an author's statement of reasons must reach them whatever
# happened to the content.
POST_KINDS = frozenset(
    {"post.new", "post.mention", "comment.reply", "question.answered", "question.unanswered"}
)
EVENT_KINDS = frozenset(
    {"event.promoted", "event.reminder_24h", "event.reminder_1h", "event.changed", "event.cancelled"}
)


def inbox_items(*, member: Member, limit: int = 50) -> list[InboxItem]:
    """The member's latest items, each with its `sentence` and `gone` (True when it names a post or an
    event the member can no longer read: the sentence then names neither). At most three queries
    whatever the number of items: the items with their actors, the posts they name that the member
    still reads, the events likewise (the last two only when an item names one)."""
    items = list(
        InboxItem.objects.filter(recipient=member)
        .select_related("actor")
        .order_by("-created_at", "-pk")[:limit]
    )
    inbox_items_decorate(member=member, items=items)
    return items


def inbox_items_decorate(*, member: Member, items: list[InboxItem]) -> None:
    """Set `gone` and `sentence` on each item (at most two queries, for any number of items)."""
    readable_posts = _readable_ids(
        posts_readable(viewer=member), {item.data.get("post_id") for item in items if item.kind in POST_KINDS}
    )
    readable_events = _readable_ids(
        _events_still_known(viewer=member),
        {item.data.get("event_id") for item in items if item.kind in EVENT_KINDS},
    )
    for item in items:
        if item.kind in POST_KINDS:
            item.gone = item.data.get("post_id") not in readable_posts
        elif item.kind in EVENT_KINDS:
            item.gone = item.data.get("event_id") not in readable_events
        else:
            item.gone = False
        item.sentence = inbox_gone_sentence(item) if item.gone else inbox_sentence(item)


def _readable_ids(queryset: QuerySet, ids: set) -> set[int]:
    ids = {pk for pk in ids if isinstance(pk, int)}
    if not ids:
        return set()
    return set(queryset.filter(pk__in=ids).values_list("pk", flat=True))


def _events_still_known(*, viewer: Viewer) -> QuerySet[Event]:
    """events_readable without the deletion: an organiser's cancellation deletes the event, and its
    attendees are told "“title” was cancelled" (they knew the event); hidden, removed and moved out of
    the reader's spaces still hide the title."""
    return Event.objects.filter(
        status=ContentStatus.PUBLISHED, space_id__in=readable_space_ids(viewer=viewer)
    )


def inbox_gone_sentence(item: InboxItem) -> str:
    if item.kind in EVENT_KINDS:
        return _("News about an event you can no longer see.")
    return _("News about a post you can no longer see.")


def inbox_unread_count(*, member: Member) -> int:
    return InboxItem.objects.filter(recipient=member, read_at__isnull=True).count()


def inbox_unread(*, member: Member) -> QuerySet[InboxItem]:
    return InboxItem.objects.filter(recipient=member, read_at__isnull=True)


def inbox_sentence(item: InboxItem) -> str:
    """The item in the reader's language, from its stable kind and data."""
    data = {**item.data, "actor": item.actor.public_name if item.actor else ""}
    sentences = {
        "event.promoted": _("A seat opened up: you are now going to “%(title)s”."),
        "event.reminder_24h": _("Reminder: “%(title)s” starts within a day."),
        "event.reminder_1h": _("Reminder: “%(title)s” starts in an hour."),
        "moderation.auto_hidden": _(
            "Several members reported your content, so it is hidden until a moderator reviews it."
        ),
        "event.changed": _("“%(title)s” has changed: please check the new time and place."),
        "event.cancelled": _("“%(title)s” was cancelled by its organiser."),
        "privacy.export_ready": _("Your data export is ready to download for 7 days."),
        "space.invited": _("%(actor)s invited you to the space “%(space)s”."),
        "space.request_approved": _("You are now a member of “%(space)s”."),
        "space.request_declined": _("Your request to join “%(space)s” was declined."),
        "post.new": _("%(actor)s posted “%(title)s” in %(space)s."),
        "post.mention": _("%(actor)s mentioned you in “%(title)s”."),
        "comment.reply": _("%(actor)s replied to you on “%(title)s”."),
        "question.answered": _("%(actor)s answered your question “%(title)s”."),
        "question.unanswered": _(
            "Your question “%(title)s” has had no answer for 3 days. Adding details (what you tried, "
            "what you expected) helps others answer."
        ),
        "report.received": _("We received your report and will tell you what the moderators decide."),
        "moderation.notice": _(
            "A moderator acted on your content. Reason: %(reason)s Rule: %(rule)s. "
            "You can appeal within six months."
        ),
        "moderation.appeal_decided": _(
            "Your appeal was upheld: the decision has been reversed. Reason: %(reason)s"
        )
        if item.data.get("outcome") == "upheld"
        else _("Your appeal was rejected: the decision stands. Reason: %(reason)s"),
        "moderation.correction": {
            "added": _(
                "The moderation team added a correction note to your post “%(title)s”. You can read it and "
                "reply."
            ),
            "changed": _("The moderation team changed the correction note on your post “%(title)s”."),
            "withdrawn": _("The moderation team withdrew the correction note on your post “%(title)s”."),
        }.get(item.data.get("event"), item.data.get("text", "")),
        "moderation.correction_reply": _("%(actor)s replied to the correction note on “%(title)s”."),
        "report.outcome": _("Your report was upheld: a moderator acted on it. Thank you.")
        if item.data.get("outcome") == "upheld"
        else _("Your report was reviewed; the moderators found no breach of the rules."),
    }
    template = sentences.get(item.kind)
    if template is None:
        return item.data.get("text", item.kind)
    try:
        return template % data
    except (KeyError, TypeError, ValueError):
        return item.kind
