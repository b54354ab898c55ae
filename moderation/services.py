"""Writes for moderation: filing a report, claiming a review item, deciding it (LEGAL L17–L20).

Every service checks permission itself, owns its transaction and writes the audit entry; the pages and
the admin only call these. Members are told through content's delivery (notice_send): an inbox item
and, in the same transaction, its email.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.ratelimit import window_hit
from content.delivery.notices import notice_send
from content.exceptions import ContentError, NotAllowed, NotFound
from content.models import Comment, ContentStatus, Event, Post
from content.selectors.visibility import is_space_moderator
from content.services.moderation import content_set_status
from members.models import Member
from members.selectors import member_is_moderator
from moderation import clock
from moderation.community_rules import rule_for_reader, rule_resolve
from moderation.exceptions import (
    ActionNotPossible,
    AlreadyDecided,
    AppealNotPossible,
    AppealPeriodOver,
    ClaimedByOther,
    ReportLimitReached,
)
from moderation.models import (
    ActionKind,
    Appeal,
    AppealStatus,
    ModerationAction,
    Report,
    ReportOutcome,
    ReportReason,
    ReviewItem,
    ReviewStatus,
    TargetKind,
)
from moderation.sanctions import (
    SANCTIONS,
    TIMED,
    days_check,
    in_members_words,
    sanction_apply,
    sanction_check,
    sanction_reverse,
    sanction_text,
    sanction_until,
)
from moderation.selectors import Target, target_get, target_load

DETAILS_MAX = 2000
REASON_MAX = 5000
RULE_MAX = 200
# Actions that restrict the author: the reports behind them are upheld and the author gets a
# statement of reasons (L18). The others dismiss the reports.
RESTRICTING = {ActionKind.HIDE, ActionKind.REMOVE, ActionKind.WARN, *SANCTIONS}
CONTENT_STATUS_FOR = {
    ActionKind.HIDE: ContentStatus.HIDDEN,
    ActionKind.REMOVE: ContentStatus.REMOVED,
}


def target_url(*, kind: str, target: Target) -> str:
    if kind == TargetKind.POST:
        return reverse("content:post_detail", args=[target.pk])
    if kind == TargetKind.COMMENT:
        return reverse("content:post_detail", args=[target.post_id]) + f"#comment-{target.pk}"
    if kind == TargetKind.EVENT:
        return reverse("content:event_detail", args=[target.pk])
    return reverse("members:profile", args=[target.pk])


def _snapshot(*, kind: str, target: Target) -> dict:
    if isinstance(target, Post):
        return {
            "snapshot_title": target.title,
            "snapshot_body": target.body,
            "snapshot_author": target.author,
        }
    if isinstance(target, Comment):
        return {"snapshot_title": "", "snapshot_body": target.body, "snapshot_author": target.author}
    if isinstance(target, Event):
        return {
            "snapshot_title": target.title,
            "snapshot_body": target.description,
            "snapshot_author": target.organiser,
        }
    return {"snapshot_title": target.display_name, "snapshot_body": target.bio, "snapshot_author": target}


def _space_id(target: Target) -> int | None:
    if isinstance(target, Post | Event):
        return target.space_id
    if isinstance(target, Comment):
        return target.post.space_id
    return None


def _notice(*, recipient: Member, kind: str, url: str, data: dict, text: str, email: bool = True) -> None:
    """Tell a member, in the caller's transaction: the inbox item renders from kind + data (`text`,
    written in the recipient's language, is the fallback for a kind the inbox has no sentence for) and,
    with `email`, an email follows through the delivery engine."""
    notice_send(recipient=recipient, kind=kind, url=url, data={**data, "text": text}, email=email)


def review_item_open(*, kind: str, object_id: int, target: Target, reason: str, now: datetime) -> ReviewItem:
    """The open review item of a target, locked for this transaction; created (with the snapshot of the
    content as it is now) when there is none. A more serious reason tightens the clock."""
    open_items = ReviewItem.objects.select_for_update().filter(kind=kind, object_id=object_id)
    open_items = open_items.exclude(status=ReviewStatus.DECIDED)
    item = open_items.first()
    if item is None:
        try:
            with transaction.atomic():
                return ReviewItem.objects.create(
                    kind=kind,
                    object_id=object_id,
                    space_id=_space_id(target),
                    reason=reason,
                    created_at=now,
                    triage_due_at=now + clock.triage_time(),
                    due_at=clock.response_due(reason=reason, start=now),
                    **_snapshot(kind=kind, target=target),
                )
        except IntegrityError:  # another report on the same target created it a moment ago
            item = open_items.get()
    if clock.more_serious(reason, item.reason) != item.reason:
        item.reason = reason
        item.due_at = min(item.due_at, clock.response_due(reason=reason, start=now))
        item.save(update_fields=["reason", "due_at"])
    return item


def review_item_reprioritise(*, item: ReviewItem) -> ReviewItem:
    """Priority = the most serious reason's weight + each open reporter's weight (trust level and
    track record of upheld vs dismissed reports). Two queries whatever the number of reporters."""
    open_reports = list(
        item.reports.filter(outcome__isnull=True).values("reason", "reporter_id", "reporter__trust_level")
    )
    reporter_ids = [row["reporter_id"] for row in open_reports]
    history: dict[int, dict[str, int]] = {pk: {} for pk in reporter_ids}
    for row in (
        Report.objects.filter(reporter_id__in=reporter_ids, outcome__isnull=False)
        .values("reporter_id", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        history[row["reporter_id"]][row["outcome"]] = row["n"]
    severity = max((clock.SEVERITY.get(row["reason"], 0) for row in open_reports), default=0)
    weights = sum(
        clock.reporter_weight(
            trust_level=row["reporter__trust_level"],
            upheld=history[row["reporter_id"]].get(ReportOutcome.UPHELD, 0),
            dismissed=history[row["reporter_id"]].get(ReportOutcome.DISMISSED, 0),
        )
        for row in open_reports
    )
    item.priority = severity + weights
    item.report_count = len(open_reports)
    item.save(update_fields=["priority", "report_count"])
    return item


def report_file(*, reporter: Member, kind: str, object_id: int, reason: str, details: str = "") -> Report:
    """L17: a member reports a post, comment, event or profile and gets a receipt. A second report of
    the same target while the first is open returns the first (idempotent)."""
    if not reporter.is_authenticated or not reporter.is_active:
        raise NotAllowed()
    if kind not in TargetKind.values:
        raise NotFound()
    if reason not in ReportReason.values:
        raise ContentError(_("Please choose a reason."))
    details = (details or "").strip()
    if len(details) > DETAILS_MAX:
        raise ContentError(
            _("The details can be at most %(max)d characters (they have %(len)d).")
            % {"max": DETAILS_MAX, "len": len(details)}
        )
    target = target_get(viewer=reporter, kind=kind, object_id=object_id)
    if kind == TargetKind.MEMBER and target.pk == reporter.pk:
        raise ContentError(_("You cannot report yourself."))
    open_report = Report.objects.filter(
        reporter=reporter, kind=kind, object_id=object_id, outcome__isnull=True
    )
    existing = open_report.first()
    if existing is not None:
        return existing
    window = window_hit(limit=clock.reports_per_day(), key=f"moderation.report:{reporter.pk}")
    if not window.allowed:
        raise ReportLimitReached(retry_at=window.retry_at)
    now = timezone.now()
    try:
        with transaction.atomic():
            item = review_item_open(kind=kind, object_id=object_id, target=target, reason=reason, now=now)
            report = Report.objects.create(
                reporter=reporter,
                kind=kind,
                object_id=object_id,
                review_item=item,
                reason=reason,
                details=details,
            )
            review_item_reprioritise(item=item)
            from moderation.rules import flag_threshold_apply  # rules imports this module

            flag_threshold_apply(item=item, target=target, reporter=reporter, now=now)
            with translation.override(reporter.language):
                text = _(
                    "Thank you: we received your report (%(reason)s) and will tell you what we decide."
                ) % {"reason": ReportReason(reason).label}
            # the receipt is on the page and in the inbox at once; an email would only repeat it
            _notice(
                recipient=reporter,
                kind="report.received",
                url=target_url(kind=kind, target=target),
                data={"report_id": report.pk, "target_kind": kind, "object_id": object_id, "reason": reason},
                text=text,
                email=False,
            )
    except IntegrityError:  # the same reporter's double click raced this one: theirs stands
        existing = open_report.first()
        if existing is None:
            raise
        return existing
    return report


def can_moderate_item(*, member: Member, item: ReviewItem) -> bool:
    if member_is_moderator(member=member):
        return True
    return item.space is not None and is_space_moderator(member=member, space=item.space)


def _holder_error(item: ReviewItem) -> ClaimedByOther:
    name = item.claimed_by.public_name if item.claimed_by else "?"
    return ClaimedByOther(_("%(name)s is already handling this item.") % {"name": name})


def review_item_claim(*, item: ReviewItem, by: Member) -> ReviewItem:
    """Take an item for a while. One conditional UPDATE decides between two moderators clicking at
    once: exactly one row changes, the other moderator is told who has it. Claiming your own item
    again extends the claim."""
    if not can_moderate_item(member=by, item=item):
        raise NotAllowed()
    now = timezone.now()
    claimable = (
        Q(status=ReviewStatus.OPEN)
        | Q(status=ReviewStatus.CLAIMED, claim_expires_at__lt=now)
        | Q(status=ReviewStatus.CLAIMED, claimed_by_id=by.pk)
    )
    updated = ReviewItem.objects.filter(claimable, pk=item.pk).update(
        status=ReviewStatus.CLAIMED, claimed_by=by, claim_expires_at=now + clock.claim_time()
    )
    item.refresh_from_db(fields=["status", "claimed_by", "claim_expires_at"])
    if updated == 1:
        return item
    if item.status == ReviewStatus.DECIDED:
        raise AlreadyDecided()
    raise _holder_error(item)


def review_item_release(*, item: ReviewItem, by: Member) -> bool:
    """Give a claimed item back to the queue. Only the moderator holding the claim can; returns False
    when they no longer hold it (it expired and someone else took it, or it was decided)."""
    if not can_moderate_item(member=by, item=item):
        raise NotAllowed()
    released = ReviewItem.objects.filter(pk=item.pk, status=ReviewStatus.CLAIMED, claimed_by_id=by.pk).update(
        status=ReviewStatus.OPEN, claimed_by=None, claim_expires_at=None
    )
    item.refresh_from_db(fields=["status", "claimed_by", "claim_expires_at"])
    return bool(released)


def clean_reason_and_rule(*, reason: str, rule: str) -> tuple[str, str]:
    reason, rule = (reason or "").strip(), (rule or "").strip()
    if not reason:
        raise ContentError(_("Please write the reason the author will read."))
    if not rule:
        raise ContentError(_("Please name the community rule."))
    if len(reason) > REASON_MAX or len(rule) > RULE_MAX:
        raise ContentError(_("The reason or the rule is too long."))
    return reason, rule


def review_item_take(*, item: ReviewItem, by: Member, decision: str, now: datetime) -> bool:
    """Mark the item decided, in the caller's transaction, unless another moderator holds a live claim
    (ClaimedByOther names them). Returns False when it was already decided."""
    free = ~Q(status=ReviewStatus.CLAIMED) | Q(claimed_by_id=by.pk) | Q(claim_expires_at__lt=now)
    updated = (
        ReviewItem.objects.filter(free, pk=item.pk)
        .exclude(status=ReviewStatus.DECIDED)
        .update(status=ReviewStatus.DECIDED, decided_at=now, decision=decision, claimed_by=by)
    )
    if updated:
        return True
    item.refresh_from_db()
    if item.status == ReviewStatus.DECIDED:
        return False
    raise _holder_error(item)


def review_item_decide(
    *, item: ReviewItem, by: Member, action: str, reason: str, rule: str, days: int | None = None
) -> bool:
    """Decide an item: log the action, change the content or the author's account, settle the reports,
    tell the author why (L18) and each reporter the outcome (L17). `days` is required for a posting
    limit or a suspension (1 to 365). Returns False when the item was already decided."""
    if not can_moderate_item(member=by, item=item):
        raise NotAllowed()
    if action not in ActionKind.values:
        raise ActionNotPossible()
    reason, rule = clean_reason_and_rule(reason=reason, rule=rule)
    citation = rule_resolve(rule)  # L18: a rule of the current community-rules version, or legacy text
    if item.kind == TargetKind.MEMBER and action in CONTENT_STATUS_FOR:
        raise ActionNotPossible(
            _("A profile cannot be hidden or removed; warn, limit, suspend or ban the member instead.")
        )
    author = None
    if action in SANCTIONS:
        author = sanction_check(by=by, author=item.snapshot_author)
        days = days_check(days) if action in TIMED else None
    target = target_load(kind=item.kind, object_id=item.object_id)
    now = timezone.now()
    until = sanction_until(action=action, days=days, now=now)
    with transaction.atomic():
        if not review_item_take(item=item, by=by, decision=action, now=now):
            return False
        logged = ModerationAction.objects.create(
            review_item=item,
            moderator=by,
            action=action,
            kind=item.kind,
            object_id=item.object_id,
            target_author_id=item.snapshot_author_id,
            reason=reason,
            rule=citation.text,
            rule_version=citation.version,
            rule_number=citation.number,
            until=until,
        )
        if target is not None and item.kind != TargetKind.MEMBER:
            if action in CONTENT_STATUS_FOR:
                content_set_status(target=target, status=CONTENT_STATUS_FOR[action], by=by)
            elif action == ActionKind.APPROVE and target.status != ContentStatus.REMOVED:
                content_set_status(target=target, status=ContentStatus.PUBLISHED, by=by)
        outcome = ReportOutcome.UPHELD if action in RESTRICTING else ReportOutcome.DISMISSED
        reports = reports_settle(items=[item], outcome=outcome, now=now)
        # The statement of reasons is written while the account is still active: a ban closes it.
        _notify(item=item, action=logged, outcome=outcome, reports=reports)
        if author is not None:
            sanction_apply(action=action, author=author, until=until, by=by)
    item.refresh_from_db()
    return True


def reports_settle(*, items: list[ReviewItem], outcome: str, now: datetime) -> list[Report]:
    """Close the open reports of these items with one outcome; returns them, reporters loaded."""
    reports = list(
        Report.objects.filter(review_item__in=items, outcome__isnull=True).select_related("reporter")
    )
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(outcome=outcome, decided_at=now)
    return reports


APPEAL_LINK_SALT = "moderation.appeal"


def appeal_link(*, action: ModerationAction) -> str:
    """A signed link to appeal `action` without signing in: a banned member cannot sign in, yet may
    appeal for six months (L18). It names the action and the member, nothing else."""
    token = signing.dumps({"a": action.pk, "m": action.target_author_id}, salt=APPEAL_LINK_SALT)
    return reverse("moderation:appeal_link", args=[token])


def appeal_link_action(*, token: str) -> ModerationAction:
    """The action a signed appeal link names; NotFound for a forged, altered or expired link."""
    try:
        payload = signing.loads(token, salt=APPEAL_LINK_SALT, max_age=APPEAL_PERIOD)
    except signing.BadSignature as error:  # SignatureExpired is a BadSignature
        raise NotFound() from error
    action = (
        ModerationAction.objects.select_related("target_author", "appeal")
        .annotate(swept_count=Count("swept"))
        .filter(pk=payload.get("a"), target_author_id=payload.get("m"))
        .first()
    )
    if action is None or action.target_author is None:
        raise NotFound()
    return action


def _notify(*, item: ReviewItem, action: ModerationAction, outcome: str, reports: list[Report]) -> None:
    data = {"review_item_id": item.pk, "target_kind": item.kind, "object_id": item.object_id}
    author = item.snapshot_author
    if action.action in RESTRICTING and author is not None and author.is_active:
        sanction_notice(author=author, action=action, data=data)
    outcome_notices(reports=reports, outcome=outcome, data=data)


def cited_rule(*, action: ModerationAction, reader: Member) -> str:
    """The rule an action cites, in the reader's language when it is a numbered rule of a version."""
    return rule_for_reader(
        rule=action.rule, version=action.rule_version, number=action.rule_number, language=reader.language
    )


