"""R5 (issue 9): the retention job killed in the middle of each category. A rerun completes, a third run
changes nothing, and no half-anonymised member exists at any point a reader can see.

The job is the real one in a process of its own (the `retention_apply` management command: the account
deletions of privacy.complete_deletions, then every category of privacy.apply_retention), against the
test database, with expired rows seeded in every category that has a handler (several batches each).
"Inside a category" is made exact without any hook in the code: before each run the test's own
transaction locks one row of that category that the job reaches only after committing earlier batches
of it; the job blocks there, the test sees it in pg_blocking_pids and sends SIGKILL. The job's open
transaction dies with it (PostgreSQL rolls it back once the lock is released and the backend finds its
client gone). Each run is killed inside the next category, so it first finishes what the previous
killed run left: run k+1 is the rerun of category k. A last run completes, and one more changes nothing
(row counts and checksums of every table involved identical, every proof of that run says 0 rows).

Meanwhile a reader polls in its own connection: every look is one statement (one snapshot) over each
leaving member's personal data in every app (profile, addresses, active days, memberships, mentions and
the text that names them, consents, export archives, closure, request), and every deleted post's text
and earlier versions. Each must be all present or all gone.

Weaknesses this found, fixed in privacy/ (each fails this test when reverted): an account was erased
app by app in separate transactions, so a reader saw it half erased and a killed job left it so for an
hour (privacy/deletion.py: one transaction per account, the request's row lock as the claim); and a
killed run left no proof of the batches it had committed (privacy/retention.py: the RetentionRun is
written unfinished at the start and each batch adds its count in its own transaction); and a run killed
inside an app's own purge service (access logs, export archives, unverified signups) left a proof of 0
rows although rows were gone (each purge now calls on_batch inside every batch's transaction, and the
engine adds it to the proof there).
"""

import inspect
import os
import select
import signal
import subprocess
import sys
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import psycopg2
import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from content.delivery.models import Delivery
from content.models import (
    Comment,
    Event,
    InboxItem,
    Mention,
    Poll,
    PollOption,
    Post,
    PostRevision,
    Space,
    SpaceMembership,
)
from members.models import ActiveDay, Member
from moderation.models import Complaint, ComplaintMessage, IpNotice
from privacy.access_log import access_log_partitions, access_log_partitions_ensure
from privacy.models import (
    AccessLog,
    AccountClosure,
    ConsentEntry,
    DeletionRequest,
    ExportArchive,
    RetentionRun,
    StaffAccess,
)
from privacy.registry import retention_handlers
from tests.factories import SpaceFactory
from tests.privacy.conftest import privacy_seed
from tests.reliability.processes import bulk_members, database_url, project_env, wait_until

# Rows per category. BATCH_SIZE is 500, so 1,200 expired rows take three batches; the lock sits on the
# LOCK_AT-th row (by id), inside the second batch: the first batch is committed when the job is killed.
EXPIRED = 1200
LOCK_AT = 700
DONE_AT_KILL = 500
LEAVERS = 30
LEAVER_LOCKED = 12  # the job erases leavers 0..11 and blocks inside leaver 12
EXPORTS_SPENT = 40
ACCESS_MONTHS = 4  # monthly partitions wholly past the cutoff, each dropped in its own transaction
ACCESS_PER_MONTH = 1000
ENGINE = {"consent_ledger", "deleted_content_records", "delivery_records", "moderation_records"}
ENGINE |= {"staff_access_logs"}  # batched by privacy's engine, which counts each batch in its proof
# The app's own service, which reports each batch through on_batch (in the batch's transaction) too.
PURGE = {"access_logs", "export_archives", "unverified_signups"}
# The order the job visits them in: deletions first, then the schedule by key.
ORDER = [
    "deleted_accounts",
    "access_logs",
    "consent_ledger",
    "deleted_content_records",
    "delivery_records",
    "export_archives",
    "moderation_records",
    "staff_access_logs",
    "unverified_signups",
]


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


def backdate(model, ids, **values) -> None:
    model.objects.filter(pk__in=ids).update(**values)


# --- the seed ----------------------------------------------------------------------------------------


