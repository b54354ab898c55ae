"""What content holds about people, registered with privacy (called from ContentConfig.ready()).

Deleted posts, comments and events: the law (Internet Information Services Measures Art. 14) wants a
record of what was published for at least 60 days after deletion; the schedule keeps it 190 days. At
the end the row is anonymised, not deleted: title, text, place and rendered HTML are emptied and the
edit history (revisions) is deleted, but the row stays so that moderation cases, notifications and
replies that point to it do not break. What remains is the author link, space and times, which live
and die with the account (deleting the account anonymises those too).
"""

import re

from django.utils.html import escape
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


def _deleted_poll_options(cutoff):
    from content.models import PollOption

    return PollOption.objects.filter(poll__post__deleted_at__lt=cutoff).exclude(label="")


def _anonymize_poll_options(ids: list[int]) -> int:
    from content.models import PollOption

    # the option's words go with the post's; its counts stay (they name nobody)
    return PollOption.objects.filter(pk__in=ids).update(label="")


# --- LEGAL L9: what an account deletion does to content ---------------------------------------------


def _mention_pattern(name: str, *, html: bool) -> re.Pattern:
    """`@Name` or `@"Name"` as content/services/mentions.py reads them (any case), in a body or, with
    html=True, in its rendered HTML where the name is escaped."""
    written = re.escape(escape(name) if html else name)
    quote = '(?:&quot;|")' if html else '"'
    ends = r"(?![^\s@\"<>.,;:!?，。！？、；：&])"
    return re.compile(rf"(?<![\w@])@(?:{quote}{written}{quote}|{written}{ends})", re.IGNORECASE)


def _replace_mentions(*, member_id: int, name: str) -> tuple[set[int], set[int]]:
    """Other members' posts and comments that mention the member: "@Name" becomes "@Deleted member" in
    the language of the text's author, in the body, the rendered HTML (the link to the profile goes) and
    the earlier versions. Returns the (post ids, comment ids) changed, for the search index."""
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import gettext

    from content.models import Comment, CommentRevision, Mention, Post, PostRevision

    mentions = Mention.objects.filter(member_id=member_id)
    post_ids = set(mentions.filter(comment__isnull=True).values_list("post_id", flat=True))
    comment_ids = set(mentions.filter(comment__isnull=False).values_list("comment_id", flat=True))
    if not name:
        return set(), set()
    in_text = _mention_pattern(name, html=False)
    in_html = _mention_pattern(name, html=True)
    url = reverse("members:profile", args=[member_id])
    link = re.compile(rf'<a class="mention" href="{re.escape(url)}">[^<]*</a>')

    def label_for(language: str) -> str:
        with translation.override(language or None):
            return gettext("Deleted member")

    def text(value: str, label: str) -> str:
        return in_text.sub(lambda _m: f"@{label}", value)

    def html(value: str, label: str) -> str:
        value = link.sub(lambda _m: f"@{escape(label)}", value)
        return in_html.sub(lambda _m: f"@{escape(label)}", value)

    for post in (
        Post.objects.filter(pk__in=post_ids)
        .select_related("author")
        .only("pk", "body", "body_html", "author__language")
    ):
        label = label_for(post.author.language)
        Post.objects.filter(pk=post.pk).update(
            body=text(post.body, label), body_html=html(post.body_html, label)
        )
        for revision in PostRevision.objects.filter(post_id=post.pk).only("pk", "body"):
            PostRevision.objects.filter(pk=revision.pk).update(body=text(revision.body, label))
    for comment in (
        Comment.objects.filter(pk__in=comment_ids)
        .select_related("author")
        .only("pk", "body", "body_html", "author__language")
    ):
        label = label_for(comment.author.language)
        Comment.objects.filter(pk=comment.pk).update(
            body=text(comment.body, label), body_html=html(comment.body_html, label)
        )
        for revision in CommentRevision.objects.filter(comment_id=comment.pk).only("pk", "body"):
            CommentRevision.objects.filter(pk=revision.pk).update(body=text(revision.body, label))
    return post_ids, comment_ids


