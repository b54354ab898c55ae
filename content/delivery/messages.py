"""What an email says: the subject, headline, excerpt and link of each kind of delivery (a new post, a
reply, a mention, a reminder, a notice, a digest), in the language and timezone that are active when
it is built. None when the thing it announces is gone (deleted, hidden, removed, started)."""

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import BooleanField, Case, Exists, OuterRef, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from content.delivery.digest import DIGEST, email_type_wanted
from content.delivery.models import Category, Delivery, DeliveryStatus, EmailOptOut
from content.delivery.notices import NOTICE
from content.delivery.planner import COMMENT_CREATED, EVENT_PROMOTED, POST_PUBLISHED
from content.delivery.reminders import REMINDER_1H, REMINDER_24H, REMINDER_KINDS
from content.models import (
    RSVP,
    Comment,
    ContentStatus,
    Event,
    MembershipStatus,
    Post,
    RSVPStatus,
    SpaceMembership,
    SpaceVisibility,
)
from content.selectors.inbox import inbox_sentence
from privacy.consents import consent_granted_member_ids


def message_id_for(delivery_id: int) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<delivery-{delivery_id}@{domain}>"


@dataclass
class Content:
    subject: str
    headline: str
    title: str
    excerpt: str
    url: str
    when: datetime | None
    items: list[tuple[str, str]] = field(default_factory=list)  # (sentence, absolute url) in a digest


def message_content(delivery: Delivery, digests: "DigestReads | None" = None) -> Content | None:
    """The message's words, or None when the thing it announces is gone (deleted, hidden, left).
    `digests`: what a dispatch round read for all its digest emails (see `digest_reads`)."""
    mention = delivery.category == Category.MENTIONS or (
        delivery.inbox_item is not None and delivery.inbox_item.kind == "post.mention"
    )
    if delivery.source_kind == POST_PUBLISHED:
        post = Post.objects.select_related("space", "author").filter(pk=delivery.source_id).first()
        if post is None or post.status != ContentStatus.PUBLISHED or post.deleted_at is not None:
            return None
        names = {"actor": post.author.public_name, "title": post.title, "space": post.space.name}
        if mention:
            subject = _("%(actor)s mentioned you in “%(title)s”") % names
        else:
            subject = _("New in %(space)s: %(title)s") % names
        return Content(
            subject=subject,
            headline=subject,
            title=post.title,
            excerpt=Truncator(strip_tags(post.body_html)).chars(400),
            url=reverse("content:post_detail", args=[post.pk]),
            when=post.created_at,
        )
    if delivery.source_kind == COMMENT_CREATED:
        comment = Comment.objects.select_related("post", "author").filter(pk=delivery.source_id).first()
        if (
            comment is None
            or comment.status != ContentStatus.PUBLISHED
            or comment.deleted_at is not None
            or comment.post.status != ContentStatus.PUBLISHED
            or comment.post.deleted_at is not None
        ):
            return None
        names = {"actor": comment.author.public_name, "title": comment.post.title}
        if delivery.inbox_item is not None and delivery.inbox_item.kind == "question.answered":
            subject = _("%(actor)s answered your question “%(title)s”") % names
        elif delivery.category == Category.REPLIES:
            subject = _("%(actor)s replied to you on “%(title)s”") % names
        else:
            subject = _("%(actor)s mentioned you in a comment on “%(title)s”") % names
        return Content(
            subject=subject,
            headline=subject,
            title=comment.post.title,
            excerpt=Truncator(strip_tags(comment.body_html)).chars(400),
            url=reverse("content:post_detail", args=[comment.post_id]) + f"#c{comment.pk}",
            when=comment.created_at,
        )
    if delivery.source_kind == DIGEST:
        return _digest_content(delivery, digests)
    if delivery.source_kind == NOTICE:
        return _notice_content(delivery)
    if delivery.source_kind in REMINDER_KINDS:
        return _reminder_content(delivery)
    if delivery.source_kind == EVENT_PROMOTED:
        rsvp = RSVP.objects.select_related("event").filter(pk=delivery.source_id).first()
        if rsvp is None or rsvp.status != RSVPStatus.GOING or rsvp.event.deleted_at is not None:
            return None
        event = rsvp.event
        subject = _("A seat opened up: you are going to “%(title)s”") % {"title": event.title}
        return Content(
            subject=subject,
            headline=subject,
            title=event.title,
            excerpt="",
            url=reverse("content:event_detail", args=[event.pk]),
            when=event.starts_at,
        )
    return None


def _upcoming_event(event_id: int | None) -> Event | None:
    """The event if it is still ahead and shown: a reminder for anything else is noise."""
    return Event.objects.filter(
        pk=event_id,
        status=ContentStatus.PUBLISHED,
        deleted_at__isnull=True,
        starts_at__gt=timezone.now(),
    ).first()