@dataclass
class Seed:
    now: object
    space: Space
    owners: list[int]
    leavers: list[tuple[int, str, int]] = field(default_factory=list)  # (member id, name, post mentioning)
    ledger_refs: list[int] = field(default_factory=list)
    expired_posts: list[int] = field(default_factory=list)
    old_partitions: list[str] = field(default_factory=list)
    locks: dict[str, tuple[str, list]] = field(default_factory=dict)  # category -> (SQL, params)

    # What is left to do in each category (0 when complete), read from the tables.
    def remaining(self, key: str) -> int:
        cutoff_access = self.now - timedelta(days=190)
        if key == "deleted_accounts":
            return DeletionRequest.objects.filter(
                member_ref__in=[m for m, _n, _p in self.leavers], completed_at__isnull=True
            ).count()
        if key == "access_logs":
            return AccessLog.objects.filter(time__lt=cutoff_access).count()
        if key == "consent_ledger":
            return ConsentEntry.objects.filter(member_ref__in=self.ledger_refs[:-1]).count()
        if key == "deleted_content_records":
            old = Q(deleted_at__lt=self.now - timedelta(days=190))
            return (
                Post.objects.filter(old).exclude(title="", body="").count()
                + Comment.objects.filter(old).exclude(body="").count()
                + Event.objects.filter(old).exclude(title="").count()
                + PollOption.objects.filter(poll__post__deleted_at__lt=self.now - timedelta(days=190))
                .exclude(label="")
                .count()
            )
        if key == "delivery_records":
            old = self.now - timedelta(days=90)
            return (
                Delivery.objects.filter(created_at__lt=old, status="sent").count()
                + InboxItem.objects.filter(created_at__lt=old).count()
            )
        if key == "export_archives":
            # A spent archive is two steps (its file goes, then its row), a failed one is one (its row).
            present = ExportArchive.objects.filter(member_id__in=self.owners).exclude(
                status="ready", expires_at__gt=self.now
            )
            return present.count() + present.filter(status="ready").count()
        if key == "moderation_records":
            old = self.now - timedelta(days=365)
            return (
                Complaint.objects.filter(status="closed", closed_at__lt=old).count()
                + IpNotice.objects.filter(settled_at__lt=old).count()
            )
        if key == "staff_access_logs":
            return StaffAccess.objects.filter(created_at__lt=self.now - timedelta(days=1095)).count()
        if key == "unverified_signups":
            return Member.objects.filter(email__startswith="unverified-old").count()
        raise KeyError(key)

    def archive_rows(self) -> int:
        return ExportArchive.objects.filter(member_id__in=self.owners).count()

    def kept(self) -> dict[str, int]:
        """Rows inside their keep-period (or not yet finished): no run may touch these."""
        return {
            "recent access log": AccessLog.objects.filter(time__gt=self.now - timedelta(days=189)).count(),
            "ledger of a recent closure": ConsentEntry.objects.filter(
                member_ref=self.ledger_refs[-1]
            ).count(),
            "recently deleted posts with text": Post.objects.filter(
                deleted_at__gt=self.now - timedelta(days=59)
            )
            .exclude(body="")
            .count(),
            "recent deliveries": Delivery.objects.filter(
                created_at__gt=self.now - timedelta(days=89)
            ).count(),
            "unfinished old deliveries": Delivery.objects.filter(status="pending").count(),
            "recent inbox": InboxItem.objects.filter(created_at__gt=self.now - timedelta(days=89)).count(),
            "live export archives": ExportArchive.objects.filter(
                member_id__in=self.owners, status="ready", expires_at__gt=self.now
            ).count(),
            "recent complaints": Complaint.objects.filter(
                closed_at__gt=self.now - timedelta(days=364)
            ).count(),
            "recent staff access": StaffAccess.objects.filter(
                created_at__gt=self.now - timedelta(days=1094)
            ).count(),
            "young unverified signups": Member.objects.filter(email__startswith="unverified-new").count(),
            "owners": Member.objects.filter(pk__in=self.owners, is_active=True).count(),
        }


def seed_everything() -> Seed:
    now = timezone.now()
    space = SpaceFactory()
    owners = bulk_members(space=space, count=3, prefix="owner")
    seed = Seed(now=now, space=space, owners=owners)
    seed_leavers(seed)
    seed_access_log(seed)
    seed_consent_ledger(seed)
    seed_deleted_content(seed)
    seed_deliveries(seed)
    seed_exports(seed)
    seed_moderation(seed)
    seed_staff_access(seed)
    seed_unverified(seed)
    return seed


def members_of(space: Space, *, count: int, prefix: str) -> list[int]:
    """bulk_members, with the space's member count kept right (leaving the space decrements it)."""
    ids = bulk_members(space=space, count=count, prefix=prefix)
    Space.objects.filter(pk=space.pk).update(member_count=SpaceMembership.objects.filter(space=space).count())
    return ids


def seed_leavers(seed: Seed) -> None:
    """Members whose deletion is due, with personal data in every app that erases something."""
    ids = members_of(seed.space, count=LEAVERS, prefix="leaver")
    members = list(Member.objects.filter(pk__in=ids).order_by("pk"))
    for n, member in enumerate(members):
        member.display_name = f"Leaver {n}"
        member.bio = f"I am leaver {n}."
    Member.objects.bulk_update(members, ["display_name", "bio"])
    ActiveDay.objects.bulk_create([ActiveDay(member_id=m, day=date(2026, 1, 2)) for m in ids])
    ConsentEntry.objects.bulk_create(
        [
            ConsentEntry(member_id=m, member_ref=m, purpose=purpose, granted=True, channel="web")
            for m in ids
            for purpose in ("terms", "marketing")
        ]
    )
    ExportArchive.objects.bulk_create(
        [
            ExportArchive(
                member_id=m, status="ready", ready_at=seed.now, expires_at=seed.now + timedelta(days=5)
            )
            for m in ids
        ]
    )
    posts = Post.objects.bulk_create(
        [
            Post(
                space=seed.space,
                author_id=seed.owners[0],
                title=f"Thanks to leaver {n}",
                body=f'Thank you @"{m.display_name}" for the help.',
                body_html=f"<p>Thank you @{m.display_name} for the help.</p>",
                body_fingerprint=f"m{n:063d}",
            )
            for n, m in enumerate(members)
        ]
    )
    Mention.objects.bulk_create([Mention(member=m, post=p) for m, p in zip(members, posts, strict=True)])
    # Due one after another, so the job takes them in this order.
    DeletionRequest.objects.bulk_create(
        [
            DeletionRequest(
                member=m,
                member_ref=m.pk,
                requested_at=seed.now - timedelta(days=9),
                due_at=seed.now - timedelta(days=2, minutes=LEAVERS - n),
            )
            for n, m in enumerate(members)
        ]
    )
    seed.leavers = [(m.pk, m.display_name, p.pk) for m, p in zip(members, posts, strict=True)]
    locked = members[LEAVER_LOCKED].pk
    seed.locks["deleted_accounts"] = (
        f"SELECT id FROM {ConsentEntry._meta.db_table} WHERE member_id = %s FOR UPDATE",  # noqa: S608
        [locked],
    )