def _free_seats(*, member_id: int) -> int:
    """Upcoming events the member was going to or waiting for: the seat goes to the next on the
    waitlist. Not through rsvp_set: its checks (may this member take part?) do not apply to an account
    that is going away, and its seat must be freed whatever the account's standing."""
    from django.utils import timezone

    from content.models import RSVP, Event, RSVPStatus
    from content.services.events import _promote_from_waitlist

    freed = 0
    upcoming = RSVP.objects.filter(
        member_id=member_id,
        status__in=[RSVPStatus.GOING, RSVPStatus.WAITLISTED],
        event__starts_at__gt=timezone.now(),
    )
    for rsvp_id, event_id in upcoming.values_list("pk", "event_id"):
        locked = Event.objects.select_for_update().get(pk=event_id)
        rsvp = RSVP.objects.filter(pk=rsvp_id).first()
        if rsvp is None:
            continue
        if rsvp.status == RSVPStatus.GOING:
            locked.going_count -= 1
        elif rsvp.status == RSVPStatus.WAITLISTED:
            locked.waitlist_count -= 1
        rsvp.delete()
        _promote_from_waitlist(locked)
        locked.save(update_fields=["going_count", "waitlist_count"])
        freed += 1
    return freed


def erase_content(*, member_id: int) -> int:
    """LEGAL L9: the member's posts, comments and events stay, anonymised: their author is the account's
    tombstone, shown as "Deleted member" (members blanks the name after this runs). Mentions of the
    member in other members' text become "@Deleted member". Deleted: RSVPs (upcoming seats go to the
    waitlist), memberships (space counts kept right), reactions (counts kept right), the inbox,
    deliveries, email opt-outs and the calendar feed token. Records of deleted posts and comments stay
    under their legal floor; retention empties them. Idempotent."""
    from django.db import transaction
    from django.db.models import F

    from content.delivery.models import Delivery, EmailOptOut
    from content.models import (
        RSVP,
        CalendarToken,
        Comment,
        InboxItem,
        Mention,
        Post,
        Reaction,
        SpaceMembership,
    )
    from content.search import search_index_touch
    from content.services.spaces import space_leave
    from members.models import Member

    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        return 0
    affected = _free_seats(member_id=member_id)
    affected += RSVP.objects.filter(member_id=member_id).delete()[0]
    for membership in SpaceMembership.objects.filter(member_id=member_id).select_related("space"):
        affected += space_leave(space=membership.space, member=member)
    for target, model in (("post", Post), ("comment", Comment)):
        target_ids = list(
            Reaction.objects.filter(member_id=member_id, **{f"{target}__isnull": False}).values_list(
                f"{target}_id", flat=True
            )
        )
        # One reaction per member and target, so each target loses exactly one.
        model.objects.filter(pk__in=target_ids, reaction_count__gt=0).update(
            reaction_count=F("reaction_count") - 1
        )
    affected += Reaction.objects.filter(member_id=member_id).delete()[0]
    post_ids, comment_ids = _replace_mentions(member_id=member_id, name=member.display_name)
    affected += Mention.objects.filter(member_id=member_id).delete()[0]
    affected += Delivery.objects.filter(recipient_id=member_id).delete()[0]
    affected += InboxItem.objects.filter(recipient_id=member_id).delete()[0]
    affected += EmailOptOut.objects.filter(member_id=member_id).delete()[0]
    affected += CalendarToken.objects.filter(member_id=member_id).delete()[0]
    affected += erase_poll_votes(member_id=member_id)
    affected += erase_correction_replies(member_id=member_id)
    if post_ids or comment_ids:
        transaction.on_commit(lambda: search_index_touch(post_ids=post_ids, comment_ids=comment_ids))
    return affected


def erase_poll_votes(*, member_id: int) -> int:
    """LEGAL L9: the member's votes in public polls are deleted (the counts follow); their anonymous
    ballots, which name nobody, are re-keyed at random so that not even the server can link them to the
    account any more. Idempotent."""
    from content.services.polls import poll_votes_erase

    return poll_votes_erase(member_id=member_id)


def erase_correction_replies(*, member_id: int) -> int:
    """LEGAL L9: what the member wrote to the moderation team about a correction note on their post
    goes. The note itself is the team's text and stays with the post. Idempotent."""
    from content.models import CorrectionReply

    return CorrectionReply.objects.filter(author_id=member_id).delete()[0]


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
POLL_VOTE_COLUMNS = ("post_id", "option", "voted_at")
POLL_OPTION_COLUMNS = ("post_id", "position", "label", "vote_count")


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
    yield from export_polls(member_id=member_id)
    yield from export_corrections(member_id=member_id)


CORRECTION_REPLY_COLUMNS = ("post_id", "note_id", "text", "created_at")
CORRECTION_NOTE_COLUMNS = ("post_id", "text", "sources", "created_at", "updated_at", "withdrawn_at")


