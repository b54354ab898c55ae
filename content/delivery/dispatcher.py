"""Sending due emails: claim a few rows with a lease, re-check each at send time (L15), take a token
from the global send bucket, send, and mark the row in its own transaction.

The rows a round refuses (cancelled at send time, or rolled over into the digest by the member's
daily cap, quiet hours or digest choice) are recorded together: one statement per round, however many
and whatever their reasons. At 10,000 members they outnumber the emails sent (`make simulate`), and one
UPDATE each made them the dispatcher's main cost.

Exactly-once delivery to an outside mail server is impossible; the window is one message per process
(a crash between the server's acceptance and our "sent" update). Every message's Message-ID is derived
from the delivery id, so a resend after a crash is recognisable.
"""

import logging
import smtplib
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from limits import RateLimitItem, parse

from community.ratelimit import bucket_take
from content.delivery.digest import DIGEST
from content.delivery.messages import Content, DigestReads, digest_reads, message_content, message_id_for
from content.delivery.models import Category, Channel, Delivery, DeliveryStatus
from content.delivery.planner import (
    COMMENT_CREATED,
    POST_PUBLISHED,
)
from content.delivery.reminders import REMINDER_KINDS
from content.delivery.send_checks import (
    SendFacts,
    cancel_reason,
    member_zone,
    over_budget,
    recipient_shut_out,
    send_facts,
)
from content.delivery.unsubscribe import unsubscribe_url

logger = logging.getLogger(__name__)

RATE_KEY = "delivery:email"


class Outcome:
    SENT = "sent"
    CANCELLED = "cancelled"
    ROLLED_OVER = "rolled_over"
    RETRY = "retry"
    FAILED = "failed"
    THROTTLED = "throttled"
    GONE = "gone"


def _setting(name: str, default):
    return getattr(settings, name, default)


CLAIM_LOCK = 0x64656C76  # "delv": serialises claims (short), so budgets hold across workers


def _lease() -> timedelta:
    """How long a claimed row stays with its worker; a dead worker's rows are claimable after it."""
    return timedelta(seconds=_setting("DELIVERY_LEASE_SECONDS", 300))


def deliveries_claim(*, limit: int = 50) -> list[int]:
    """Mark up to `limit` due email rows `sending` with a lease, in one short transaction. A row whose
    lease ran out (its worker died) is claimable again.

    At most one email per member is in flight at a time, so two workers can never both pass the daily
    cap or the weekly promotional check for the same member. Claims take a transaction-level advisory
    lock for that (a claim lasts milliseconds); SKIP LOCKED still keeps claimers off rows being changed.
    """
    now = timezone.now()
    in_flight = Delivery.objects.filter(
        recipient_id=OuterRef("recipient_id"),
        channel=Channel.EMAIL,
        status=DeliveryStatus.SENDING,
        lease_until__gte=now,
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK])
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(channel=Channel.EMAIL)
            .filter(
                Q(status=DeliveryStatus.PENDING, due_at__lte=now)
                | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
            )
            .exclude(Exists(in_flight))
            .order_by("due_at", "id")
            .values_list("id", "recipient_id")[:limit]
        )
        ids, members = [], set()
        for delivery_id, recipient_id in rows:
            if recipient_id not in members:
                members.add(recipient_id)
                ids.append(delivery_id)
        Delivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.SENDING, lease_until=now + _lease())
    return ids


def _finish(delivery: Delivery, status: str, **fields) -> bool:
    """Record the outcome only while we still hold the row (autocommit: its own transaction). The
    statement is written here rather than by a queryset's update(): once per email, building it cost
    more Python than everything else the dispatcher does around a send but the message itself."""
    values = {"status": status, "lease_until": None, **fields}
    model_fields = [Delivery._meta.get_field(name) for name in values]
    quote = connection.ops.quote_name
    # names from the model, values as parameters
    statement = "UPDATE {table} SET {columns} WHERE {pk} = %s AND {status} = %s".format(  # noqa: S608
        table=quote(Delivery._meta.db_table),
        columns=", ".join(f"{quote(field.column)} = %s" for field in model_fields),
        pk=quote(Delivery._meta.pk.column),
        status=quote("status"),
    )
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(model_fields, values.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, delivery.pk, DeliveryStatus.SENDING])
        return cursor.rowcount == 1