def _month_start(moment):
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def seed_access_log(seed: Seed) -> None:
    """Four monthly partitions wholly past the 190 days (each dropped whole, in its own transaction),
    rows before the cutoff in the month it falls in (deleted in a batch), and recent rows (kept)."""
    cutoff = seed.now - timedelta(days=190)
    cutoff_month = _month_start(cutoff)
    months = [cutoff_month]
    for _ in range(ACCESS_MONTHS):
        months.insert(0, _month_start(months[0] - timedelta(days=1)))
    access_log_partitions_ensure(since=months[0].date())
    partitions = {p.start: p.name for p in access_log_partitions()}
    assert all(m in partitions for m in months), "the access log is not partitioned by month"
    seed.old_partitions = [partitions[m] for m in months[:-1]]
    # rows of the cutoff's own month that are already past it (none when the cutoff is the 1st, 00:xx)
    in_cutoff_month = max(0, int((cutoff - cutoff_month).total_seconds()) - 3600)
    assert in_cutoff_month > 0, "the cutoff falls at the very start of a month; run again in an hour"
    rows = []
    for start in months[:-1]:
        rows += [start + timedelta(minutes=n) for n in range(ACCESS_PER_MONTH)]
    rows += [
        cutoff_month + timedelta(seconds=n * in_cutoff_month // ACCESS_PER_MONTH)
        for n in range(ACCESS_PER_MONTH)
    ]
    rows += [seed.now - timedelta(days=100, minutes=n) for n in range(300)]
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                member_ref=seed.owners[n % 3], ip="203.0.113.7", method="GET", path="/", status=200, time=t
            )
            for n, t in enumerate(rows)
        ]
    )
    # The month of the cutoff is not dropped whole; its expired rows go in a batched DELETE, which blocks
    # on this row lock (taken on the partition itself, so the parent stays free to drop partitions).
    cutoff_partition = partitions[cutoff_month]
    seed.locks["access_logs"] = (
        f"SELECT 1 FROM {cutoff_partition} WHERE time < %s ORDER BY time DESC LIMIT 1 FOR UPDATE",  # noqa: S608
        [cutoff - timedelta(hours=1)],
    )


def seed_consent_ledger(seed: Seed) -> None:
    """Ledgers of accounts closed four years ago (past account + 3 years), one closed last year (kept)."""
    base = 900_000_000
    seed.ledger_refs = [base + 1, base + 2, base + 3, base + 4]
    AccountClosure.objects.bulk_create(
        [
            AccountClosure(member_ref=ref, closed_at=seed.now - timedelta(days=4 * 365))
            for ref in seed.ledger_refs[:-1]
        ]
        + [AccountClosure(member_ref=seed.ledger_refs[-1], closed_at=seed.now - timedelta(days=365))]
    )
    entries = ConsentEntry.objects.bulk_create(
        [
            ConsentEntry(
                member=None, member_ref=seed.ledger_refs[n % 3], purpose="terms", granted=True, channel="web"
            )
            for n in range(EXPIRED)
        ]
        + [
            ConsentEntry(
                member=None, member_ref=seed.ledger_refs[-1], purpose="terms", granted=True, channel="web"
            )
            for _ in range(50)
        ]
    )
    seed.locks["consent_ledger"] = _row_lock(ConsentEntry, entries[LOCK_AT - 1].pk)


def _row_lock(model, pk: int) -> tuple[str, list]:
    return f"SELECT 1 FROM {model._meta.db_table} WHERE id = %s FOR UPDATE", [pk]  # noqa: S608