def _reminder_content(delivery: Delivery) -> Content | None:
    event = _upcoming_event(delivery.source_id)
    if event is None:
        return None
    if delivery.source_kind == REMINDER_1H:
        subject = _("In one hour: “%(title)s”") % {"title": event.title}
    else:
        subject = _("Tomorrow: “%(title)s”") % {"title": event.title}
    place = event.location or event.online_url
    return Content(
        subject=subject,
        headline=subject,
        title=event.title,
        excerpt=place,
        url=reverse("content:event_detail", args=[event.pk]),
        when=event.starts_at,
    )


def _notice_subject(kind: str) -> str:
    subjects = {
        "moderation.notice": _("A moderator acted on your content"),
        "moderation.sanction": _("A moderator restricted your account"),
        "moderation.appeal_decided": _("Your appeal has been decided"),
        "report.received": _("We received your report"),
        "report.outcome": _("The outcome of your report"),
        "privacy.export_ready": _("Your data export is ready"),
        "event.changed": _("An event you are going to has changed"),
        "event.cancelled": _("An event you are going to was cancelled"),
    }
    return subjects.get(kind) or _("A message from %(community)s") % {"community": settings.COMMUNITY_NAME}


def _notice_content(delivery: Delivery) -> Content | None:
    item = delivery.inbox_item
    if item is None:  # the inbox item was deleted (the member cleared it, or the account is going)
        return None
    starts_at = item.data.get("starts_at")  # an event's (new) time, shown in the member's timezone
    return Content(
        subject=_notice_subject(item.kind),
        headline=inbox_sentence(item),
        title=item.data.get("title", ""),
        excerpt=item.data.get("location", ""),
        url=item.url or reverse("content:inbox"),
        when=datetime.fromisoformat(starts_at) if starts_at else None,
    )


def _item_sentence(kind: str, names: dict) -> str:
    if kind == REMINDER_1H:
        return _("“%(title)s” starts in an hour.") % names
    if kind == REMINDER_24H:
        return _("“%(title)s” starts within a day.") % names
    if kind == "post.mention":
        return _("%(actor)s mentioned you in “%(title)s”.") % names
    if kind == "comment.reply":
        return _("%(actor)s replied to you on “%(title)s”.") % names
    if kind == "question.answered":
        return _("%(actor)s answered your question “%(title)s”.") % names
    return _("%(actor)s posted “%(title)s” in %(space)s.") % names


@dataclass
class DigestReads:
    """What the digest emails of a dispatch round need, read for all of them at once (a round's
    digests cost the same handful of queries as one): each digest's items with their inbox items and
    actors, and which of the posts, comments and events they announce may still be sent to whom."""

    digests: set[int] = field(default_factory=set)  # the digests these reads cover
    items: dict[int, list[Delivery]] = field(default_factory=dict)  # digest id -> unread items, by id
    visible_posts: set[tuple[int, object]] = field(default_factory=set)  # (member, post id)
    upcoming_events: set[tuple[int, object]] = field(default_factory=set)  # (member, event id)
    consenting: set[int] = field(default_factory=set)  # marketing consent, asked only when needed
    stopped: set[tuple[int, str]] = field(default_factory=set)  # (member, category) stopped by one click