REFUSALS_WRITE = """
UPDATE {table} AS d SET status = t.status, reason = t.reason, lease_until = NULL
FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS t(id, status, reason)
WHERE d.id = t.id AND d.status = %s
"""


def _refusals_write(refused: list[tuple[int, str, str]]) -> int:
    """Record refused rows (id, status, reason) still held by us: one statement on PostgreSQL (the rows
    as arrays), one per (status, reason) elsewhere (SQLite, the embedded `make run`)."""
    if not refused:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                REFUSALS_WRITE.format(table=Delivery._meta.db_table),
                [
                    [row[0] for row in refused],
                    [row[1] for row in refused],
                    [row[2] for row in refused],
                    DeliveryStatus.SENDING,
                ],
            )
            return cursor.rowcount
    groups: dict[tuple[str, str], list[int]] = {}
    for delivery_id, status, reason in refused:
        groups.setdefault((status, reason), []).append(delivery_id)
    return sum(
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING).update(
            status=status, reason=reason, lease_until=None
        )
        for (status, reason), ids in groups.items()
    )


def _release(delivery_ids: list[int]) -> None:
    Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING, lease_until=None
    )


# The bucket keeps this share of the provider's limit unused: a send's recorded time and the moment it
# reaches the provider drift by milliseconds between processes, and "never above" must survive that.
RATE_HEADROOM = 0.05


def _with_headroom(limit: str) -> RateLimitItem:
    item = parse(limit)
    return type(item)(item.amount - int(item.amount * RATE_HEADROOM), item.multiples)


TOKEN_PATIENCE = 5.0  # seconds a worker waits for the bucket before leaving its rows to the next beat


def _take_token() -> datetime | None:
    """One token from the global send bucket shared by every worker and host (a moving window in
    Redis: no second anywhere holds more than DELIVERY_RATE sends). Waits, up to TOKEN_PATIENCE, until
    the oldest send of the window ages out. Returns the moment the token was taken: the send's time."""
    limit = _with_headroom(_setting("DELIVERY_RATE", "20/second"))
    give_up = time.monotonic() + TOKEN_PATIENCE
    while True:
        # read just before the bucket reads its own clock, so the recorded time is the bucket's
        attempt_at = timezone.now()
        window = bucket_take(limit=limit, key=RATE_KEY)
        if window.allowed:
            return attempt_at
        if time.monotonic() >= give_up:
            return None
        wait = (window.retry_at - timezone.now()).total_seconds() if window.retry_at else 0.05
        time.sleep(min(max(wait, 0.005), 1.0))


def delivery_message(delivery: Delivery, run: "DispatchRun | None" = None) -> EmailMultiAlternatives | None:
    """The email in the recipient's language, times in their timezone, with a stable Message-ID and
    (for all but transactional mail) a one-click unsubscribe link and the RFC 8058 headers (L14)."""
    member = delivery.recipient
    with translation.override(member.language), timezone.override(member_zone(member)):
        content = run.content(delivery) if run is not None else message_content(delivery)
        if content is None:
            return None
        transactional = delivery.category == Category.TRANSACTIONAL
        stop_url = None if transactional else unsubscribe_url(member_id=member.pk, category=delivery.category)
        context = {
            "member": member,
            "content": content,
            "url": settings.SITE_URL + content.url,
            "unsubscribe_url": stop_url,
            "category_label": Category(delivery.category).label,
            "community_name": settings.COMMUNITY_NAME,
            "site_url": settings.SITE_URL,
            "sender": settings.CONTACT_EMAIL,
        }
        text = render_to_string("content/email/delivery.txt", context)
        html = render_to_string("content/email/delivery.html", context)
        subject = " ".join(content.subject.split())  # a title's line break must not break the header
    headers = {"Message-ID": message_id_for(delivery.pk)}
    if stop_url:
        headers["List-Unsubscribe"] = f"<{stop_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(subject=subject, body=text, to=[member.email], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