def sanction_notice(*, author: Member, action: ModerationAction, data: dict, text: str | None = None) -> None:
    """The statement of reasons (L18): what was decided, the reason and the rule, and how to appeal."""
    rule = cited_rule(action=action, reader=author)
    details = {"action": action.action, "action_id": action.pk, "reason": action.reason, "rule": rule}
    if action.rule_version:
        details["rule_version"], details["rule_number"] = action.rule_version, action.rule_number
    if action.action in SANCTIONS:
        with in_members_words(author):
            text = text or sanction_text(
                action=action.action,
                until=action.until,
                reason=action.reason,
                rule=rule,
                contact=settings.CONTACT_EMAIL,
            )
        details["until"] = action.until.isoformat() if action.until else None
        # a banned member cannot open the decisions page: the notice carries its own appeal link
        url = (
            appeal_link(action=action) if action.action == ActionKind.BAN else reverse("moderation:decisions")
        )
        _notice(recipient=author, kind="moderation.sanction", url=url, data={**data, **details}, text=text)
        return
    with translation.override(author.language):
        text = _(
            "A moderator acted on your %(kind)s (%(action)s). Reason: %(reason)s Rule: %(rule)s. "
            "You can appeal this decision within six months."
        ) % {
            "kind": TargetKind(action.kind).label,
            "action": ActionKind(action.action).label,
            "reason": action.reason,
            "rule": rule,
        }
    _notice(
        recipient=author,
        kind="moderation.notice",
        # L18: the notice leads to the page where the decision can be appealed.
        url=reverse("moderation:decisions"),
        data={**data, **details},
        text=text,
    )