def seed_deleted_content(seed: Seed) -> None:
    """Posts (each with an earlier version), comments, events and poll options deleted 200 days ago:
    their text is anonymised. Posts deleted 30 days ago keep theirs (under the 60-day floor)."""
    author = seed.owners[1]

    def post(n: int, deleted_days: int) -> Post:
        return Post(
            space=seed.space,
            author_id=author,
            title=f"Deleted post {n}",
            body=f"What was said in post {n}.",
            body_html=f"<p>What was said in post {n}.</p>",
            body_fingerprint=f"d{n:063d}",
            deleted_at=seed.now - timedelta(days=deleted_days),
        )

    expired = Post.objects.bulk_create([post(n, 200) for n in range(EXPIRED)])
    recent = Post.objects.bulk_create([post(EXPIRED + n, 30) for n in range(50)])
    PostRevision.objects.bulk_create(
        [
            PostRevision(post=p, title=p.title, body="An earlier version.", edited_by_id=author)
            for p in expired + recent
        ]
    )
    seed.expired_posts = [p.pk for p in expired]
    live = Post.objects.create(
        space=seed.space,
        author_id=author,
        title="Live",
        body="Live.",
        body_html="<p>Live.</p>",
        body_fingerprint="l" * 64,
    )
    Comment.objects.bulk_create(
        [
            Comment(
                post=live,
                author_id=author,
                body=f"Deleted comment {n}",
                body_html=f"<p>Deleted comment {n}</p>",
                body_fingerprint=f"c{n:063d}",
                deleted_at=seed.now - timedelta(days=200),
            )
            for n in range(600)
        ]
    )
    starts = seed.now - timedelta(days=300)
    Event.objects.bulk_create(
        [
            Event(
                space=seed.space,
                organiser_id=author,
                title=f"Deleted event {n}",
                description="Come along.",
                description_html="<p>Come along.</p>",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                location="Shanghai, Xuhui",
                deleted_at=seed.now - timedelta(days=200),
            )
            for n in range(60)
        ]
    )
    polls = Poll.objects.bulk_create([Poll(post=p) for p in expired[:20]])
    PollOption.objects.bulk_create(
        [PollOption(poll=poll, position=i, label=f"Option {i}") for poll in polls for i in range(3)]
    )
    seed.locks["deleted_content_records"] = _row_lock(Post, expired[LOCK_AT - 1].pk)


def seed_deliveries(seed: Seed) -> None:
    """Sent deliveries and inbox items older than 90 days (deleted); recent ones, and old ones still
    pending (a row in flight keeps a message from going out twice), stay."""

    def delivery(n: int, status: str) -> Delivery:
        return Delivery(
            source_kind="post",
            source_id=n,
            recipient_id=seed.owners[2],
            channel="email",
            category="posts",
            status=status,
            due_at=seed.now - timedelta(days=100),
        )

    old = Delivery.objects.bulk_create([delivery(n, "sent") for n in range(EXPIRED)])
    pending = Delivery.objects.bulk_create([delivery(EXPIRED + n, "pending") for n in range(30)])
    Delivery.objects.bulk_create([delivery(2 * EXPIRED + n, "sent") for n in range(100)])
    backdate(Delivery, [d.pk for d in old + pending], created_at=seed.now - timedelta(days=100))
    inbox = [
        InboxItem(recipient_id=seed.owners[2], kind="reply", url="/x", data={"title": "Hi"})
        for _ in range(700)
    ]
    inbox = InboxItem.objects.bulk_create(inbox)
    backdate(InboxItem, [i.pk for i in inbox[:600]], created_at=seed.now - timedelta(days=100))
    seed.locks["delivery_records"] = _row_lock(Delivery, old[LOCK_AT - 1].pk)


def seed_exports(seed: Seed) -> None:
    """Archives past their 7 days (the file goes, then the row), failed ones (the row goes), live ones.
    The service first expires every spent archive's file (one transaction each; not a row deleted),
    then deletes the rows in batches by id: the lock sits on the LOCK_AT-th of those, in the second."""

    def archive(n: int, status: str, expires_days: int) -> ExportArchive:
        return ExportArchive(
            member_id=seed.owners[n % 3], status=status, expires_at=seed.now + timedelta(days=expires_days)
        )

    spent = ExportArchive.objects.bulk_create([archive(n, "ready", -10) for n in range(EXPORTS_SPENT)])
    failed = ExportArchive.objects.bulk_create([archive(n, "failed", -10) for n in range(EXPIRED)])
    ExportArchive.objects.bulk_create([archive(n, "ready", 3) for n in range(20)])
    backdate(ExportArchive, [a.pk for a in spent + failed], created_at=seed.now - timedelta(days=20))
    seed.locks["export_archives"] = _row_lock(ExportArchive, (spent + failed)[LOCK_AT - 1].pk)


def seed_moderation(seed: Seed) -> None:
    """Complaints closed and IP notices settled over a year ago (deleted, with their messages)."""

    def complaint(n: int, closed_days: int) -> Complaint:
        return Complaint(
            author_id=seed.owners[0],
            topic="service",
            subject=f"Complaint {n}",
            status="closed",
            due_at=seed.now - timedelta(days=closed_days + 10),
            closed_at=seed.now - timedelta(days=closed_days),
        )

    old = Complaint.objects.bulk_create([complaint(n, 400) for n in range(EXPIRED)])
    Complaint.objects.bulk_create([complaint(EXPIRED + n, 30) for n in range(50)])
    ComplaintMessage.objects.bulk_create(
        [ComplaintMessage(complaint=c, author_id=seed.owners[0], body="Please help.") for c in old]
    )
    IpNotice.objects.bulk_create(
        [
            IpNotice(
                holder_name="A Rights Holder",
                holder_email="holder@example.com",
                right="copyright",
                evidence="Registration 1",
                evidence_url="https://example.com/reg",
                content_url="/posts/1/",
                kind="post",
                object_id=n,
                target_author_id=seed.owners[1],
                status="closed",
                settled_at=seed.now - timedelta(days=400),
            )
            for n in range(100)
        ]
    )
    seed.locks["moderation_records"] = _row_lock(Complaint, old[LOCK_AT - 1].pk)


