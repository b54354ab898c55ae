"""Turning an outbox row into deliveries: one per recipient and channel, in bounded batches."""

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.urls import reverse
from django.utils import timezone

from content.delivery.models import Category, Channel, Delivery, DeliveryStatus, Outbox
from content.delivery.reminders import REMINDER_1H, REMINDER_24H, REMINDER_KINDS
from content.models import (
    RSVP,
    Comment,
    ContentStatus,
    Event,
    InboxItem,
    MembershipStatus,
    Mention,
    NotificationLevel,
    Post,
    PostKind,
    RSVPStatus,
    SpaceMembership,
    SpaceVisibility,
)
from members.models import Block, Member, Mute
from privacy.consents import consent_granted_member_ids

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
PROMOTIONAL_EVERY = timedelta(days=7)
# the reasons a promotional message is not queued for a member, recorded so operators can count them
NO_MARKETING_CONSENT = "no marketing consent"
ONE_PROMOTION_A_WEEK = "one promotional message a week"

POST_PUBLISHED = "post.published"
COMMENT_CREATED = "comment.created"
EVENT_PROMOTED = "event.promoted"


class Pool(NamedTuple):
    """Where possible recipients come from: a queryset and the field holding their member id."""

    queryset: QuerySet
    member_field: str


@dataclass
class Source:
    """What is being delivered and to whom it may go: the pools list who might hear of it, `candidates`
    annotates them and leaves out the author, blocks, mutes and inactive accounts."""

    kind: str
    object_id: int
    author_id: int | None
    pools: list[Pool]
    candidates: QuerySet[Member]
    url: str
    data: dict
    promotional: bool = False
    reply_to_ids: set[int] = field(default_factory=set)

    def next_ids(self, *, after: int, size: int) -> list[int]:
        """The next `size` member ids after `after` from all pools, in order. Each pool is read by its
        index from `after` on, so a batch costs the same at the end of a 100k-member space as at its
        start (a batch that filtered the members by `pk IN (every member of the space)` hashed the
        whole space each time: found by `make bench` P3)."""
        ids: set[int] = set()
        for pool in self.pools:
            # distinct: a pool with repeated ids would otherwise give a short batch and end the walk
            ids.update(
                pool.queryset.filter(**{f"{pool.member_field}__gt": after})
                .order_by(pool.member_field)
                .values_list(pool.member_field, flat=True)
                .distinct()[:size]
            )
        return sorted(ids)[:size]


class Recipient(NamedTuple):
    """What planning needs to know of a member: a tuple, not a model instance (thousands per batch)."""

    pk: int
    level: str | None
    mentioned: bool


def _membership_level(space_id: int) -> Subquery:
    return Subquery(
        SpaceMembership.objects.filter(
            space_id=space_id, member_id=OuterRef("pk"), status=MembershipStatus.ACTIVE
        ).values("notification_level")[:1]
    )


def _reachable(queryset: QuerySet[Member], *, author_id: int, private: bool) -> QuerySet[Member]:
    queryset = (
        queryset.filter(is_active=True)
        .exclude(suspended_until__gt=timezone.now())  # a suspended member only reads (L20)
        .exclude(pk=author_id)
        # members who blocked or muted the author hear nothing from them
        .exclude(pk__in=Block.objects.filter(blocked_id=author_id).values("blocker_id"))
        .exclude(pk__in=Mute.objects.filter(muted_id=author_id).values("muter_id"))
    )
    if private:  # a private space's content reaches only its members, mentioned or not
        queryset = queryset.filter(level__isnull=False)
    return queryset


def _post_source(row: Outbox) -> Source | None:
    post = Post.objects.select_related("space", "author").filter(pk=row.object_id).first()
    if post is None or post.status != ContentStatus.PUBLISHED or post.deleted_at is not None:
        return None
    space = post.space
    members_of_space = SpaceMembership.objects.filter(
        space_id=space.pk,
        status=MembershipStatus.ACTIVE,
        notification_level__in=[NotificationLevel.ALL, NotificationLevel.DIGEST],
    )
    mentions = Mention.objects.filter(post_id=post.pk, comment__isnull=True)
    candidates = Member.objects.annotate(
        level=_membership_level(space.pk),
        mentioned=Exists(mentions.filter(member_id=OuterRef("pk"))),
    )
    return Source(
        kind=row.kind,
        object_id=row.object_id,
        author_id=post.author_id,
        pools=[Pool(members_of_space, "member_id"), Pool(mentions, "member_id")],
        candidates=_reachable(
            candidates, author_id=post.author_id, private=space.visibility == SpaceVisibility.PRIVATE
        ),
        url=reverse("content:post_detail", args=[post.pk]),
        data={"post_id": post.pk, "title": post.title, "space": space.name},
        promotional=post.is_promotional,
    )


