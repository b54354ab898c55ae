"""For spam waves: "remove all content of this account from the last N days and ban" (LEGAL L20).

Site moderators only (a sweep reaches every space). One transaction: the item is decided, each post,
comment and event goes through content's content_set_status (counters kept right, queued emails and
digest entries cancelled), the account is banned, and the statement of reasons goes out.

The audit log gets one row per removed thing, each pointing to the ban row (`sweep`), rather than one
summary row: the log is what proves, thing by thing, what was removed, when, by whom and why (L20 "a
record kept"; the snapshot-after-deletion records of L11 look things up by target), and an upheld
appeal of the ban restores exactly the rows that point to it. The member sees one decision, the ban,
with the number of things it removed, and one statement of reasons.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from content.models import Comment, ContentStatus, Event, Post
from content.services.moderation import content_set_status
from members import standing
from members.models import Member
from moderation.community_rules import rule_resolve
from moderation.exceptions import NotAllowed
from moderation.models import (
    ActionKind,
    ModerationAction,
    ReportOutcome,
    ReviewItem,
    ReviewStatus,
    TargetKind,
    action_code,
)
from moderation.sanctions import can_sanction, days_check, in_members_words, sanction_check, when
from moderation.selectors import SWEEP_DAYS_MAX, SweepPlan, sweep_plan
from moderation.services import (
    can_moderate_item,
    cited_rule,
    clean_reason_and_rule,
    outcome_notices,
    reports_settle,
    review_item_take,
    sanction_notice,
)


@dataclass(frozen=True)
class SweepResult:
    removed: int
    banned: bool


def sweep_check(*, item: ReviewItem, by: Member) -> Member:
    """The author a sweep would hit, if `by` may sweep this item."""
    if not can_moderate_item(member=by, item=item) or not can_sanction(member=by):
        raise NotAllowed()
    author = item.snapshot_author
    if author is not None and author.banned_at is not None:
        return author  # banned already: the sweep still removes what is left
    return sanction_check(by=by, author=author)


def review_item_sweep(
    *, item: ReviewItem, by: Member, days: object, reason: str, rule: str
) -> SweepResult | None:
    """Remove the author's content of the last `days` days (1 to 90) and the item's own target, and ban
    the author. Returns None when the item was already decided (nothing changes the second time)."""
    author = sweep_check(item=item, by=by)
    days = days_check(days, maximum=SWEEP_DAYS_MAX)
    reason, rule = clean_reason_and_rule(reason=reason, rule=rule)
    citation = rule_resolve(rule)
    cited = {"rule": citation.text, "rule_version": citation.version, "rule_number": citation.number}
    now = timezone.now()
    with transaction.atomic():
        if not review_item_take(item=item, by=by, decision=ActionKind.BAN, now=now):
            return None
        plan = sweep_plan(item=item, days=days, now=now)
        ban = ModerationAction.objects.create(
            review_item=item,
            moderator=by,
            action=ActionKind.BAN,
            kind=TargetKind.MEMBER,
            object_id=author.pk,
            target_author=author,
            reason=reason,
            **cited,
        )
        removed = _remove(plan=plan, by=by)
        others = _close_items_about(removed=removed, item=item, by=by, now=now)
        item_of = {(other.kind, other.object_id): other.pk for other in others}
        item_of.setdefault((item.kind, item.object_id), item.pk)
        ModerationAction.objects.bulk_create(
            ModerationAction(
                review_item_id=item_of.get((kind, object_id)),
                moderator=by,
                action=ActionKind.REMOVE,
                kind=kind,
                object_id=object_id,
                target_author=author,
                reason=reason,
                **cited,
                sweep=ban,
                code=action_code(kind=kind, action=ActionKind.REMOVE),  # bulk_create skips save()
            )
            for kind, object_id in removed
        )
        reports = reports_settle(items=[item, *others], outcome=ReportOutcome.UPHELD, now=now)
        for each in [item, *others]:
            outcome_notices(
                reports=[report for report in reports if report.review_item_id == each.pk],
                outcome=ReportOutcome.UPHELD,
                data={"review_item_id": each.pk, "target_kind": each.kind, "object_id": each.object_id},
            )
        banned = author.banned_at is None
        if banned:
            # written while the account is still active: the ban closes it
            data = {"review_item_id": item.pk, "target_kind": item.kind, "object_id": item.object_id}
            data["removed"] = len(removed)
            sanction_notice(
                author=author, action=ban, data=data, text=_sweep_text(author, ban, plan, removed)
            )
            standing.member_ban(member=author, by=by)
    return SweepResult(removed=len(removed), banned=banned)


def _remove(*, plan: SweepPlan, by: Member) -> list[tuple[str, int]]:
    """Each thing through content's service; what was removed now, as (kind, id)."""
    removed = []
    for kind, model, ids in (
        (TargetKind.POST, Post, plan.posts),
        (TargetKind.COMMENT, Comment, plan.comments),
        (TargetKind.EVENT, Event, plan.events),
    ):
        for target in model.objects.filter(pk__in=ids).order_by("pk"):
            if content_set_status(target=target, status=ContentStatus.REMOVED, by=by):
                removed.append((kind, target.pk))
    return removed


def _close_items_about(
    *, removed: list[tuple[str, int]], item: ReviewItem, by: Member, now
) -> list[ReviewItem]:
    """The other open items about what the sweep removed are decided with it, unless another
    moderator holds a live claim on one (theirs to finish)."""
    if not removed:
        return []
    about = Q()
    for kind in {kind for kind, _id in removed}:
        about |= Q(kind=kind, object_id__in=[object_id for each, object_id in removed if each == kind])
    free = ~Q(status=ReviewStatus.CLAIMED) | Q(claimed_by_id=by.pk) | Q(claim_expires_at__lt=now)
    others = list(
        ReviewItem.objects.select_for_update()
        .filter(about, free)
        .exclude(status=ReviewStatus.DECIDED)
        .exclude(pk=item.pk)
        .order_by("pk")
    )
    ReviewItem.objects.filter(pk__in=[other.pk for other in others]).update(
        status=ReviewStatus.DECIDED, decided_at=now, decision=ActionKind.REMOVE, claimed_by=by
    )
    return others


def _sweep_text(author: Member, ban: ModerationAction, plan: SweepPlan, removed: list) -> str:
    with in_members_words(author):
        return _(
            "A moderator removed your posts, comments and events since %(since)s (%(count)d in all) and "
            "banned your account: you can no longer sign in, and its email address cannot be used to sign "
            "up again. Reason: %(reason)s Rule: %(rule)s. You can appeal this decision within six months "
            "through the link in this message, or by writing to %(contact)s."
        ) % {
            "count": len(removed),
            "since": when(plan.since),
            "reason": ban.reason,
            "rule": cited_rule(action=ban, reader=author),
            "contact": settings.CONTACT_EMAIL,
        }


__all__ = ["SweepResult", "review_item_sweep", "sweep_check"]