def export_corrections(*, member_id: int):
    """LEGAL L7: the member's replies to correction notes, and the notes the moderation team put on
    their posts (without the moderator's name: readers and authors see "the moderation team")."""
    from content.models import CorrectionNote, CorrectionReply

    yield ExportSection(
        "correction_replies",
        _stream(
            CorrectionReply.objects.filter(author_id=member_id),
            ("note__post_id", "note_id", "text", "created_at"),
            lambda row: {"post_id": row.pop("note__post_id"), **row},
        ),
        CORRECTION_REPLY_COLUMNS,
        _("Your replies to correction notes on your posts"),
    )
    yield ExportSection(
        "correction_notes",
        _stream(
            CorrectionNote.objects.filter(post__author_id=member_id),
            CORRECTION_NOTE_COLUMNS,
            lambda row: {**row, "sources": " ".join(row["sources"] or [])},
        ),
        CORRECTION_NOTE_COLUMNS,
        _("Correction notes the moderation team added to your posts"),
    )


def export_polls(*, member_id: int):
    """LEGAL L7: the member's votes in public polls, and the polls on their own posts. Votes in
    anonymous polls are linked to nobody, so there is nothing of theirs to export."""
    from content.models import PollChoice, PollOption

    def rename(row):
        return {
            "post_id": row["vote__poll__post_id"],
            "option": row["option__label"],
            "voted_at": row["vote__voted_at"],
        }

    yield ExportSection(
        "poll_votes",
        _stream(
            PollChoice.objects.filter(vote__member_id=member_id, vote__poll__is_anonymous=False),
            ("vote__poll__post_id", "option__label", "vote__voted_at"),
            rename,
        ),
        POLL_VOTE_COLUMNS,
        _("Your votes in public polls (votes in anonymous polls are linked to nobody)"),
    )
    yield ExportSection(
        "poll_options",
        _stream(
            PollOption.objects.filter(poll__post__author_id=member_id),
            ("poll__post_id", "position", "label", "vote_count"),
            lambda row: {"post_id": row.pop("poll__post_id"), **row},
        ),
        POLL_OPTION_COLUMNS,
        _("The polls on your posts: their options and how many votes each has"),
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
            erase=erase_content,
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
            erase=erase_content,
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
            erase=erase_content,
        )
    # Polls. A public poll's ballot names its member: personal data, exported and erased. An anonymous
    # ballot's key is a one-way HMAC made with the server's secret key (content/models/polls.py): no
    # member id, no time, a random primary key; erasure re-keys it at random.
    register_personal_data(
        app_label="content",
        model="PollVote",
        fields=["member", "voted_at"],
        category="deleted_accounts",
        purpose=_("Counting your vote in polls that show who voted for what"),
        export=export_content,
        erase=erase_content,
    )
    register_personal_data(
        app_label="content",
        model="PollChoice",
        fields=["vote", "option"],
        category="deleted_accounts",
        purpose=_("Counting your vote in polls that show who voted for what"),
        export=export_content,
        erase=erase_content,
    )
    register_personal_data(
        app_label="content",
        model="PollOption",
        fields=["label"],
        category="deleted_content_records",
        purpose=WRITTEN,
        export=export_content,
        erase=erase_content,
    )
    # Correction notes (issue 10): a reply is what the post's author wrote to the moderation team; it
    # goes with the account. The note is the team's text; who added it is a staff link, as in the audit
    # log.
    register_personal_data(
        app_label="content",
        model="CorrectionReply",
        fields=["author", "text", "created_at"],
        category="deleted_accounts",
        purpose=_("Letting you answer a correction note on your post"),
        export=export_content,
        erase=erase_content,
    )
    register_personal_data(
        app_label="content",
        model="CorrectionNote",
        fields=["added_by", "created_at"],
        category="moderation_records",
        purpose=_("Correcting inaccurate posts in the open, and proving who did it and when"),
        export=export_content,
    )
    register_not_personal(
        app_label="content",
        model="PollVote",
        fields=["voter_key"],
        reason=(
            "an anonymous poll's ballot: a one-way HMAC of (poll, member) keyed with the server's secret, "
            "which is not in the database; it only makes one vote per member possible. The ballot has no "
            "member link, no time and a random id; an account deletion re-keys it at random"
        ),
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
        category="deleted_content_records",
        name="content.poll_options",
        expired=_deleted_poll_options,
        anonymize=_anonymize_poll_options,
        member_field="poll__post__author",
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