def outcome_notices(*, reports: list[Report], outcome: str, data: dict) -> None:
    """L17: every reporter learns the outcome, by inbox and email."""
    for report in reports:
        with translation.override(report.reporter.language):
            if outcome == ReportOutcome.UPHELD:
                text = _("Your report was upheld: a moderator acted on it. Thank you.")
            else:
                text = _("Your report was reviewed; the moderators found no breach of the rules.")
        _notice(
            recipient=report.reporter,
            kind="report.outcome",
            url="",
            data={**data, "report_id": report.pk, "outcome": outcome},
            text=text,
        )


# L18: "at least 6 months". 184 days is never shorter than six calendar months (July to December).
APPEAL_PERIOD = timedelta(days=184)
STATEMENT_MAX = 2000


def appeal_deadline(*, action: ModerationAction) -> datetime:
    return action.created_at + APPEAL_PERIOD


def appeal_file(*, action: ModerationAction, appellant: Member, statement: str) -> Appeal:
    """L18: the member a restrictive action was taken against asks for it to be looked at again, within
    six months. A second call returns the appeal already filed (idempotent)."""
    if not appellant.is_authenticated or action.target_author_id != appellant.pk:
        raise NotAllowed()
    existing = Appeal.objects.filter(action=action).first()
    if existing is not None:
        return existing
    if action.action not in RESTRICTING:
        raise AppealNotPossible()
    if timezone.now() > appeal_deadline(action=action):
        raise AppealPeriodOver()
    statement = (statement or "").strip()
    if not statement:
        raise ContentError(_("Please tell us why the decision should be changed."))
    if len(statement) > STATEMENT_MAX:
        raise ContentError(
            _("The statement can be at most %(max)d characters (it has %(len)d).")
            % {"max": STATEMENT_MAX, "len": len(statement)}
        )
    try:
        with transaction.atomic():
            return Appeal.objects.create(action=action, appellant=appellant, statement=statement)
    except IntegrityError:  # a double click raced this one: the first appeal stands
        return Appeal.objects.get(action=action)