# fan-out sources: the same words go to every recipient of one language, so a run builds them once
SHARED_CONTENT = (POST_PUBLISHED, COMMENT_CREATED, *REMINDER_KINDS)


class DispatchRun:
    """What one claim round shares: an open SMTP connection (a new one per message cost more than the
    message), and the words of a post for each language. Kept for one round of at most `limit`
    emails, so a post removed meanwhile (L20) is seen by the next round's check at the latest."""

    def __init__(self) -> None:
        self._connection = None
        self._content: dict[tuple, Content | None] = {}
        self._deliveries: dict[int, Delivery] = {}
        self.facts: SendFacts | None = None
        self.digests = DigestReads()  # what the round's digest emails say, read for all of them
        self._refused: list[tuple[int, str, str]] = []  # (id, status, reason), written together

    def prepare(self, delivery_ids: list[int]) -> None:
        """Read the round's claimed rows, what the send-time checks need and what its digest emails
        say, in a few queries whatever the number of rows (per digest, its items cost four or five)."""
        rows = (
            Delivery.objects.select_related("recipient", "inbox_item")
            .filter(pk__in=delivery_ids, status=DeliveryStatus.SENDING)
            .annotate(**recipient_shut_out())  # may the recipient still read it? (same query)
        )
        self._deliveries = {delivery.pk: delivery for delivery in rows}
        self.facts = send_facts(list(self._deliveries.values()))
        digests = [delivery for delivery in self._deliveries.values() if delivery.source_kind == DIGEST]
        self.digests = digest_reads(digests, stopped=self.facts.stopped)

    def delivery(self, delivery_id: int) -> Delivery | None:
        if delivery_id not in self._deliveries:  # a single send outside a round
            self.prepare([delivery_id])
        return self._deliveries.get(delivery_id)

    def refuse(self, delivery: Delivery, status: str, reason: str) -> None:
        """Cancel the row or roll it over into the digest, written with the round's other refusals."""
        self._refused.append((delivery.pk, status, reason))

    def refusals_write(self) -> int:
        refused, self._refused = self._refused, []
        return _refusals_write(refused)

    def screen(self, delivery_ids: list[int]) -> list[int]:
        """Refuse in one statement every claimed row the send-time checks refuse (no query: the facts
        were read by `prepare`); returns the ids left to send, in their order. Each round claims at
        most one row per member, so a send later in the round cannot change another row's answer.
        A claimed row `prepare` did not find is no longer ours (deleted with its member): left out."""
        sendable = []
        for delivery_id in delivery_ids:
            delivery = self._deliveries.get(delivery_id)
            if delivery is None:
                continue
            refusal = _refusal(delivery, self.facts)
            if refusal:
                self.refuse(delivery, *refusal)
            else:
                sendable.append(delivery_id)
        self.refusals_write()
        return sendable

    def connection(self):
        if self._connection is None:
            self._connection = get_connection(fail_silently=False)
            self._connection.open()
        return self._connection

    def connection_lost(self) -> None:
        """After an SMTP error the connection may be half-closed: the next message opens a new one."""
        if self._connection is not None:
            try:
                self._connection.close()
            except (smtplib.SMTPException, OSError):
                logger.info("content.delivery.smtp_close_failed", exc_info=True)
            self._connection = None

    def content(self, delivery: Delivery) -> Content | None:
        if delivery.source_kind not in SHARED_CONTENT:
            return message_content(delivery, self.digests)
        inbox_kind = delivery.inbox_item.kind if delivery.inbox_item_id and delivery.inbox_item else ""
        key = (
            delivery.source_kind,
            delivery.source_id,
            delivery.category,
            inbox_kind,
            translation.get_language(),
        )
        if key not in self._content:
            self._content[key] = message_content(delivery)
        return self._content[key]

    def close(self) -> None:
        """Write what is still unwritten of the round's refusals and close the SMTP connection."""
        try:
            self.refusals_write()
        finally:
            self.connection_lost()