def _comment_source(row: Outbox) -> Source | None:
    comment = Comment.objects.select_related("post__space", "parent").filter(pk=row.object_id).first()
    if comment is None or comment.status != ContentStatus.PUBLISHED or comment.deleted_at is not None:
        return None
    post = comment.post
    if post.status != ContentStatus.PUBLISHED or post.deleted_at is not None:
        return None
    reply_to_ids = {post.author_id}
    if comment.parent is not None:
        reply_to_ids.add(comment.parent.author_id)
    mentions = Mention.objects.filter(comment_id=comment.pk)
    candidates = Member.objects.annotate(
        level=_membership_level(post.space_id),
        mentioned=Exists(mentions.filter(member_id=OuterRef("pk"))),
    )
    return Source(
        kind=row.kind,
        object_id=row.object_id,
        author_id=comment.author_id,
        pools=[Pool(Member.objects.filter(pk__in=reply_to_ids), "pk"), Pool(mentions, "member_id")],
        candidates=_reachable(
            candidates,
            author_id=comment.author_id,
            private=post.space.visibility == SpaceVisibility.PRIVATE,
        ),
        url=reverse("content:post_detail", args=[post.pk]) + f"#c{comment.pk}",
        data={
            "post_id": post.pk,
            "comment_id": comment.pk,
            "title": post.title,
            "space": post.space.name,
            # the asker hears "answered your question" rather than "replied to you"
            "asker_id": post.author_id if post.kind == PostKind.QUESTION else None,
        },
        reply_to_ids=reply_to_ids,
    )


def _event_promoted_source(row: Outbox) -> Source | None:
    rsvp = RSVP.objects.select_related("event").filter(pk=row.object_id).first()
    if rsvp is None:
        return None
    event = rsvp.event
    return Source(
        kind=row.kind,
        object_id=row.object_id,
        author_id=None,
        pools=[Pool(RSVP.objects.filter(pk=rsvp.pk), "member_id")],
        candidates=Member.objects.filter(is_active=True).annotate(
            level=_membership_level(event.space_id), mentioned=Value(False)
        ),
        url=reverse("content:event_detail", args=[event.pk]),
        data={"event_id": event.pk, "title": event.title, "starts_at": event.starts_at.isoformat()},
    )


def _event_reminder_source(row: Outbox) -> Source | None:
    """The members going to an event that is still ahead; nothing once it has started or gone."""
    event = Event.objects.filter(pk=row.object_id).first()
    if (
        event is None
        or event.status != ContentStatus.PUBLISHED
        or event.deleted_at is not None
        or event.starts_at <= timezone.now()
    ):
        return None
    going = RSVP.objects.filter(event_id=event.pk, status=RSVPStatus.GOING)
    return Source(
        kind=row.kind,
        object_id=row.object_id,
        author_id=None,
        pools=[Pool(going, "member_id")],
        candidates=Member.objects.filter(is_active=True)
        .exclude(suspended_until__gt=timezone.now())
        .annotate(level=_membership_level(event.space_id), mentioned=Value(False)),
        url=reverse("content:event_detail", args=[event.pk]),
        data={"event_id": event.pk, "title": event.title, "starts_at": event.starts_at.isoformat()},
    )


SOURCES = {
    POST_PUBLISHED: _post_source,
    COMMENT_CREATED: _comment_source,
    EVENT_PROMOTED: _event_promoted_source,
    REMINDER_24H: _event_reminder_source,
    REMINDER_1H: _event_reminder_source,
}


