"""Automatic rules (LEGAL L20, L21): what moderation decides on its own before a person looks.

- Watched words (moderation/watched_words.py): block refuses the text; require approval holds it
  (pending_review) and opens a review item; flag publishes it and opens a review item.
- Pre-moderation: the first MODERATION_PREMODERATE_FIRST_POSTS posts of a trust-level-0 member, and every
  post in a space that requires approval, wait in the review queue.
- Flag threshold: once MODERATION_FLAG_THRESHOLD members of trust level 2 or more have reports open on
  one target, it is hidden until a moderator decides (approving publishes it again).
- Duplicate waves: the same text (content's body fingerprint) from several accounts younger than a week
  within a day opens one review item for the whole wave.

Content never imports this module: publish_check and after_publish are registered into content.hooks by
the app config. Every review item a rule opens or joins gets a RuleHit saying why.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from content.delivery.notices import notice_send
from content.hooks import Draft, Finding, PublishBlocked, Ruling
from content.models import Comment, ContentStatus, Post
from content.services.moderation import content_set_status
from members.models import Member
from moderation import clock
from moderation.models import (
    DuplicateWave,
    ModerationAction,
    ReportReason,
    ReviewItem,
    ReviewStatus,
    RuleHit,
    RuleKind,
    TargetKind,
    WatchedWordAction,
)
from moderation.services import review_item_open
from moderation.watched_words import BLOCK, watched_words_find

TRUSTED_REPORTER_LEVEL = 2
DEFAULT_PREMODERATE_FIRST_POSTS = 2
DEFAULT_FLAG_THRESHOLD = 3
# a wave: this many different accounts younger than WAVE_ACCOUNT_DAYS, the same text within WAVE_HOURS
DEFAULT_WAVE_ACCOUNTS = 3
DEFAULT_WAVE_ACCOUNT_DAYS = 7
DEFAULT_WAVE_HOURS = 24
WAVE_POSTS_LISTED = 50
FOUND_SHOWN_MAX = 40


def premoderate_first_posts() -> int:
    return int(getattr(settings, "MODERATION_PREMODERATE_FIRST_POSTS", DEFAULT_PREMODERATE_FIRST_POSTS))


def flag_threshold() -> int:
    return int(getattr(settings, "MODERATION_FLAG_THRESHOLD", DEFAULT_FLAG_THRESHOLD))


def _wave_settings() -> tuple[int, timedelta, timedelta]:
    return (
        int(getattr(settings, "MODERATION_WAVE_ACCOUNTS", DEFAULT_WAVE_ACCOUNTS)),
        timedelta(days=int(getattr(settings, "MODERATION_WAVE_ACCOUNT_DAYS", DEFAULT_WAVE_ACCOUNT_DAYS))),
        timedelta(hours=int(getattr(settings, "MODERATION_WAVE_HOURS", DEFAULT_WAVE_HOURS))),
    )


# --- before publishing: content.hooks.register_publish_check --------------------------------------


def watched_words_check(draft: Draft) -> Finding | None:
    """No query while the words are unchanged (the matcher is compiled and cached)."""
    hit = watched_words_find(draft.title, draft.body)
    if hit is None:
        return None
    found = hit.found.strip()
    if len(found) > FOUND_SHOWN_MAX:
        found = found[: FOUND_SHOWN_MAX - 1] + "…"
    if hit.action == BLOCK:
        # the member learns the word, never the pattern behind it; their text stays in the form
        raise PublishBlocked(
            _(
                "Your text contains “%(word)s”, which this community does not allow. "
                "Please change it and try again."
            )
            % {"word": found},
            code="watched_word_blocked",
        )
    data = {
        "word_id": hit.word.pk,
        "word": hit.word.pattern,
        "is_regex": hit.word.is_regex,
        "found": found,
        "action": hit.action,
        "reason": hit.word.reason,
    }
    return Finding(verdict=hit.action, rule=RuleKind.WATCHED_WORD, data=data)


def premoderation_check(draft: Draft) -> Finding | None:
    """L21: new posts (not comments, not edits) of new members and in spaces that require approval. A
    moderator of the space is never held. One query, only for a trust-level-0 author."""
    if draft.kind != "post" or draft.is_edit or draft.moderates:
        return None
    if draft.space is not None and draft.space.requires_approval:
        return Finding(verdict="hold", rule=RuleKind.SPACE_APPROVAL)
    first = premoderate_first_posts()
    if draft.author.trust_level != 0 or first <= 0:
        return None
    # "first N posts" = until N of their posts were approved (published), as Discourse counts them
    approved = Post.objects.filter(author=draft.author, status=ContentStatus.PUBLISHED)[:first].count()
    if approved >= first:
        return None
    return Finding(verdict="hold", rule=RuleKind.PREMODERATION, data={"first": first})


# --- after publishing, in content's transaction: content.hooks.register_after_publish ------------


def _kind(target: Post | Comment) -> str:
    return TargetKind.POST if isinstance(target, Post) else TargetKind.COMMENT


def _finding_reason(finding: Finding) -> str:
    if finding.rule == RuleKind.WATCHED_WORD:
        return finding.data.get("reason") or ReportReason.OTHER
    return ReportReason.OTHER


def rule_item_open(
    *, kind: str, target: Post | Comment, reason: str, hits: list[tuple[str, dict]], now: datetime
) -> ReviewItem:
    """Open (or join) the target's review item for automatic rules and record why. With no report
    behind it, the item's priority is at least its reason's severity, so it is not last in the queue."""
    item = review_item_open(kind=kind, object_id=target.pk, target=target, reason=reason, now=now)
    priority = clock.SEVERITY.get(item.reason, 0)
    if item.priority < priority:
        item.priority = priority
        item.save(update_fields=["priority"])
    RuleHit.objects.bulk_create(
        [RuleHit(review_item=item, rule=rule, data=data, created_at=now) for rule, data in hits]
    )
    return item


def after_publish(*, target: Post | Comment, draft: Draft, ruling: Ruling) -> None:
    """Open the review item a held or flagged text needs, with the rules' reasons; an edit that brings
    a word requiring approval sends published content back to review. Then look for a wave."""
    now = timezone.now()
    findings = [finding for finding in ruling.findings if finding.verdict in ("hold", "flag")]
    if findings:
        reason = ReportReason.OTHER
        for finding in findings:
            reason = clock.more_serious(_finding_reason(finding), reason)
        rule_item_open(
            kind=_kind(target),
            target=target,
            reason=reason,
            hits=[(finding.rule, finding.data) for finding in findings],
            now=now,
        )
        if draft.is_edit and ruling.verdict == "hold" and target.status == ContentStatus.PUBLISHED:
            content_set_status(target=target, status=ContentStatus.PENDING_REVIEW, by=draft.author)
    if isinstance(target, Post) and not draft.is_edit:
        duplicate_wave_check(post=target, author=draft.author, now=now)


# --- duplicate waves ---------------------------------------------------------------------------


def duplicate_wave_check(*, post: Post, author: Member, now: datetime) -> ReviewItem | None:
    """The same text from WAVE_ACCOUNTS accounts younger than a week within a day: one review item for
    the wave, on the copy that completed it; later copies join it (listed in its rule hit) instead of
    opening items of their own. No query for an author older than a week; one otherwise."""
    accounts, young_for, within = _wave_settings()
    if author.date_joined < now - young_for:
        return None
    copies = list(
        Post.objects.filter(
            body_fingerprint=post.body_fingerprint,
            created_at__gte=now - within,
            deleted_at__isnull=True,
            author__date_joined__gte=now - young_for,
        )
        .order_by("-created_at", "-pk")
        .values_list("pk", "author_id")[:WAVE_POSTS_LISTED]
    )
    if len({author_id for _pk, author_id in copies}) < accounts:
        return None
    post_ids = sorted(pk for pk, _author in copies)
    author_ids = sorted({author_id for _pk, author_id in copies})
    DuplicateWave.objects.get_or_create(fingerprint=post.body_fingerprint)
    # copies arriving at the same moment queue here, one after the other
    wave = (
        DuplicateWave.objects.select_for_update(of=("self",))
        .select_related("review_item")
        .get(fingerprint=post.body_fingerprint)
    )
    item = wave.review_item
    data = {"post_ids": post_ids, "author_ids": author_ids, "hours": int(within.total_seconds() // 3600)}
    if item is not None and item.status != ReviewStatus.DECIDED:
        hit = item.rule_hits.filter(rule=RuleKind.DUPLICATE_WAVE).order_by("-pk").first()
        if hit is not None:
            merged = {**hit.data, **data}
            merged["post_ids"] = sorted(set(hit.data.get("post_ids", [])) | set(post_ids))
            merged["author_ids"] = sorted(set(hit.data.get("author_ids", [])) | set(author_ids))
            hit.data = merged
            hit.save(update_fields=["data"])
        return item
    item = rule_item_open(
        kind=TargetKind.POST,
        target=post,
        reason=ReportReason.SPAM,
        hits=[(RuleKind.DUPLICATE_WAVE, data)],
        now=now,
    )
    wave.review_item = item
    wave.updated_at = now
    wave.save(update_fields=["review_item", "updated_at"])
    return item


# --- flag threshold: called by report_file, in its transaction ------------------------------------


def flag_threshold_apply(*, item: ReviewItem, target, reporter: Member, now: datetime) -> bool:
    """Hide the target until a moderator decides once enough trusted members have reports open on it.
    Returns True when it hid the target. No query unless the reporter is trusted."""
    if reporter.trust_level < TRUSTED_REPORTER_LEVEL or item.kind == TargetKind.MEMBER:
        return False
    threshold = flag_threshold()
    trusted = (
        item.reports.filter(outcome__isnull=True, reporter__trust_level__gte=TRUSTED_REPORTER_LEVEL)
        .values("reporter_id")
        .distinct()
        .count()
    )
    if trusted < threshold or getattr(target, "status", None) != ContentStatus.PUBLISHED:
        return False
    if not content_set_status(target=target, status=ContentStatus.HIDDEN, by=reporter):
        return False
    RuleHit.objects.create(
        review_item=item,
        rule=RuleKind.FLAG_THRESHOLD,
        data={"reporters": trusted, "threshold": threshold},
        created_at=now,
    )
    # L20 "a record kept": what the system did on its own, not a moderator's measure (no strike, no
    # appeal: the decision the author can appeal comes from the moderator who reviews the item)
    ModerationAction.objects.create(
        review_item=item,
        moderator=None,
        action="",
        code=f"moderation.{item.kind}.hidden_automatically",
        kind=item.kind,
        object_id=item.object_id,
        target_author_id=item.snapshot_author_id,
        reason=f"{trusted} open reports from members of trust level {TRUSTED_REPORTER_LEVEL} or more",
        rule=f"automatic rule: flag threshold {threshold}",
    )
    author = item.snapshot_author
    if author is not None and author.is_active:
        with translation.override(author.language):
            text = _(
                "Several members reported your %(kind)s, so it is hidden until a moderator reviews it. "
                "You will be told what they decide."
            ) % {"kind": TargetKind(item.kind).label}
        notice_send(
            recipient=author,
            kind="moderation.auto_hidden",
            url="",
            data={
                "review_item_id": item.pk,
                "target_kind": item.kind,
                "object_id": item.object_id,
                "text": text,
            },
        )
    return True


# --- reading: what moderators see ---------------------------------------------------------------


def rule_hit_sentence(hit: RuleHit) -> str:
    """The hit in the reader's language, from its rule and data."""
    data = hit.data or {}
    if hit.rule == RuleKind.WATCHED_WORD:
        action = data.get("action", "")
        label = WatchedWordAction(action).label if action in WatchedWordAction.values else action
        return _("Watched word “%(word)s” (%(action)s) found in the text: “%(found)s”.") % {
            "word": data.get("word", ""),
            "action": label,
            "found": data.get("found", ""),
        }
    if hit.rule == RuleKind.PREMODERATION:
        count = int(data.get("first", 0))
        return ngettext(
            "A new member's first post waits for a moderator's approval.",
            "A new member's first %(count)d posts wait for a moderator's approval.",
            count,
        ) % {"count": count}
    if hit.rule == RuleKind.SPACE_APPROVAL:
        return _("Every post in this space waits for a moderator's approval.")
    if hit.rule == RuleKind.FLAG_THRESHOLD:
        count = int(data.get("reporters", 0))
        return ngettext(
            "%(count)d trusted member reported it, so it is hidden until a moderator decides; "
            "approving it publishes it again.",
            "%(count)d trusted members reported it, so it is hidden until a moderator decides; "
            "approving it publishes it again.",
            count,
        ) % {"count": count}
    if hit.rule == RuleKind.DUPLICATE_WAVE:
        return _(
            "The same text was posted by %(accounts)d new accounts within %(hours)d hours "
            "(%(posts)d posts): one item for the whole wave."
        ) % {
            "accounts": len(data.get("author_ids", [])),
            "hours": int(data.get("hours", DEFAULT_WAVE_HOURS)),
            "posts": len(data.get("post_ids", [])),
        }
    return str(RuleKind(hit.rule).label) if hit.rule in RuleKind.values else hit.rule


def rule_hits_for(*, item: ReviewItem) -> list[RuleHit]:
    """An item's rule hits, oldest first, each with its `sentence` and, for a wave, the ids of the
    wave's other posts (`other_post_ids`). One query."""
    hits = list(item.rule_hits.order_by("created_at", "pk"))
    for hit in hits:
        hit.sentence = rule_hit_sentence(hit)
        hit.other_post_ids = [pk for pk in (hit.data or {}).get("post_ids", []) if pk != item.object_id]
    return hits