def digest_reads(digests: list[Delivery], *, stopped: set[tuple[int, str]] | None = None) -> DigestReads:
    """Read what the given digest emails need to be written. Queries, whatever the number of digests:
    the items (with their inbox items, actors and whether a comment is still shown), the posts, the
    events (only when a reminder is among the items), the recipients' memberships of the private
    spaces among them (only when there is one), marketing consent (only when a promotion is among the
    items) and the one-click stops (none when the caller passes the round's `stopped`)."""
    reads = DigestReads(digests={digest.pk for digest in digests})
    if not digests:
        return reads
    recipient_of = {digest.pk: digest.recipient_id for digest in digests}
    comment_shown = Exists(
        Comment.objects.filter(
            pk=OuterRef("source_id"), status=ContentStatus.PUBLISHED, deleted_at__isnull=True
        )
    )
    rows = (
        Delivery.objects.filter(digest_id__in=list(recipient_of))
        .exclude(status=DeliveryStatus.CANCELLED)  # e.g. removed by a moderator since (L20)
        .select_related("inbox_item__actor")
        .annotate(
            comment_shown=Case(
                When(source_kind=COMMENT_CREATED, then=comment_shown),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("id")
    )
    for item in rows:
        if item.inbox_item is not None and item.inbox_item.read_at is None:
            reads.items.setdefault(item.digest_id, []).append(item)
    # S3: still published, and still in a space the reader may be sent (the post may have moved to a
    # private space, or its space become private, since the item was planned): the planner's rule, a
    # space that is not public or members-only reaches its active members only
    wanted_posts: dict[object, set[int]] = {}  # post id -> the members whose digest announces it
    wanted_events: dict[object, set[int]] = {}
    for digest_id, items in reads.items.items():
        for item in items:
            if item.source_kind in REMINDER_KINDS:
                # a reminder rolled into the digest is worth sending only while its event is ahead
                wanted_events.setdefault(item.inbox_item.data.get("event_id"), set()).add(
                    recipient_of[digest_id]
                )
            else:
                wanted_posts.setdefault(item.inbox_item.data.get("post_id"), set()).add(
                    recipient_of[digest_id]
                )
    posts = list(
        Post.objects.filter(
            pk__in=[pk for pk in wanted_posts if pk], status=ContentStatus.PUBLISHED, deleted_at__isnull=True
        ).values_list("pk", "space_id", "space__visibility")
    )
    events = list(
        Event.objects.filter(
            pk__in=[pk for pk in wanted_events if pk],
            status=ContentStatus.PUBLISHED,
            deleted_at__isnull=True,
            starts_at__gt=timezone.now(),
        ).values_list("pk", "space_id", "space__visibility")
    )
    open_to_all = (SpaceVisibility.PUBLIC, SpaceVisibility.MEMBERS)
    closed = {space_id for _pk, space_id, visibility in posts + events if visibility not in open_to_all}
    members = set()
    if closed:
        members = set(
            SpaceMembership.objects.filter(
                space_id__in=[pk for pk in closed if pk is not None],
                member_id__in=set(recipient_of.values()),
                status=MembershipStatus.ACTIVE,
            ).values_list("member_id", "space_id")
        )

    def reachable(rows, wanted, into):
        for pk, space_id, visibility in rows:
            for member_id in wanted.get(pk, ()):
                if visibility in open_to_all or (member_id, space_id) in members:
                    into.add((member_id, pk))

    reachable(posts, wanted_posts, reads.visible_posts)
    reachable(events, wanted_events, reads.upcoming_events)
    # L4/L15: marketing consent asked again now, so a withdrawal after planning still counts
    promoted = {
        recipient_of[digest_id]
        for digest_id, items in reads.items.items()
        if any(item.category == Category.PROMOTIONAL for item in items)
    }
    if promoted:
        reads.consenting = consent_granted_member_ids(member_ids=promoted, purpose="marketing")
    if stopped is None:
        stopped = set(
            EmailOptOut.objects.filter(member_id__in=set(recipient_of.values())).values_list(
                "member_id", "category"
            )
        )
    reads.stopped = stopped
    return reads


def _digest_content(delivery: Delivery, reads: DigestReads | None = None) -> Content | None:
    """The digest's items still worth sending: unread, still visible, promotional only with consent.
    `reads` is what the dispatch round read for all its digests; alone, the digest reads its own."""
    if reads is None or delivery.pk not in reads.digests:
        reads = digest_reads([delivery])
    member = delivery.recipient
    items = reads.items.get(delivery.pk, [])
    if any(item.category == Category.PROMOTIONAL for item in items) and member.pk not in reads.consenting:
        items = [item for item in items if item.category != Category.PROMOTIONAL]
    # a category stopped by one click stays stopped inside the digest too
    items = [item for item in items if (member.pk, item.category) not in reads.stopped]
    # a type the member switched off is left out too (it was cancelled for email, not postponed)
    items = [
        item
        for item in items
        if email_type_wanted(member=member, category=item.category, source_kind=item.source_kind)
    ]
    lines = []
    for item in items:
        inbox = item.inbox_item
        if item.source_kind in REMINDER_KINDS:
            if (member.pk, inbox.data.get("event_id")) not in reads.upcoming_events:
                continue
        elif (member.pk, inbox.data.get("post_id")) not in reads.visible_posts or (
            item.source_kind == COMMENT_CREATED and not item.comment_shown
        ):
            continue
        names = {
            "actor": inbox.actor.public_name if inbox.actor else "",
            "title": inbox.data.get("title", ""),
            "space": inbox.data.get("space", ""),
        }
        lines.append((_item_sentence(inbox.kind, names), settings.SITE_URL + inbox.url))
    if not lines:
        return None
    subject = ngettext("Your digest: %(count)s new item", "Your digest: %(count)s new items", len(lines)) % {
        "count": len(lines)
    }
    return Content(
        subject=subject,
        headline=subject,
        title="",
        excerpt="",
        url=reverse("content:inbox"),
        when=None,
        items=lines,
    )