def seed_staff_access(seed: Seed) -> None:
    rows = [
        StaffAccess(staff_email="staff@example.org", subject_id=seed.owners[0], what="profile", reason="case")
        for _ in range(EXPIRED + 100)
    ]
    rows = StaffAccess.objects.bulk_create(rows)
    backdate(StaffAccess, [r.pk for r in rows[:EXPIRED]], created_at=seed.now - timedelta(days=1200))
    seed.locks["staff_access_logs"] = _row_lock(StaffAccess, rows[LOCK_AT - 1].pk)


def seed_unverified(seed: Seed) -> None:
    """Signups that never verified an address: 10 days old (deleted), 2 days old (kept)."""

    def member(prefix: str, n: int) -> Member:
        return Member(email=f"{prefix}{n}@example.org", display_name=f"Unverified {n}", password="!")

    old = Member.objects.bulk_create([member("unverified-old", n) for n in range(EXPIRED)])
    young = Member.objects.bulk_create([member("unverified-new", n) for n in range(50)])
    backdate(Member, [m.pk for m in old], date_joined=seed.now - timedelta(days=10))
    backdate(Member, [m.pk for m in young], date_joined=seed.now - timedelta(days=2))
    seed.locks["unverified_signups"] = _row_lock(Member, old[LOCK_AT - 1].pk)


# --- the reader: one snapshot per look ------------------------------------------------------------------

# Every piece of a leaving member's personal data that the deletion code erases (privacy/personal_data,
# members/privacy.erase_member, content/privacy.erase_content), as "is it gone?".
PIECES = (
    "email",
    "display name",
    "bio",
    "account active",
    "email addresses",
    "active days",
    "space memberships",
    "mention rows",
    "name in others' text",
    "consents linked",
    "export archives",
    "closure recorded",
    "request completed",
)


def _member_sql() -> str:
    t = {
        m.__name__: m._meta.db_table
        for m in (
            Member,
            EmailAddress,
            ActiveDay,
            SpaceMembership,
            Mention,
            Post,
            ConsentEntry,
            ExportArchive,
            AccountClosure,
            DeletionRequest,
        )
    }
    return f"""
        SELECT m.id,
            m.email LIKE 'deleted-%%@invalid',
            m.display_name = '',
            m.bio = '',
            NOT m.is_active,
            NOT EXISTS (SELECT 1 FROM {t["EmailAddress"]} e
                        WHERE e.user_id = m.id AND e.email NOT LIKE 'deleted-%%@invalid'),
            NOT EXISTS (SELECT 1 FROM {t["ActiveDay"]} a WHERE a.member_id = m.id),
            NOT EXISTS (SELECT 1 FROM {t["SpaceMembership"]} s WHERE s.member_id = m.id),
            NOT EXISTS (SELECT 1 FROM {t["Mention"]} x WHERE x.member_id = m.id),
            NOT EXISTS (SELECT 1 FROM {t["Post"]} p WHERE p.id = l.post_id AND strpos(p.body, l.needle) > 0),
            NOT EXISTS (SELECT 1 FROM {t["ConsentEntry"]} c WHERE c.member_id = m.id),
            NOT EXISTS (SELECT 1 FROM {t["ExportArchive"]} x WHERE x.member_id = m.id),
            EXISTS (SELECT 1 FROM {t["AccountClosure"]} c WHERE c.member_ref = m.id),
            EXISTS (SELECT 1 FROM {t["DeletionRequest"]} d
                    WHERE d.member_ref = m.id AND d.completed_at IS NOT NULL)
        FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS l(member_id, post_id, needle)
        JOIN {t["Member"]} m ON m.id = l.member_id
    """  # noqa: S608 - table names from the models


def _post_sql() -> str:
    # A deleted post whose title and body disagree, or whose text is gone while an earlier version stays
    # (or the reverse): anonymised halfway.
    return f"""
        SELECT p.id FROM {Post._meta.db_table} p
        WHERE p.deleted_at IS NOT NULL AND (
            (p.title = '') <> (p.body = '')
            OR (p.body = '') = EXISTS (SELECT 1 FROM {PostRevision._meta.db_table} r WHERE r.post_id = p.id)
        )
        LIMIT 5
    """  # noqa: S608 - table names from the models


