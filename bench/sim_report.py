"""What the simulated members received, from two independent records: the capture backend (what went
"on the wire": recipient, moment, headers, words) and the delivery rows (what the planner decided and
what became of each decision). Every figure is a count; targets are information, never an assertion
(tests/bench/test_simulate_tiny.py asserts the invariants at a tiny scale)."""

import json
import zoneinfo
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench.report import Figure, _clean, table_format
from bench.sim_capture import (
    HAS_LIST_UNSUBSCRIBE,
    HAS_ONE_CLICK,
    LINK_FOR_RECIPIENT,
    PROMOTIONAL_WORDS,
    Recorder,
)
from content.delivery.digest import DIGEST, MONDAY
from content.delivery.models import Category
from content.delivery.planner import NO_MARKETING_CONSENT, ONE_PROMOTION_A_WEEK
from content.models import RSVP, Comment, Event, Post
from members.models import EmailMode
from privacy.models import ConsentEntry, ConsentPurpose

WEEK = 7 * 86400
BOTH_HEADERS = HAS_LIST_UNSUBSCRIBE | HAS_ONE_CLICK


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _percentile(histogram: Counter, q: float) -> int:
    """Nearest-rank percentile of a histogram {value: how many}."""
    total = sum(histogram.values())
    if not total:
        return 0
    rank = max(1, -(-int(q * total * 1000) // 1000))  # ceil(q * total) without float surprises
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)


def _full_local_days(zone: zoneinfo.ZoneInfo, start: datetime, end: datetime) -> list:
    """The member's local dates lying wholly inside [start, end)."""
    day = start.astimezone(zone).date()
    days = []
    while True:
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        following = day + timedelta(days=1)
        next_midnight = datetime(following.year, following.month, following.day, tzinfo=zone)
        if midnight >= end:
            break
        if midnight >= start and next_midnight <= end:
            days.append(day)
        day = following
    return days


class Mail:
    """The captured messages joined with the category of the delivery row each came from."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.kind: dict[int, tuple[str, str]] = {}  # delivery id -> (category, source kind)
        self.sent_rows = 0
        for pk, category, source_kind in _rows(
            "SELECT id, category, source_kind FROM content_delivery"
            " WHERE channel = 'email' AND status = 'sent'"
        ):
            self.kind[pk] = (category, source_kind)
            self.sent_rows += 1
        captured = Counter(recorder.delivery)
        self.duplicates = sum(n - 1 for n in captured.values() if n > 1)
        self.captured_not_marked = sum(1 for pk in captured if pk not in self.kind)
        self.marked_not_captured = sum(1 for pk in self.kind if pk not in captured)

    def each(self):
        r = self.recorder
        for i in range(len(r)):
            category, source_kind = self.kind.get(r.delivery[i], ("?", "?"))
            yield r.delivery[i], r.member[i], r.at[i], r.flags[i], r.number[i], category, source_kind


def _per_member_day(*, config, world, mail: Mail) -> dict:
    """Emails per member per local day (median, p95, max over every member and every full local day
    of the simulated month, days without email included), and the budget check on every day."""
    zones = {name: zoneinfo.ZoneInfo(name) for name in set(world.zone.values())}
    end = config.start + timedelta(days=config.days)
    full_days = {name: set(_full_local_days(zone, config.start, end)) for name, zone in zones.items()}
    # (member, local date) -> [all, budgeted (neither transactional nor digest), digests, transactional]
    days: dict[tuple[int, object], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for _pk, member, at, _flags, _number, category, source_kind in mail.each():
        if member < 0:
            continue
        local = datetime.fromtimestamp(at, tz=zones[world.zone[member]]).date()
        counts = days[(member, local)]
        counts[0] += 1
        if category == Category.TRANSACTIONAL:
            counts[3] += 1
        elif source_kind == DIGEST:
            counts[2] += 1
        else:
            counts[1] += 1
    histogram: Counter = Counter()
    member_days = 0
    for member in world.members:
        member_days += len(full_days[world.zone[member]])
    for (member, local), counts in days.items():
        if member in world.zone and local in full_days[world.zone[member]] and member != world.operator_id:
            histogram[counts[0]] += 1
    histogram[0] += member_days - sum(histogram.values())
    # the budget: what is neither transactional nor a digest stays within the member's own cap, and at
    # most one digest a day; checked on every day of the run (the quiet days too), partial ones included
    worst = None
    worst_with_notices = None
    over_cap_days = over_with_notices = 0
    most_digests = most_transactional = 0
    for (member, local), (total, budgeted, digests, notices) in days.items():
        cap = world.cap[member]
        excess = budgeted + digests - (cap + digests)
        excess_all = total - (cap + digests)
        most_digests = max(most_digests, digests)
        most_transactional = max(most_transactional, notices)
        if excess > 0:
            over_cap_days += 1
        if excess_all > 0:
            over_with_notices += 1
        example = {
            "member": member,
            "local_date": local.isoformat(),
            "emails": total,
            "budgeted": budgeted,
            "digests": digests,
            "transactional": notices,
            "cap": cap,
            "profile": world.profile.get(member, "operator"),
        }
        # the member-day furthest over (or closest to) its limit, the busiest one among equals
        if worst is None or (excess, total) > (worst["excess"], worst["emails"]):
            worst = {**example, "excess": excess}
        if worst_with_notices is None or (excess_all, total) > (
            worst_with_notices["excess"],
            worst_with_notices["emails"],
        ):
            worst_with_notices = {**example, "excess": excess_all}
    return {
        "member_days": member_days,
        "histogram": {str(k): v for k, v in sorted(histogram.items())},
        "median": _percentile(histogram, 0.5),
        "p95": _percentile(histogram, 0.95),
        "p99": _percentile(histogram, 0.99),
        "max": max(histogram) if histogram else 0,
        "mean": sum(k * v for k, v in histogram.items()) / member_days if member_days else 0,
        "over_cap_member_days": over_cap_days,
        "over_cap_member_days_counting_transactional": over_with_notices,
        "most_digests_in_a_day": most_digests,
        "most_transactional_in_a_day": most_transactional,
        "worst": worst,
        "worst_counting_transactional": worst_with_notices,
    }


def _promotions(*, mail: Mail) -> dict:
    """Every message with promotional words (a promotion on its own, or a digest listing one), against
    the member's marketing consent at the moment it was sent and against the one-a-week rule."""
    history: dict[int, tuple[list[float], list[bool]]] = defaultdict(lambda: ([], []))
    for member_id, created_at, granted in (
        ConsentEntry.objects.filter(purpose=ConsentPurpose.MARKETING)
        .order_by("created_at", "id")
        .values_list("member_id", "created_at", "granted")
    ):
        times, decisions = history[member_id]
        times.append(created_at.timestamp())
        decisions.append(granted)
    sent_at: dict[int, list[int]] = defaultdict(list)
    without_consent = []
    alone = in_digest = unmarked = 0
    for pk, member, at, flags, _number, category, source_kind in mail.each():
        promotional = bool(flags & PROMOTIONAL_WORDS) or category == Category.PROMOTIONAL
        if not promotional:
            continue
        if category == Category.PROMOTIONAL:
            alone += 1
            unmarked += not flags & PROMOTIONAL_WORDS
        else:
            in_digest += 1
        sent_at[member].append(at)
        times, decisions = history.get(member, ([], []))
        position = bisect_right(times, at)
        if position == 0 or not decisions[position - 1]:
            without_consent.append({"delivery": pk, "member": member, "at": at, "source_kind": source_kind})
    most = 0
    members_over = 0
    closest = None
    for member, moments in sent_at.items():
        moments.sort()
        first = 0
        best = 0
        for last, moment in enumerate(moments):
            while moment - moments[first] >= WEEK:
                first += 1
            best = max(best, last - first + 1)
            if last and (closest is None or moment - moments[last - 1] < closest["seconds"]):
                closest = {"member": member, "seconds": moment - moments[last - 1]}
        most = max(most, best)
        members_over += best > 1
    return {
        "promotional_emails": alone + in_digest,
        "alone": alone,
        "in_a_digest": in_digest,
        "alone_without_marker": unmarked,
        "members_reached": len(sent_at),
        "without_consent": len(without_consent),
        "without_consent_examples": without_consent[:10],
        "most_in_7_days": most,
        "members_over_one_in_7_days": members_over,
        "closest_two": (
            {**closest, "days": round(closest["seconds"] / 86400, 2)} if closest is not None else None
        ),
    }


def _headers(*, mail: Mail) -> dict:
    counts = Counter()
    for _pk, _member, _at, flags, _number, category, _kind in mail.each():
        if category == Category.TRANSACTIONAL:
            counts["transactional"] += 1
            counts["transactional_with_unsubscribe"] += bool(flags & HAS_LIST_UNSUBSCRIBE)
            continue
        counts["non_transactional"] += 1
        counts["both_headers"] += (flags & BOTH_HEADERS) == BOTH_HEADERS
        counts["link_for_recipient"] += bool(flags & LINK_FOR_RECIPIENT)
    share = counts["both_headers"] / counts["non_transactional"] if counts["non_transactional"] else None
    return {**counts, "share": share}


OUTCOMES = """
SELECT
  CASE
    WHEN o.channel = 'email' AND o.status = 'sent' THEN 'sent on its own'
    WHEN o.status = 'cancelled' THEN 'cancelled at send time: ' || o.reason
    WHEN o.digest_id IS NOT NULL AND g.status = 'sent' THEN 'in a sent digest'
    WHEN o.digest_id IS NOT NULL AND g.status = 'cancelled' THEN 'in a cancelled digest: ' || g.reason
    WHEN o.digest_id IS NOT NULL THEN 'in a digest still ' || g.status
    ELSE 'still waiting: ' || o.channel || ' ' || o.status
  END AS outcome,
  o.category = 'transactional' AS transactional,
  count(*)
FROM content_delivery o LEFT JOIN content_delivery g ON g.id = o.digest_id
WHERE o.channel IN ('email', 'digest') AND o.source_kind <> %(digest)s
  AND NOT (o.status = 'cancelled' AND o.inbox_item_id IS NULL AND o.category = 'promotional'
           AND o.reason IN (%(no_consent)s, %(weekly)s))
GROUP BY 1, 2 ORDER BY 3 DESC
"""

REFUSED = """
SELECT reason, count(*) FROM content_delivery
WHERE status = 'cancelled' AND inbox_item_id IS NULL AND category = 'promotional'
  AND reason IN (%(no_consent)s, %(weekly)s)
GROUP BY reason
"""

# Per digest: the items attached (not cancelled) and how many of them _digest_content must leave out
# for reasons it states (no inbox item or read already, the member's switch for that type, a one-click
# stop, marketing consent absent when it was sent, an event reminder whose event has started). Nothing
# is deleted or hidden in the simulation, so visibility never leaves anything out.
DIGEST_ITEMS = """
SELECT g.id, g.status, count(i.id),
  count(i.id) FILTER (WHERE
    i.inbox_item_id IS NULL OR ii.read_at IS NOT NULL
    OR (i.category = 'posts' AND NOT m.email_new_posts)
    OR (i.category = 'replies' AND NOT m.email_replies)
    OR (i.category = 'mentions' AND NOT m.email_mentions)
    OR (i.category = 'promotional' AND NOT m.email_announcements)
    OR (i.source_kind LIKE 'event.reminder%%' AND NOT m.email_event_reminders)
    OR EXISTS (SELECT 1 FROM content_emailoptout s WHERE s.member_id = i.recipient_id
               AND s.category = i.category)
    OR (i.category = 'promotional' AND NOT coalesce((
          SELECT c.granted FROM privacy_consententry c
          WHERE c.member_id = i.recipient_id AND c.purpose = 'marketing'
            AND c.created_at <= coalesce(g.sent_at, g.due_at)
          ORDER BY c.created_at DESC, c.id DESC LIMIT 1), false))
    OR (i.source_kind LIKE 'event.reminder%%' AND NOT EXISTS (
          SELECT 1 FROM content_event e WHERE e.id = i.source_id AND e.deleted_at IS NULL
            AND e.status = 'published' AND e.starts_at > coalesce(g.sent_at, g.due_at)))
  )
FROM content_delivery g
JOIN content_delivery i ON i.digest_id = g.id AND i.status <> 'cancelled'
JOIN members_member m ON m.id = g.recipient_id
LEFT JOIN content_inboxitem ii ON ii.id = i.inbox_item_id
WHERE g.source_kind = %(digest)s AND g.channel = 'email' AND g.status IN ('sent', 'cancelled')
GROUP BY g.id, g.status
"""


WAITING = """
SELECT o.recipient_id, o.channel, o.status, o.created_at, o.due_at, m.timezone, m.email_mode
FROM content_delivery o JOIN members_member m ON m.id = o.recipient_id
WHERE o.channel IN ('email', 'digest') AND o.source_kind <> %(digest)s AND o.digest_id IS NULL
  AND o.status IN ('pending', 'sending', 'rolled_over')
"""


def next_digest(*, after: datetime, zone: zoneinfo.ZoneInfo, weekly: bool) -> datetime:
    """The first moment after `after` when digests_compose takes the member's waiting items: the
    beginning of their local digest hour (on a Monday for a weekly digest)."""
    hour = getattr(settings, "DELIVERY_DIGEST_HOUR", 8)
    local = after.astimezone(zone)
    day = local.date()
    while True:
        moment = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
        if moment >= local and (not weekly or day.weekday() == MONDAY):
            return moment
        day += timedelta(days=1)


def _waiting(*, end: datetime) -> dict:
    """Rows neither sent nor in a digest when the run ended: waiting legitimately when the member's
    next digest (or an email's due time) comes after the end, overdue otherwise (lost)."""
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    waiting = Counter()
    for _member, channel, status, created_at, due_at, zone_name, mode in _rows(WAITING, {"digest": DIGEST}):
        zone = zones.setdefault(zone_name, zoneinfo.ZoneInfo(zone_name))
        if channel == "email" and status in ("pending", "sending"):
            ok = status == "pending" and due_at > end
        else:
            ok = next_digest(after=created_at, zone=zone, weekly=mode == EmailMode.WEEKLY) > end
        waiting[f"{'waiting for a moment after the end' if ok else 'overdue'}: {channel} {status}"] += 1
    return dict(waiting)


def _accounting(*, mail: Mail, end: datetime) -> dict:
    """Owed (what the planner decided each member should get by email or digest) against what arrived
    (sent on its own, or a line of a sent digest) and what was deliberately not sent, with its reason."""
    params = {"digest": DIGEST, "no_consent": NO_MARKETING_CONSENT, "weekly": ONE_PROMOTION_A_WEEK}
    outcomes = Counter()
    transactional_owed = 0
    for outcome, transactional, count in _rows(OUTCOMES, params):
        outcomes[outcome] += count
        transactional_owed += count if transactional else 0
    owed = sum(outcomes.values())
    lines = {}
    r = mail.recorder
    for i in range(len(r)):
        if mail.kind.get(r.delivery[i], ("", ""))[1] == DIGEST:
            lines[r.delivery[i]] = r.number[i]
    left_out = expected_left_out = unexplained = digest_lines = 0
    for digest_id, status, attached, expected in _rows(DIGEST_ITEMS, params):
        shown = lines.get(digest_id, 0) if status == "sent" else 0
        digest_lines += shown
        left_out += attached - shown
        expected_left_out += expected
        unexplained += abs(attached - shown - expected)
    sent_alone = outcomes["sent on its own"]
    in_digest_rows = outcomes["in a sent digest"]
    cancelled = {k: v for k, v in outcomes.items() if k.startswith("cancelled at send time")}
    delivered = sent_alone + digest_lines
    # items of a cancelled digest were all left out (it had nothing left to say): the check above
    # compares them with what the member's choices explain, like those of a sent digest
    in_cancelled_digests = sum(v for k, v in outcomes.items() if k.startswith("in a cancelled digest"))
    not_delivered_with_reason = sum(cancelled.values()) + (left_out - unexplained)
    waiting = _waiting(end=end)
    waiting_legitimately = sum(v for k, v in waiting.items() if k.startswith("waiting for"))
    lost = owed - delivered - not_delivered_with_reason - waiting_legitimately
    return {
        "owed": owed,
        "owed_transactional": transactional_owed,
        "delivered": delivered,
        "sent_on_their_own": sent_alone,
        "digest_lines": digest_lines,
        "rows_in_sent_digests": in_digest_rows,
        "rows_in_cancelled_digests": in_cancelled_digests,
        "left_out_of_digests": left_out,
        "left_out_explained_by_member_choices": expected_left_out,
        "left_out_unexplained": unexplained,
        "cancelled_at_send_time": cancelled,
        "waiting_at_the_end": waiting,
        "waiting_legitimately": waiting_legitimately,
        "lost": lost,
        "outcomes": dict(outcomes),
        "not_queued_by_the_planner": dict(_rows(REFUSED, params)),
    }


def _baseline(*, config) -> int:
    """Naive: every active member of a space is emailed about every post in it (the author excepted),
    over the same posts the simulation published (promotions included)."""
    end = config.start + timedelta(days=config.days)
    return _rows(
        "SELECT count(*) FROM content_post p JOIN content_spacemembership sm"
        " ON sm.space_id = p.space_id AND sm.status = 'active' AND sm.member_id <> p.author_id"
        " WHERE p.status = 'published' AND p.created_at >= %s AND p.created_at < %s",
        [config.start, end],
    )[0][0]


def report_build(*, config, world, activity, recorder: Recorder) -> dict:
    mail = Mail(recorder)
    days = _per_member_day(config=config, world=world, mail=mail)
    promotions = _promotions(mail=mail)
    headers = _headers(mail=mail)
    end = config.start + timedelta(days=config.days + config.drain_days)
    accounting = _accounting(mail=mail, end=end)
    naive = _baseline(config=config)
    total = len(recorder)
    kinds = Counter()
    for _pk, _member, _at, _flags, _number, category, source_kind in mail.each():
        kinds["digest" if source_kind == DIGEST else category] += 1
    activity_counts = {
        **dict(activity.counts),
        "posts_in_db": Post.objects.count(),
        "comments_in_db": Comment.objects.count(),
        "events_in_db": Event.objects.count(),
        "rsvps_in_db": RSVP.objects.count(),
        "refused_by_services": dict(activity.refused),
    }
    wire = {
        "emails": total,
        "by_kind": dict(kinds),
        "sent_rows": mail.sent_rows,
        "captured_twice": mail.duplicates,
        "captured_but_not_marked_sent": mail.captured_not_marked,
        "marked_sent_but_not_captured": mail.marked_not_captured,
        "unknown_messages": recorder.unknown,
    }
    worst = days["worst"]
    figures = [
        Figure(
            id="S1.median",
            what="emails per member per day, median",
            unit="emails",
            value=days["median"],
            target="info",
            note=f"over {days['member_days']:,} member-days (full local days of the "
            f"simulated {config.days}; days without email count as 0), mean {days['mean']:.2f}",
        ),
        Figure(
            id="S1.p95",
            what="emails per member per day, p95",
            unit="emails",
            value=days["p95"],
            target="info",
        ),
        Figure(
            id="S1.max",
            what="emails per member per day, max",
            unit="emails",
            value=days["max"],
            target="each <= own cap + digest",
            passed=days["over_cap_member_days"] == 0 and days["most_digests_in_a_day"] <= 1,
            note=(
                f"worst member-day: {worst['emails']} emails ({worst['budgeted']} budgeted, "
                f"{worst['digests']} digest, {worst['transactional']} transactional) against cap "
                f"{worst['cap']} ({worst['profile']} member); {days['over_cap_member_days']} member-days "
                f"over cap + digest; with transactional mail (which skips budgets by design) counted too: "
                f"{days['over_cap_member_days_counting_transactional']}"
                if worst
                else "no email at all"
            ),
        ),
        Figure(
            id="S2",
            what="promotional emails to members without consent",
            unit="emails",
            value=promotions["without_consent"],
            target="= 0",
            passed=promotions["without_consent"] == 0,
            note=f"of {promotions['promotional_emails']:,} promotional emails ({promotions['alone']:,} on "
            f"their own, {promotions['in_a_digest']:,} digests listing a promotion) to "
            f"{promotions['members_reached']:,} members",
        ),
        Figure(
            id="S3",
            what="promotional emails per member in any 7 days, max",
            unit="emails",
            value=promotions["most_in_7_days"],
            target="<= 1",
            passed=promotions["most_in_7_days"] <= 1,
            note=f"{promotions['members_over_one_in_7_days']} members got more than one within 7 days"
            + (
                f"; closest two: {promotions['closest_two']['days']} days apart"
                if promotions["closest_two"]
                else ""
            ),
        ),
        Figure(
            id="S4",
            what="non-transactional emails with both RFC 8058 headers",
            unit="%",
            baseline=headers.get("non_transactional", 0),
            value=None if headers["share"] is None else round(100 * headers["share"], 3),
            target="100 %",
            passed=headers["share"] == 1,
            note=f"{headers.get('both_headers', 0):,} of {headers.get('non_transactional', 0):,} "
            f"(link naming the recipient: {headers.get('link_for_recipient', 0):,}); transactional: "
            f"{headers.get('transactional', 0):,}, with a List-Unsubscribe: "
            f"{headers.get('transactional_with_unsubscribe', 0):,}",
        ),
        Figure(
            id="S5",
            what="deliveries owed but lost",
            unit="deliveries",
            baseline=accounting["owed"],
            value=accounting["lost"],
            target="= 0",
            passed=accounting["lost"] == 0,
            note=f"owed {accounting['owed']:,}: delivered {accounting['delivered']:,} "
            f"({accounting['sent_on_their_own']:,} on their own, {accounting['digest_lines']:,} as digest "
            f"lines), left out of digests by the member's own choices "
            f"{accounting['left_out_of_digests'] - accounting['left_out_unexplained']:,}, cancelled at send "
            f"time with a reason {sum(accounting['cancelled_at_send_time'].values()):,}, waiting for a "
            f"digest due after the end {accounting['waiting_legitimately']:,}",
        ),
        Figure(
            id="S6",
            what="reduction against emailing every post to every member",
            unit="emails",
            baseline=naive,
            value=total,
            ratio=naive / total if total else None,
            target=">= 5x fewer",
            passed=bool(total) and naive / total >= 5,
            note=f"naive {naive:,} emails for {activity.counts['posts'] + activity.counts['promotions']:,} "
            f"posts; sent {total:,} ({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))})",
        ),
    ]
    return {
        "figures": figures,
        "per_member_day": days,
        "promotions": promotions,
        "headers": headers,
        "accounting": accounting,
        "naive_baseline": naive,
        "wire": wire,
        "activity": activity_counts,
        "members": {
            "profiles": dict(Counter(world.profile.values())),
            "zones": dict(Counter(world.zone[m] for m in world.members)),
            "marketing_consent_at_end": len(world.marketing),
            "space_sizes": {str(pk): len(v) for pk, v in world.space_members.items()},
        },
    }


def _ratio(figure: Figure) -> str:
    return "-" if figure.ratio is None else f"{figure.ratio:.2f}"


def report_print(*, config, machine: dict, report: dict) -> None:
    activity = report["activity"]
    seconds = report.get("run", {}).get("seconds", {})
    print()
    print(
        f"Simulation: {config.members:,} members, {config.days} days (+{config.drain_days} quiet days), "
        f"{activity.get('posts', 0):,} posts, {activity.get('comments', 0):,} comments, "
        f"{activity.get('events', 0):,} events ({activity.get('rsvps', 0):,} RSVPs), "
        f"{activity.get('promotions', 0):,} promotions; on {machine['cpu_model']}, {machine['cores']} cores, "
        f"PostgreSQL {machine['postgresql']}; {seconds.get('total', 0):,.0f}s"
    )
    print(table_format(report["figures"]))
    if seconds:
        print("\nrun time (s): " + ", ".join(f"{k} {v:,.1f}" for k, v in seconds.items()))


def report_write(*, path: Path, config, machine: dict, report: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figures = report["figures"]
    document = {
        "generated_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "scale": config.scale(),
        "figures": [{**asdict(f), "measured": f.measured} for f in figures],
        "all_targets_met": all(f.passed is not False for f in figures),
        **{k: v for k, v in report.items() if k != "figures"},
    }
    path.write_text(json.dumps(_clean(document), indent=2, ensure_ascii=False, default=str) + "\n")
