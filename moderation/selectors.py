"""Reads for moderation: the reported target as a viewer may see it, the queue, an item and its case file."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from content.exceptions import NotFound
from content.models import Comment, Event, MembershipRole, MembershipStatus, Post, SpaceMembership
from content.selectors.visibility import comments_readable, events_readable, posts_readable
from members.models import Member
from members.selectors import ProfileAccess, member_is_moderator, member_profile_access
from moderation.models import (
    ActionKind,
    Appeal,
    AppealStatus,
    ModerationAction,
    Report,
    ReportOutcome,
    ReviewItem,
    ReviewStatus,
    TargetKind,
)

Viewer = Member | AnonymousUser
Target = Post | Comment | Event | Member


def target_get(*, viewer: Viewer, kind: str, object_id: int) -> Target:
    """The reported thing, if `viewer` may read it; NotFound otherwise (nothing leaks)."""
    if kind == TargetKind.POST:
        queryset = posts_readable(viewer=viewer).select_related("author")
    elif kind == TargetKind.COMMENT:
        queryset = comments_readable(viewer=viewer).select_related("author", "post")
    elif kind == TargetKind.EVENT:
        queryset = events_readable(viewer=viewer).select_related("organiser")
    elif kind == TargetKind.MEMBER:
        member = Member.objects.filter(pk=object_id, is_active=True).first()
        if member is None or member_profile_access(viewer=viewer, member=member) == ProfileAccess.NOT_FOUND:
            raise NotFound()
        return member
    else:
        raise NotFound()
    target = queryset.filter(pk=object_id).first()
    if target is None:
        raise NotFound()
    return target


def target_load(*, kind: str, object_id: int) -> Target | None:
    """The target whatever its status (moderators act on hidden and pending content too)."""
    model = {
        TargetKind.POST: Post,
        TargetKind.COMMENT: Comment,
        TargetKind.EVENT: Event,
        TargetKind.MEMBER: Member,
    }[kind]
    return model.objects.filter(pk=object_id).first()


def moderated_space_ids(*, viewer: Viewer) -> QuerySet:
    return SpaceMembership.objects.filter(
        member_id=viewer.pk, role=MembershipRole.MODERATOR, status=MembershipStatus.ACTIVE
    ).values("space_id")


def can_use_queue(*, viewer: Viewer) -> bool:
    """Site moderators and operators, and members who moderate at least one space."""
    if member_is_moderator(member=viewer):
        return True
    return viewer.is_authenticated and moderated_space_ids(viewer=viewer).exists()


def review_items_visible(*, viewer: Viewer) -> QuerySet[ReviewItem]:
    """Site moderators see every item; a space moderator sees the items of the spaces they moderate."""
    if not viewer.is_authenticated:
        return ReviewItem.objects.none()
    if member_is_moderator(member=viewer):
        return ReviewItem.objects.all()
    return ReviewItem.objects.filter(space_id__in=moderated_space_ids(viewer=viewer))


@dataclass(frozen=True)
class QueueFilters:
    reason: str = ""
    status: str = ""  # "" = open and claimed; "decided" shows the decided ones
    overdue: bool = False
    mine: bool = False


def review_queue(*, viewer: Viewer, filters: QueueFilters | None = None, now: datetime | None = None):
    """Overdue items first (L19: nothing may wait past its clock), then by priority, then by due time."""
    filters = filters or QueueFilters()
    now = now or timezone.now()
    items = review_items_visible(viewer=viewer).select_related("space", "claimed_by", "snapshot_author")
    if filters.status:
        items = items.filter(status=filters.status)
    else:
        items = items.exclude(status=ReviewStatus.DECIDED)
    if filters.reason:
        items = items.filter(reason=filters.reason)
    overdue = Q(due_at__lt=now) | Q(status=ReviewStatus.OPEN, triage_due_at__lt=now)
    if filters.overdue:
        items = items.filter(overdue).exclude(status=ReviewStatus.DECIDED)
    if filters.mine:
        items = items.filter(status=ReviewStatus.CLAIMED, claimed_by_id=viewer.pk, claim_expires_at__gt=now)
    items = items.annotate(
        is_overdue=Case(
            When(Q(overdue) & ~Q(status=ReviewStatus.DECIDED), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    return items.order_by("-is_overdue", "-priority", "due_at", "pk")


def review_item_get(*, viewer: Viewer, pk: int) -> ReviewItem:
    item = review_items_visible(viewer=viewer).select_related("space", "claimed_by", "snapshot_author")
    found = item.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def review_item_reports(*, item: ReviewItem) -> QuerySet[Report]:
    return item.reports.select_related("reporter").order_by("created_at", "pk")


@dataclass
class CaseFile:
    """What a moderator needs to know about the author before deciding."""

    author: Member | None
    actions: list[ModerationAction]
    upheld_reports: int


def author_case_file(*, author: Member | None, limit: int = 20) -> CaseFile:
    if author is None:
        return CaseFile(author=None, actions=[], upheld_reports=0)
    actions = list(
        ModerationAction.objects.filter(target_author=author)
        .select_related("moderator")
        .order_by("-created_at", "-pk")[:limit]
    )
    upheld = Report.objects.filter(
        outcome=ReportOutcome.UPHELD, review_item__snapshot_author=author
    ).aggregate(n=Count("pk"))["n"]
    return CaseFile(author=author, actions=actions, upheld_reports=upheld)


def upheld_reports_counter(*, member_ids: list[int], since: datetime) -> dict[int, int]:
    """For members.trust: reports upheld against each member since `since`, in one query."""
    rows = (
        Report.objects.filter(
            outcome=ReportOutcome.UPHELD,
            decided_at__gte=since,
            review_item__snapshot_author_id__in=member_ids,
        )
        .values("review_item__snapshot_author_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["review_item__snapshot_author_id"]: row["n"] for row in rows}


RESTRICTIVE_ACTIONS = [ActionKind.HIDE, ActionKind.REMOVE, ActionKind.WARN]
# L19: a decision within 15 working days; about 21 calendar days would be the clock, but appeals are
# flagged earlier, after 15 calendar days, so they never drift to the edge.
APPEAL_OVERDUE_AFTER = timedelta(days=15)


def decisions_against(*, member: Viewer) -> QuerySet[ModerationAction]:
    """The restrictive decisions taken against `member`, newest first, each with its appeal (if any)."""
    if not member.is_authenticated:
        return ModerationAction.objects.none()
    return (
        ModerationAction.objects.filter(target_author_id=member.pk, action__in=RESTRICTIVE_ACTIONS)
        .select_related("appeal")
        .order_by("-created_at", "-pk")
    )


def decision_against_get(*, member: Viewer, pk: int) -> ModerationAction:
    found = decisions_against(member=member).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def can_see_appeals(*, viewer: Viewer) -> bool:
    """Site moderators and operators; space moderators do not handle appeals."""
    return member_is_moderator(member=viewer)


def appeals_queue(*, viewer: Viewer, now: datetime | None = None) -> QuerySet[Appeal]:
    """Open appeals first, oldest first; overdue ones (open for more than 15 days) carry is_overdue."""
    if not can_see_appeals(viewer=viewer):
        return Appeal.objects.none()
    now = now or timezone.now()
    return (
        Appeal.objects.select_related("action", "action__moderator", "appellant", "decided_by")
        .annotate(
            is_open=Case(
                When(status=AppealStatus.OPEN, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            is_overdue=Case(
                When(status=AppealStatus.OPEN, created_at__lt=now - APPEAL_OVERDUE_AFTER, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("-is_open", "created_at", "pk")
    )


def appeal_get(*, viewer: Viewer, pk: int) -> Appeal:
    found = appeals_queue(viewer=viewer).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found