class Reader(threading.Thread):
    """A reader of the database beside the job, looking again and again until stopped."""

    def __init__(self, leavers: list[tuple[int, str, int]]) -> None:
        super().__init__(daemon=True, name="retention reader")
        self.params = (
            [m for m, _n, _p in leavers],
            [p for _m, _n, p in leavers],
            [f'@"{n}"' for _m, n, _p in leavers],
        )
        self.looks = 0
        self.mixed: list[str] = []
        self.half_posts: list[int] = []
        self.seen: dict[int, set[bool]] = defaultdict(set)
        self.error: BaseException | None = None
        self._stopping = threading.Event()
        self._member_sql = _member_sql()
        self._post_sql = _post_sql()

    def run(self) -> None:
        try:
            connection = psycopg2.connect(database_url(), application_name="r5-reader")
            connection.autocommit = True  # every statement its own snapshot, as a page's query
            with connection, connection.cursor() as cursor:
                while not self._stopping.is_set():
                    cursor.execute(self._member_sql, self.params)
                    for member_id, *gone in cursor.fetchall():
                        if len(set(gone)) > 1:
                            pieces = dict(zip(PIECES, gone, strict=True))
                            erased = [name for name, g in pieces.items() if g]
                            still = [name for name, g in pieces.items() if not g]
                            self.mixed.append(f"member {member_id}: erased {erased}, still there {still}")
                        self.seen[member_id].update(gone)
                    cursor.execute(self._post_sql)
                    self.half_posts += [row[0] for row in cursor.fetchall()]
                    self.looks += 1
                    self._stopping.wait(0.01)
            connection.close()
        except BaseException as error:  # reported by stop()
            self.error = error

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=10)
        if self.error is not None:
            raise self.error


# --- the job, its lock and its kill ---------------------------------------------------------------------


class Lock:
    """A transaction of the test's own that holds one lock until released, and a second connection that
    watches who waits for it."""

    def __init__(self) -> None:
        self.holder = psycopg2.connect(database_url(), application_name="r5-lock")
        self.watcher = psycopg2.connect(database_url(), application_name="r5-watch")
        self.watcher.autocommit = True
        with self.holder.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.pid = cursor.fetchone()[0]
        self.holder.rollback()

    def hold(self, sql: str, params: list) -> None:
        with self.holder.cursor() as cursor:
            cursor.execute(sql, params)
            assert cursor.rowcount > 0, f"nothing to lock: {sql} {params}"

    def waiting(self) -> int | None:
        """The backend blocked by our lock, if one is."""
        with self.watcher.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [self.pid]
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def gone(self, backend: int) -> bool:
        with self.watcher.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend])
            return cursor.fetchone() is None

    def release(self) -> None:
        self.holder.rollback()

    def close(self) -> None:
        self.holder.close()
        self.watcher.close()


# One process sets Django up once, then forks a fresh process for each run of `retention_apply` (the
# management command, as `manage.py retention_apply` runs it) and reports its pid and how it ended.
# Setting Django up costs about 1.5 s of CPU; eleven runs each setting it up took most of a minute on two
# cores busy with other work. Nothing is connected to the database when it forks.
SERVER = r"""
import os, sys, traceback
import django

django.setup()
from django.core.management import call_command
from django.db import connections

while True:
    log = sys.stdin.readline().strip()
    if not log:
        break
    connections.close_all()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, 1)
            os.dup2(out, 2)
            call_command("retention_apply")
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    print(f"started {pid}", flush=True)
    _, status = os.waitpid(pid, 0)
    print(f"ended {pid} {os.waitstatus_to_exitcode(status)}", flush=True)
"""


@dataclass
class Run:
    pid: int
    log: Path

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