def can_decide_appeal(*, member: Member, appeal: Appeal) -> bool:
    """L18 impartiality: a moderator who did not take the original action — a site moderator, or a
    moderator of the space the content is in (not for account sanctions, which reach the whole site);
    operators always."""
    if not member.is_authenticated:
        return False
    if member.is_superuser:
        return True
    action = appeal.action
    if action.moderator_id == member.pk:
        return False
    if member_is_moderator(member=member):
        return True
    if action.action in SANCTIONS or action.review_item_id is None:
        return False
    space = action.review_item.space
    return space is not None and is_space_moderator(member=member, space=space)


def appeal_decide(*, appeal: Appeal, by: Member, uphold: bool, reason: str) -> bool:
    """Decide an appeal. Upholding it reverses the measure (hidden or removed content is published
    again; a posting limit, suspension or ban is lifted, a ban with the content its sweep removed) and
    logs an "approve" action; either way the appellant is told. Returns False when the appeal was
    already decided."""
    if not can_decide_appeal(member=by, appeal=appeal):
        raise NotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise ContentError(_("Please write the reason the member will read."))
    if len(reason) > REASON_MAX:
        raise ContentError(_("The reason is too long."))
    action = appeal.action
    status = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
    now = timezone.now()
    with transaction.atomic():
        updated = Appeal.objects.filter(pk=appeal.pk, status=AppealStatus.OPEN).update(
            status=status, decided_by=by, decided_at=now, decision_reason=reason
        )
        if not updated:
            appeal.refresh_from_db()
            return False
        if uphold:
            if action.action in CONTENT_STATUS_FOR and action.kind != TargetKind.MEMBER:
                _republish(kind=action.kind, object_id=action.object_id, was=action.action, by=by)
            if action.action in SANCTIONS:
                sanction_reverse(action=action, by=by)
            for swept in action.swept.all():
                _republish(kind=swept.kind, object_id=swept.object_id, was=swept.action, by=by)
            ModerationAction.objects.create(
                review_item_id=action.review_item_id,
                moderator=by,
                action=ActionKind.APPROVE,
                kind=action.kind,
                object_id=action.object_id,
                target_author_id=action.target_author_id,
                reason=f"appeal upheld: {reason}",
                rule=action.rule,
                rule_version=action.rule_version,
                rule_number=action.rule_number,
                code="moderation.appeal.upheld",
            )
        appellant = Member.objects.get(pk=appeal.appellant_id)  # a lifted ban opened the account again
        with translation.override(appellant.language):
            names = {"kind": TargetKind(action.kind).label, "reason": reason}
            if action.action in SANCTIONS and uphold:
                text = _(
                    "Your appeal was upheld: the restriction on your account has been lifted. "
                    "Reason: %(reason)s"
                )
            elif action.action in SANCTIONS:
                text = _(
                    "Your appeal was rejected: the restriction on your account stands. Reason: %(reason)s"
                )
            elif uphold:
                text = _(
                    "Your appeal was upheld: the decision on your %(kind)s has been reversed. "
                    "Reason: %(reason)s"
                )
            else:
                text = _("Your appeal was rejected: the decision on your %(kind)s stands. Reason: %(reason)s")
            text = text % names
        # still banned: the decisions page is out of reach, the appeal link shows the outcome
        banned = appellant.banned_at is not None
        _notice(
            recipient=appellant,
            kind="moderation.appeal_decided",
            url=appeal_link(action=action) if banned else reverse("moderation:decisions"),
            data={
                "appeal_id": appeal.pk,
                "action_id": action.pk,
                "target_kind": action.kind,
                "object_id": action.object_id,
                "outcome": status,
                "reason": reason,
            },
            text=text,
        )
    appeal.refresh_from_db()
    return True


def _republish(*, kind: str, object_id: int, was: str, by: Member) -> None:
    """Publish again what an upheld appeal reverses, if it is still as the decision left it."""
    target = target_load(kind=kind, object_id=object_id)
    if target is not None and target.status == CONTENT_STATUS_FOR.get(was):
        content_set_status(target=target, status=ContentStatus.PUBLISHED, by=by)
