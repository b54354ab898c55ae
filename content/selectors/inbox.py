from django.db.models import QuerySet
from django.utils.translation import gettext as _

from content.models import InboxItem
from members.models import Member


def inbox_items(*, member: Member, limit: int = 50) -> list[InboxItem]:
    items = list(
        InboxItem.objects.filter(recipient=member)
        .select_related("actor")
        .order_by("-created_at", "-pk")[:limit]
    )
    for item in items:
        item.sentence = inbox_sentence(item)
    return items


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