class JobServer:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self._errors = (log_dir / "server.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            cwd=settings.BASE_DIR,
            env=project_env(DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="community.settings"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,  # unbuffered bytes: select() tells whether a line has come
            stderr=self._errors,
            bufsize=0,
        )

    def _line(self, *, timeout: float) -> str:
        ready, _w, _x = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline().decode() if ready else ""
        if not line:
            raise AssertionError(f"the job server said nothing:\n{(self.log_dir / 'server.log').read_text()}")
        return line

    def start(self, name: str) -> Run:
        log = self.log_dir / f"{name}.log"
        self.process.stdin.write(f"{log}\n".encode())
        self.process.stdin.flush()
        started = self._line(timeout=120).split()  # the first waits for Django's set-up
        assert started[0] == "started", started
        return Run(pid=int(started[1]), log=log)

    def has_ended(self) -> bool:
        return bool(select.select([self.process.stdout], [], [], 0)[0])

    def ended(self, run: Run, *, timeout: float = 120) -> int:
        word, pid, code = self._line(timeout=timeout).split()
        assert (word, int(pid)) == ("ended", run.pid)
        return int(code)

    def finish(self, name: str) -> str:
        """A run that is not killed: its output, once it ended well."""
        run = self.start(name)
        code = self.ended(run)
        assert code == 0, f"the job failed ({code}):\n{run.output()}"
        return run.output()

    def close(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self._errors.close()


@pytest.fixture
def job_server(tmp_path):
    """Started first, so Django is set up while the test seeds."""
    server = JobServer(tmp_path)
    yield server
    server.close()


def run_killed_inside(key: str, server: JobServer, seed: Seed, lock: Lock) -> None:
    """Run the job with a lock held inside `key`, wait until it blocks there, SIGKILL it, and wait until
    its database session (and the transaction it had open) is gone."""
    lock.hold(*seed.locks[key])
    backend = None
    try:
        run = server.start(f"killed-in-{key}")

        def blocked() -> bool:
            nonlocal backend
            if server.has_ended():
                raise AssertionError(f"the job ended before blocking in {key}:\n{run.output()}")
            backend = lock.waiting()
            return backend is not None

        wait_until(blocked, timeout=90, what=f"the job inside {key}", every=0.02)
        os.kill(run.pid, signal.SIGKILL)
        assert server.ended(run, timeout=10) == -signal.SIGKILL
    finally:
        lock.release()
    # The orphaned backend gets the lock, finds its client gone, and rolls its transaction back.
    wait_until(lambda: lock.gone(backend), timeout=30, what="the killed job's session to end")


def checksums() -> dict[str, tuple[int, str]]:
    """Row count and an md5 of every row, of each table the job reads or writes (its own proofs aside)."""
    models = (
        Member,
        EmailAddress,
        ActiveDay,
        Space,
        SpaceMembership,
        Mention,
        Post,
        PostRevision,
        Comment,
        Event,
        Poll,
        PollOption,
        InboxItem,
        Delivery,
        AccessLog,
        ConsentEntry,
        AccountClosure,
        DeletionRequest,
        ExportArchive,
        Complaint,
        ComplaintMessage,
        IpNotice,
        StaffAccess,
    )
    sums = {}
    with psycopg2.connect(database_url()) as connection, connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            rows = "md5(coalesce(string_agg(md5(t::text), '' ORDER BY t.id), ''))"
            cursor.execute(f"SELECT count(*), {rows} FROM {table} t")  # noqa: S608
            sums[table] = cursor.fetchone()
    connection.close()
    return sums


def runs_of(key: str) -> list[RetentionRun]:
    return list(RetentionRun.objects.filter(category__key=key).order_by("started_at", "id"))


@pytest.mark.legal("L9")
@pytest.mark.legal("L11")
@pytest.mark.legal("L12")
@pytest.mark.django_db(transaction=True)
def test_the_retention_job_killed_inside_each_category_is_finished_by_the_next_and_a_third_run_is_idle(
    job_server,
):
    privacy_seed()  # a transactional test elsewhere may have flushed the schedule
    # The engine batches ENGINE's categories itself; PURGE's go through the app's own service, which
    # reports each batch through on_batch.
    handlers = {key: retention_handlers(key) for key in ORDER[1:]}
    assert {key for key, hs in handlers.items() if all(h.purge is None for h in hs)} == ENGINE
    assert {key for key, hs in handlers.items() if any(h.purge is not None for h in hs)} == PURGE
    assert all("on_batch" in inspect.signature(h.purge).parameters for key in PURGE for h in handlers[key])
    seed = seed_everything()
    totals = {key: seed.remaining(key) for key in ORDER}
    kept = seed.kept()
    assert totals == {
        "deleted_accounts": LEAVERS,
        "access_logs": (ACCESS_MONTHS + 1) * ACCESS_PER_MONTH,
        "consent_ledger": EXPIRED,
        "deleted_content_records": EXPIRED + 600 + 60 + 60,
        "delivery_records": EXPIRED + 600,
        "export_archives": 2 * EXPORTS_SPENT + EXPIRED,
        "moderation_records": EXPIRED + 100,
        "staff_access_logs": EXPIRED,
        "unverified_signups": EXPIRED,
    }
    archives = seed.archive_rows()
    reader = Reader(seed.leavers)
    reader.start()
    lock = Lock()
    try:
        for position, key in enumerate(ORDER):
            run_killed_inside(key, job_server, seed, lock)
            # While the job ran and was killed, no look found a member half erased.
            assert not reader.mixed, reader.mixed[:2]
            left = {k: seed.remaining(k) for k in ORDER}
            # Everything before this category was finished by this run (the rerun of the one before)...
            assert all(left[k] == 0 for k in ORDER[:position]), left
            # ...nothing after it was touched...
            assert all(left[k] == totals[k] for k in ORDER[position + 1 :]), left
            # ...and this one was killed with some of its batches committed and the rest still to do.
            handled = totals[key] - left[key]
            expected = {
                "deleted_accounts": LEAVER_LOCKED,
                "access_logs": ACCESS_MONTHS * ACCESS_PER_MONTH,  # the old months dropped, the batch not
                "consent_ledger": DONE_AT_KILL,
                "deleted_content_records": 600 + 60 + 60 + DONE_AT_KILL,  # comments, events, options first
                "delivery_records": DONE_AT_KILL,  # deliveries before the inbox
                "export_archives": EXPORTS_SPENT + DONE_AT_KILL,  # every spent file, then a batch of rows
                "moderation_records": DONE_AT_KILL,  # complaints before IP notices
                "staff_access_logs": DONE_AT_KILL,
                "unverified_signups": DONE_AT_KILL,
            }
            assert handled == expected[key], (key, handled)
            if key == "access_logs":
                names = {p.name for p in access_log_partitions()}
                assert not names & set(seed.old_partitions), "an old month's partition outlived the kill"
            # L12: the killed run's proof is there, unfinished, and counts exactly the rows already gone
            # (the engine's batches and a purge service's alike; an expired export file is not a row).
            if key != "deleted_accounts":
                unfinished = [r for r in runs_of(key) if r.finished_at is None]
                assert len(unfinished) == 1, (key, unfinished)
                gone = archives - seed.archive_rows() if key == "export_archives" else handled
                assert gone > 0, key
                assert unfinished[0].rows_affected == gone, (key, unfinished[0].rows_affected, gone)
            assert seed.kept() == kept, key

        # The last killed category (and any other) is finished by a run that is not killed.
        completed = job_server.finish("complete")
        assert "deleted_accounts: 0 accounts erased" in completed
        assert {k: seed.remaining(k) for k in ORDER} == dict.fromkeys(ORDER, 0)
        assert seed.kept() == kept
        before = checksums()
        runs_before = set(RetentionRun.objects.values_list("pk", flat=True))

        third = job_server.finish("idle")
        after = checksums()
    finally:
        lock.close()
        reader.stop()

    # A third run changes nothing: the same rows in every table, and every proof it wrote says 0.
    assert after == before
    assert "deleted_accounts: 0 accounts erased" in third
    new_runs = RetentionRun.objects.exclude(pk__in=runs_before)
    assert new_runs.count() == len(ORDER) - 1
    assert {(r.rows_affected, r.finished_at is not None) for r in new_runs} == {(0, True)}

    # The proofs of each category add up: every row counted once, the killed run's batches included,
    # by the engine and by the purge services alike.
    for key in ORDER[1:]:
        runs = runs_of(key)
        finished = [r for r in runs if r.finished_at is not None]
        assert len(runs) - len(finished) == 1, key  # the killed one
        assert all(r.started_at <= r.finished_at for r in finished)
        total = sum(r.rows_affected for r in runs)
        if key == "export_archives":  # its count is of rows deleted; expiring a file is not counted
            assert total == archives - seed.archive_rows() == EXPORTS_SPENT + EXPIRED, key
        else:
            assert total == totals[key], key
    assert DeletionRequest.objects.filter(completed_at__isnull=False).count() == LEAVERS

    # No reader ever saw a member half erased or a deleted post half anonymised; and it did watch both
    # states of every leaver (whole before, erased after) over many looks.
    assert not reader.mixed, reader.mixed[:2]
    assert reader.half_posts == []
    assert all(reader.seen[m] == {False, True} for m, _n, _p in seed.leavers)
    assert reader.looks > 50, reader.looks
    print(f"\nR5: {len(ORDER)} categories killed once each, {reader.looks} looks by the reader")


@pytest.mark.legal("L9")
@pytest.mark.django_db(transaction=True)
def test_an_account_being_erased_is_skipped_by_a_second_worker_and_taken_at_once_when_the_first_dies():
    """The claim is the request's row lock, held by the transaction that erases the account: a second
    worker passes over it without waiting, and when the first worker dies (its transaction and lock go)
    the next run erases the account straight away, not an hour later."""
    from privacy.deletion import deletion_complete, deletions_complete_due

    privacy_seed()
    space = SpaceFactory()
    [member_id] = members_of(space, count=1, prefix="claimed")
    request = DeletionRequest.objects.create(
        member_id=member_id,
        member_ref=member_id,
        requested_at=ago(days=8),
        due_at=ago(days=1),
    )
    worker = Lock()  # stands for a worker in the middle of erasing this account
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '3s'")  # a worker that waited for the lock fails, not hangs
    try:
        worker.hold(*_row_lock(DeletionRequest, request.pk))
        started = timezone.now()
        assert deletion_complete(request_id=request.pk) is False
        assert deletions_complete_due() == 0
        assert (timezone.now() - started).total_seconds() < 5  # it did not wait for the lock
        assert Member.objects.get(pk=member_id).display_name  # untouched
        worker.release()  # the first worker dies: its transaction, and the claim with it, are gone
        assert deletions_complete_due() == 1
    finally:
        worker.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    member = Member.objects.get(pk=member_id)
    assert (member.email, member.display_name) == (f"deleted-{member_id}@invalid", "")
    assert DeletionRequest.objects.get(pk=request.pk).completed_at is not None


@pytest.mark.legal("L12")
@pytest.mark.django_db
def test_the_command_applies_only_the_categories_asked_for_and_says_what_each_run_did():
    from io import StringIO

    from django.core.management import call_command

    privacy_seed()
    [owner] = bulk_members(space=SpaceFactory(), count=1, prefix="command")
    item = InboxItem.objects.create(recipient_id=owner, kind="reply", url="/x", data={})
    backdate(InboxItem, [item.pk], created_at=ago(days=100))
    StaffAccess.objects.create(staff_email="staff@example.org", what="profile")
    backdate(StaffAccess, list(StaffAccess.objects.values_list("pk", flat=True)), created_at=ago(days=1200))
    out = StringIO()

    call_command("retention_apply", "--category", "delivery_records", stdout=out)

    run = RetentionRun.objects.get(category__key="delivery_records")
    assert out.getvalue() == f"delivery_records: 1 rows delete, 0 held (run {run.pk})\n"
    assert run.finished_at is not None and not InboxItem.objects.exists()
    assert StaffAccess.objects.exists()  # not asked for
    assert not RetentionRun.objects.exclude(pk=run.pk).exists()