def _channels(source: Source, member: Recipient) -> tuple[str | None, list[tuple[str, str]]]:
    """The inbox kind (None: no new inbox item) and the (channel, category) pairs for one member."""
    if source.kind == EVENT_PROMOTED:
        # the event service already wrote the inbox item; this is the transactional email beside it
        return None, [(Channel.EMAIL, Category.TRANSACTIONAL)]
    if source.kind in REMINDER_KINDS:
        return source.kind, [(Channel.EMAIL, Category.REMINDERS)]
    if source.kind == COMMENT_CREATED:
        if member.pk in source.reply_to_ids:
            if member.pk == source.data.get("asker_id"):
                return "question.answered", [(Channel.EMAIL, Category.REPLIES)]
            return "comment.reply", [(Channel.EMAIL, Category.REPLIES)]
        return "post.mention", [(Channel.EMAIL, Category.MENTIONS)]
    promotional = Category.PROMOTIONAL if source.promotional else None
    if member.mentioned:
        return "post.mention", [(Channel.EMAIL, promotional or Category.MENTIONS)]
    if member.level == NotificationLevel.ALL:
        return "post.new", [(Channel.EMAIL, promotional or Category.POSTS)]
    return "post.new", [(Channel.DIGEST, promotional or Category.POSTS)]


def _promotion_refusals(source: Source, member_ids: list[int]) -> dict[int, str]:
    """L13: a promotional message goes only to members with a current marketing consent, and to each at
    most once in 7 days across the site (inbox or email). The others get nothing queued. Two queries
    per batch.

    A promotion counts from when it was planned and, when it reached the member in a digest (held
    back by the budget, or a digest reader's), from when that digest was sent: the week runs from the
    day the member got it (found by `make simulate`)."""
    if not source.promotional:
        return {}
    consenting = consent_granted_member_ids(member_ids=member_ids, purpose="marketing")
    week_ago = timezone.now() - PROMOTIONAL_EVERY
    recent = set(
        Delivery.objects.filter(
            Q(created_at__gte=week_ago) | Q(digest__sent_at__gte=week_ago),
            recipient_id__in=member_ids,
            category=Category.PROMOTIONAL,
        )
        .exclude(status=DeliveryStatus.CANCELLED)
        .exclude(source_kind=source.kind, source_id=source.object_id)
        .values_list("recipient_id", flat=True)
    )
    refusals = {}
    for member_id in member_ids:
        if member_id not in consenting:
            refusals[member_id] = NO_MARKETING_CONSENT
        elif member_id in recent:
            refusals[member_id] = ONE_PROMOTION_A_WEEK
    return refusals


@dataclass
class Plan:
    """The rows of one batch: (recipient, inbox kind) and (recipient, channel, category, status, reason)."""

    items: list[tuple[int, str]] = field(default_factory=list)
    deliveries: list[tuple[int, str, str, str, str]] = field(default_factory=list)


def _plan_rows(source: Source, recipients: list[Recipient], existing: set, refusals: dict) -> Plan:
    plan = Plan()
    for member in recipients:
        if member.pk in refusals:
            # the record of a promotion not queued: no inbox item, no email, a row operators can count
            if (member.pk, Channel.EMAIL) not in existing:
                plan.deliveries.append(
                    (
                        member.pk,
                        Channel.EMAIL,
                        Category.PROMOTIONAL,
                        DeliveryStatus.CANCELLED,
                        refusals[member.pk],
                    )
                )
            continue
        inbox_kind, channels = _channels(source, member)
        if inbox_kind and (member.pk, Channel.INBOX) not in existing:
            plan.items.append((member.pk, inbox_kind))
            # in-app news is delivered by existing; email and digest wait for the dispatcher
            plan.deliveries.append((member.pk, Channel.INBOX, channels[0][1], DeliveryStatus.SENT, ""))
        for channel, category in channels:
            if (member.pk, channel) not in existing:
                plan.deliveries.append((member.pk, channel, category, DeliveryStatus.PENDING, ""))
    return plan


INSERT_ITEMS = """
INSERT INTO {table} (recipient_id, kind, actor_id, url, data, created_at)
SELECT recipient, kind, %s, %s, %s::jsonb, %s FROM unnest(%s::bigint[], %s::text[]) AS t(recipient, kind)
RETURNING recipient_id, id
"""
INSERT_DELIVERIES = """
INSERT INTO {table} (source_kind, source_id, recipient_id, channel, category, status, inbox_item_id,
    due_at, sent_at, attempts, message_id, reason, created_at)
SELECT %s, %s, recipient, channel, category, status, item, %s, CASE WHEN status = 'sent' THEN %s END,
    0, '', reason, %s
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::bigint[], %s::text[])
    AS t(recipient, channel, category, status, item, reason)
ON CONFLICT DO NOTHING
"""