def _transient(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | OSError)


def _refusal(delivery: Delivery, facts: SendFacts) -> tuple[str, str] | None:
    """(status, reason) when the send-time checks refuse the row, else None."""
    reason = cancel_reason(delivery, facts)
    if reason:
        return DeliveryStatus.CANCELLED, reason
    if delivery.category not in (Category.TRANSACTIONAL, Category.DIGEST):
        over = over_budget(delivery, facts)
        if over:
            return DeliveryStatus.ROLLED_OVER, over
    return None


def delivery_send(*, delivery_id: int, run: DispatchRun | None = None) -> str:
    """Send one claimed delivery. Returns what happened (an Outcome value). A refusal is recorded with
    the round's others when the run closes (or at once by `DispatchRun.screen`)."""
    if run is None:
        run = DispatchRun()
        try:
            return delivery_send(delivery_id=delivery_id, run=run)
        finally:
            run.close()
    delivery = run.delivery(delivery_id)
    if delivery is None:
        return Outcome.GONE
    refusal = _refusal(delivery, run.facts)
    if refusal:
        run.refuse(delivery, *refusal)
        return Outcome.CANCELLED if refusal[0] == DeliveryStatus.CANCELLED else Outcome.ROLLED_OVER
    message = delivery_message(delivery, run)
    if message is None:
        run.refuse(delivery, DeliveryStatus.CANCELLED, "content no longer visible")
        return Outcome.CANCELLED
    started = _take_token()
    if started is None:
        _release([delivery.pk])
        return Outcome.THROTTLED
    attempts = delivery.attempts + 1
    try:
        message.connection = run.connection()
        message.send(fail_silently=False)
    except Exception as error:
        if not isinstance(error, smtplib.SMTPException | OSError):
            raise
        run.connection_lost()
        detail = f"{type(error).__name__}: {error}"[:200]
        if _transient(error) and attempts < _setting("DELIVERY_MAX_ATTEMPTS", 5):
            backoff = timedelta(seconds=60 * 2 ** (attempts - 1))
            _finish(
                delivery,
                DeliveryStatus.PENDING,
                attempts=attempts,
                due_at=timezone.now() + backoff,
                reason=detail,
            )
            logger.info("content.delivery.retry delivery=%s attempt=%s", delivery.pk, attempts)
            return Outcome.RETRY
        _finish(delivery, DeliveryStatus.FAILED, attempts=attempts, reason=detail)
        logger.warning("content.delivery.failed delivery=%s reason=%s", delivery.pk, detail)
        return Outcome.FAILED
    _finish(
        delivery,
        DeliveryStatus.SENT,
        attempts=attempts,
        sent_at=started,  # when the send began: what the global rate counts
        message_id=message_id_for(delivery.pk),
        reason="",
    )
    return Outcome.SENT


def deliveries_dispatch(*, limit: int = 100, rounds: int = 10) -> int:
    """Claim and send until nothing is due (at most `rounds` claims, one email per member each);
    returns how many emails went out."""
    sent = 0
    for _round in range(rounds):
        ids = deliveries_claim(limit=limit)
        if not ids:
            break
        run = DispatchRun()
        try:
            run.prepare(ids)
            sendable = run.screen(ids)  # cancelled and rolled-over rows: one statement
            for position, delivery_id in enumerate(sendable):
                outcome = delivery_send(delivery_id=delivery_id, run=run)
                if outcome == Outcome.THROTTLED:
                    _release(sendable[position:])  # the bucket is empty: leave the rest for the next beat
                    return sent
                sent += outcome == Outcome.SENT
        finally:
            run.close()
    return sent
