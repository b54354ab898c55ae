"""Reads for moderation: the reported target as a viewer may see it, the queue, an item and its case file."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When, Window
from django.utils import timezone

from content.exceptions import NotFound
from content.models import (
    Comment,
    ContentStatus,
    CorrectionNote,
    Event,
    MembershipRole,
    MembershipStatus,
    Post,
    SpaceMembership,
)
from content.selectors.visibility import comments_readable, events_readable, posts_readable
from members.models import Member
from members.selectors import ProfileAccess, member_is_moderator, member_profile_access
from members.standing import Standing, member_standing
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
    strikes: int = 0
    standing: Standing | None = None  # a suspension or posting limit in force (a ban: author.banned_at)
    # issue 10: correction notes on the author's posts (the latest, and how many in all). They count
    # against nothing: no strike, no trust level, no standing.
    corrections: list[CorrectionNote] = field(default_factory=list)
    correction_count: int = 0


STRIKE_PERIOD = timedelta(days=365)


def author_case_file(*, author: Member | None, limit: int = 20, now: datetime | None = None) -> CaseFile:
    """Four queries whatever the history: the latest actions (a sweep's removals folded into its
    ban, counted as `swept_count`; correction notes are listed on their own), the upheld reports, the
    strikes and the correction notes."""
    if author is None:
        return CaseFile(author=None, actions=[], upheld_reports=0)
    actions = list(
        ModerationAction.objects.filter(target_author=author, sweep__isnull=True)
        .exclude(code__startswith=CORRECTION_CODE_PREFIX)
        .select_related("moderator")
        .annotate(swept_count=Count("swept"))
        .order_by("-created_at", "-pk")[:limit]
    )
    upheld = Report.objects.filter(
        outcome=ReportOutcome.UPHELD, review_item__snapshot_author=author
    ).aggregate(n=Count("pk"))["n"]
    return CaseFile(
        author=author,
        actions=actions,
        upheld_reports=upheld,
        strikes=author_strikes(author=author, now=now),
        standing=member_standing(member=author, now=now),
        **author_corrections(author=author, limit=limit),
    )


# the audit codes of correction notes (moderation/corrections.py): records, not measures
CORRECTION_CODE_PREFIX = "moderation.post.correction_"


def author_corrections(*, author: Member, limit: int = 20) -> dict:
    """The latest correction notes on the author's posts with their post titles, and how many there
    are in all, in one query (the total is a window count over the same rows)."""
    notes = list(
        CorrectionNote.objects.filter(post__author=author)
        .select_related("post")
        .only("pk", "created_at", "withdrawn_at", "post_id", "post__title", "post__deleted_at")
        .annotate(total=Window(Count("pk")))
        .order_by("-created_at", "-pk")[:limit]
    )
    return {"corrections": notes, "correction_count": notes[0].total if notes else 0}


def author_strikes(*, author: Member, now: datetime | None = None) -> int:
    """Restrictive decisions against the member in the last year that still stand: an appeal upheld
    takes its strike away, and a sweep counts once (its ban), not once per removed post."""
    since = (now or timezone.now()) - STRIKE_PERIOD
    return (
        ModerationAction.objects.filter(
            target_author=author, action__in=RESTRICTIVE_ACTIONS, created_at__gte=since, sweep__isnull=True
        )
        .exclude(appeal__status=AppealStatus.UPHELD)
        .exclude(code__startswith=IP_NOTICE_CODES)
        .count()
    )


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


# L22: hiding content on an IP notice is not a moderator's finding against the author (no strike, no
# appeal: the counter-notice is their answer); a moderator's later decision on the item is.
IP_NOTICE_CODES = "moderation.ip_notice."

RESTRICTIVE_ACTIONS = [
    ActionKind.HIDE,
    ActionKind.REMOVE,
    ActionKind.WARN,
    ActionKind.LIMIT,
    ActionKind.SUSPEND,
    ActionKind.BAN,
]
# L19: a decision within 15 working days; about 21 calendar days would be the clock, but appeals are
# flagged earlier, after 15 calendar days, so they never drift to the edge.
APPEAL_OVERDUE_AFTER = timedelta(days=15)


def decisions_against(*, member: Viewer) -> QuerySet[ModerationAction]:
    """The restrictive decisions taken against `member`, newest first, each with its appeal (if any).
    A sweep's removals are listed as part of its ban (`swept_count`), appealed with it."""
    if not member.is_authenticated:
        return ModerationAction.objects.none()
    return (
        ModerationAction.objects.filter(
            target_author_id=member.pk, action__in=RESTRICTIVE_ACTIONS, sweep__isnull=True
        )
        .exclude(code__startswith=IP_NOTICE_CODES)
        .select_related("appeal")
        .annotate(swept_count=Count("swept"))
        .order_by("-created_at", "-pk")
    )