def _write_postgresql(source: Source, plan: Plan, now) -> None:
    """Two statements whatever the batch size, with the rows passed as arrays: no model instance and no
    per-row parameter is built in Python (the planner's cost was mostly that)."""
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT_ITEMS.format(table=InboxItem._meta.db_table),
            [
                source.author_id,
                source.url,
                json.dumps(source.data, cls=DjangoJSONEncoder),
                now,
                [recipient for recipient, _kind in plan.items],
                [kind for _recipient, kind in plan.items],
            ],
        )
        item_of = dict(cursor.fetchall())
        rows = plan.deliveries
        cursor.execute(
            INSERT_DELIVERIES.format(table=Delivery._meta.db_table),
            [
                source.kind,
                source.object_id,
                now,
                now,
                now,
                [row[0] for row in rows],
                [row[1] for row in rows],
                [row[2] for row in rows],
                [row[3] for row in rows],
                [item_of.get(row[0]) if row[3] != DeliveryStatus.CANCELLED else None for row in rows],
                [row[4] for row in rows],
            ],
        )


def _write_orm(source: Source, plan: Plan, now) -> None:
    """The same rows through the ORM, for SQLite (the embedded `make run`)."""
    items = InboxItem.objects.bulk_create(
        [
            InboxItem(
                recipient_id=recipient, kind=kind, actor_id=source.author_id, url=source.url, data=source.data
            )
            for recipient, kind in plan.items
        ]
    )
    item_of = {item.recipient_id: item.pk for item in items}
    Delivery.objects.bulk_create(
        [
            Delivery(
                source_kind=source.kind,
                source_id=source.object_id,
                recipient_id=recipient,
                channel=channel,
                category=category,
                status=status,
                reason=reason,
                sent_at=now if status == DeliveryStatus.SENT else None,
                inbox_item_id=item_of.get(recipient) if status != DeliveryStatus.CANCELLED else None,
                due_at=now,
            )
            for recipient, channel, category, status, reason in plan.deliveries
        ],
        ignore_conflicts=True,
    )


def _plan_batch(source: Source, recipients: list[Recipient], *, writer=None) -> int:
    now = timezone.now()
    member_ids = [m.pk for m in recipients]
    # a range, not IN: the unique index then reads only this batch's rows of the source, not every row
    # earlier batches wrote
    existing = set(
        Delivery.objects.filter(
            source_kind=source.kind,
            source_id=source.object_id,
            recipient_id__gte=member_ids[0],
            recipient_id__lte=member_ids[-1],
        ).values_list("recipient_id", "channel")
    )
    plan = _plan_rows(source, recipients, existing, _promotion_refusals(source, member_ids))
    if writer is None:
        writer = _write_postgresql if connection.vendor == "postgresql" else _write_orm
    if plan.deliveries:
        writer(source, plan, now)
    return sum(1 for row in plan.deliveries if row[1] == Channel.EMAIL and row[3] == DeliveryStatus.PENDING)


def deliveries_plan(*, outbox_id: int, batch_size: int = BATCH_SIZE, writer=None) -> int:
    """Create the deliveries of one outbox row; returns how many emails were planned. Running it again,
    or twice at once, creates nothing new: each batch holds the outbox row's lock while it checks what
    exists, and the unique key catches anything else."""
    row = Outbox.objects.filter(pk=outbox_id).first()
    if row is None:
        logger.info("content.delivery.plan_missing outbox=%s", outbox_id)
        return 0
    if row.planned_at is not None:
        return 0
    loader = SOURCES.get(row.kind)
    source = loader(row) if loader else None
    emails = 0
    if source is not None:
        last_id = 0
        while True:
            with transaction.atomic():
                list(Outbox.objects.select_for_update().filter(pk=row.pk).values_list("pk", flat=True))
                ids = source.next_ids(after=last_id, size=batch_size)
                batch = [
                    Recipient(*row)
                    for row in source.candidates.filter(pk__in=ids)
                    .order_by("pk")
                    .values_list("pk", "level", "mentioned")
                ]
                if batch:
                    emails += _plan_batch(source, batch, writer=writer)
            if len(ids) < batch_size:
                break
            last_id = ids[-1]
    Outbox.objects.filter(pk=row.pk, planned_at__isnull=True).update(planned_at=timezone.now())
    logger.info("content.delivery.planned outbox=%s kind=%s emails=%s", row.pk, row.kind, emails)
    return emails