def decision_against_get(*, member: Viewer, pk: int) -> ModerationAction:
    found = decisions_against(member=member).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def can_see_appeals(*, viewer: Viewer) -> bool:
    """Site moderators and operators; a space moderator once there is an appeal about content in a
    space they moderate (one query for them, none for site moderators)."""
    if member_is_moderator(member=viewer):
        return True
    return viewer.is_authenticated and appeals_visible(viewer=viewer).exists()


# Sanctions reach the whole site: their appeals stay with site moderators.
SITE_WIDE_ACTIONS = [ActionKind.LIMIT, ActionKind.SUSPEND, ActionKind.BAN]


def appeals_visible(*, viewer: Viewer) -> QuerySet[Appeal]:
    """Every appeal for a site moderator; for a space moderator, the appeals of decisions on content in
    the spaces they moderate (not of account sanctions)."""
    if not viewer.is_authenticated:
        return Appeal.objects.none()
    if member_is_moderator(member=viewer):
        return Appeal.objects.all()
    return Appeal.objects.filter(
        action__review_item__space_id__in=moderated_space_ids(viewer=viewer)
    ).exclude(action__action__in=SITE_WIDE_ACTIONS)


def appeals_queue(*, viewer: Viewer, now: datetime | None = None) -> QuerySet[Appeal]:
    """Open appeals first, oldest first; overdue ones (open for more than 15 days) carry is_overdue."""
    if not can_see_appeals(viewer=viewer):
        return Appeal.objects.none()
    now = now or timezone.now()
    return (
        appeals_visible(viewer=viewer)
        .select_related("action", "action__moderator", "action__review_item", "appellant", "decided_by")
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


SWEEP_DAYS_DEFAULT = 7
SWEEP_DAYS_MAX = 90


@dataclass
class SweepPlan:
    """What "remove all recent content of this account and ban" would remove: ids of the author's
    posts, comments and events created since `since` and not removed yet, plus the item's own target."""

    author: Member
    days: int
    since: datetime
    posts: list[int]
    comments: list[int]
    events: list[int]

    @property
    def total(self) -> int:
        return len(self.posts) + len(self.comments) + len(self.events)


def sweep_plan(*, item: ReviewItem, days: int, now: datetime | None = None) -> SweepPlan:
    """Three queries (posts, comments, events), whatever their number."""
    author = item.snapshot_author
    since = (now or timezone.now()) - timedelta(days=days)

    def ids(model, author_field: str, own_kind: str) -> list[int]:
        recent = Q(created_at__gte=since)
        if item.kind == own_kind:
            recent |= Q(pk=item.object_id)  # the reported thing itself, however old
        rows = model.objects.filter(recent, **{author_field: author}, deleted_at__isnull=True)
        return list(rows.exclude(status=ContentStatus.REMOVED).order_by("pk").values_list("pk", flat=True))

    return SweepPlan(
        author=author,
        days=days,
        since=since,
        posts=ids(Post, "author", TargetKind.POST),
        comments=ids(Comment, "author", TargetKind.COMMENT),
        events=ids(Event, "organiser", TargetKind.EVENT),
    )
