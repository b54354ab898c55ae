"""IP and trademark notices with counter-notice (LEGAL L22; Civil Code 1195–1196).

A rights holder (no account needed) files a notice with their identity and evidence about a post,
comment or event of this site. A valid notice opens a review item (reason "IP") and hides the content
at once through content's content_set_status (queued emails and digest entries are cancelled with it);
the author is sent the notice — without the rights holder's email address (L24) — with a link to file
a counter-notice. A counter-notice emails the rights holder a signed link to take it further within 15
days; unless they do, the daily beat task moderation.ip_notices_restore publishes the content again.
Every step is a row of the append-only ModerationAction log with a "moderation.ip_notice.*" code.
"""

import hashlib
import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.ratelimit import window_hit
from content.delivery.notices import notice_send
from content.exceptions import ContentError, NotAllowed, NotFound
from content.models import ContentStatus
from content.services.moderation import content_set_status
from members.models import Member
from moderation import clock
from moderation.models import (
    ActionKind,
    IpNotice,
    IpNoticeStatus,
    IpRight,
    ModerationAction,
    ReportReason,
    ReviewItem,
    ReviewStatus,
    TargetKind,
)
from moderation.selectors import Target, target_load
from moderation.services import review_item_open, target_url

logger = logging.getLogger(__name__)

# Civil Code 1196: the measure lifts when the rights holder does not take it further within 15 days.
RESTORE_AFTER = timedelta(days=15)
ESCALATE_SALT = "moderation.ip_notice.escalate"
DEFAULT_NOTICES_PER_HOUR = "5/hour"
NAME_MAX = 200
TEXT_MAX = 5000
URL_MAX = 500
CODE = "moderation.ip_notice"
RULE = "Civil Code 1195-1196 (LEGAL L22)"
# what a moderator's later decision on the content means for the notice: it is settled, not restored
UPHELD_BY_MODERATOR = (ActionKind.HIDE, ActionKind.REMOVE)


class IpNoticeInvalid(ContentError):
    """A field of the notice or counter-notice that cannot be accepted; shown beside `field`."""

    code = "ip_notice_invalid"
    status = 400
    default_message = gettext_lazy("This notice cannot be accepted as it is.")

    def __init__(
        self, message: str | None = None, *, field: str | None = None, errors: dict | None = None, **kwargs
    ) -> None:
        super().__init__(message, **kwargs)
        self.field = field
        self.errors = errors or ({field: self.message} if field else {})


class IpNoticeLimitReached(ContentError):
    code = "ip_notice_limit"
    status = 429
    default_message = gettext_lazy("Too many notices were sent from your network. Please try again later.")


class IpNoticeSettled(ContentError):
    code = "ip_notice_settled"
    status = 409
    default_message = gettext_lazy("This notice is settled; nothing more can be filed on it.")


# --- The content a URL names ------------------------------------------------------------------------


def _site_hosts() -> set[str]:
    hosts = {urlsplit(settings.SITE_URL).hostname or ""}
    hosts |= {host.lstrip(".") for host in settings.ALLOWED_HOSTS if host not in ("*", "")}
    return {host.lower() for host in hosts if host}


def content_url_resolve(url: str) -> tuple[str, Target]:
    """The post, comment or event a URL of this site shows (a comment by its "#comment-N" anchor or its
    own address); IpNoticeInvalid (field content_url) for anything else."""
    url = (url or "").strip()
    parts = urlsplit(url)
    not_ours = IpNoticeInvalid(
        _("Give the address of a post, comment or event on this site, for example %(example)s.")
        % {"example": settings.SITE_URL + "/p/123/"},
        field="content_url",
    )
    if not url or (parts.scheme and parts.scheme not in ("http", "https")):
        raise not_ours
    if parts.netloc and (parts.hostname or "").lower() not in _site_hosts():
        raise not_ours
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        raise not_ours from None
    pk = match.kwargs.get("pk")
    kind = None
    object_id = None
    if match.view_name.startswith("content:post_") and pk is not None:
        kind, object_id = TargetKind.POST, pk
        if parts.fragment.startswith("comment-") and parts.fragment[8:].isdigit():
            kind, object_id = TargetKind.COMMENT, int(parts.fragment[8:])
    elif match.view_name.startswith("content:comment_") and pk is not None:
        kind, object_id = TargetKind.COMMENT, pk
    elif match.view_name.startswith("content:event_") and pk is not None:
        kind, object_id = TargetKind.EVENT, pk
    if kind is None:
        raise not_ours
    target = target_load(kind=kind, object_id=object_id)
    if (
        target is None
        or target.deleted_at is not None
        or (kind == TargetKind.COMMENT and match.view_name == "content:post_detail" and target.post_id != pk)
    ):
        raise IpNoticeInvalid(_("There is no post, comment or event at this address."), field="content_url")
    if target.status == ContentStatus.REMOVED:
        raise IpNoticeInvalid(_("This content has already been removed."), field="content_url")
    return kind, target


def _author_of(target: Target) -> Member | None:
    return getattr(target, "organiser", None) or getattr(target, "author", None)


# --- Filing a notice --------------------------------------------------------------------------------


def _required(value: str, *, field: str, message: str, maximum: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if not value:
        raise IpNoticeInvalid(message, field=field)
    if len(value) > maximum:
        raise IpNoticeInvalid(
            _("This can be at most %(max)d characters (it has %(len)d).")
            % {"max": maximum, "len": len(value)},
            field=field,
        )
    return value


def _url(value: str, *, field: str, message: str) -> str:
    value = _required(value, field=field, message=message, maximum=URL_MAX)
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise IpNoticeInvalid(_("Enter a full web address starting with https://."), field=field) from None
    return value


def _email(value: str) -> str:
    value = _required(
        value, field="holder_email", message=_("We need an email address to reach you."), maximum=254
    )
    try:
        EmailValidator()(value)
    except ValidationError:
        raise IpNoticeInvalid(_("Enter a valid email address."), field="holder_email") from None
    return value


def _right(value: str) -> str:
    if value not in IpRight.values:
        raise IpNoticeInvalid(_("Choose which right is infringed."), field="right")
    return value


def _sworn(value: bool) -> bool:
    if not value:
        raise IpNoticeInvalid(
            _(
                "Please confirm that the notice is accurate and that you hold the right or act for "
                "its holder."
            ),
            field="sworn",
        )
    return True


def ip_notice_check(
    *,
    holder_name: str,
    holder_organisation: str,
    holder_email: str,
    right: str,
    evidence: str,
    evidence_url: str,
    content_url: str,
    sworn: bool,
) -> dict:
    """Every field as it will be stored, or IpNoticeInvalid naming the first field that is wrong and
    carrying every wrong field's sentence in `errors` (the form shows them all at once)."""
    checks = {
        "holder_name": lambda: _required(
            holder_name, field="holder_name", message=_("Tell us who you are."), maximum=NAME_MAX
        ),
        "holder_email": lambda: _email(holder_email),
        "right": lambda: _right(right),
        # L22: a notice needs evidence of the right; without it nothing is hidden
        "evidence": lambda: _required(
            evidence,
            field="evidence",
            message=_(
                "A notice needs evidence of your right: a registration number, or a description of the work "
                "and how it is yours."
            ),
        ),
        "evidence_url": lambda: _url(
            evidence_url,
            field="evidence_url",
            message=_(
                "A notice needs a link to the evidence (the registration record, or the original work). "
                "Without evidence we cannot hide anything."
            ),
        ),
        "sworn": lambda: _sworn(sworn),
    }
    data: dict = {}
    errors: dict[str, str] = {}
    for name, check in checks.items():
        try:
            data[name] = check()
        except IpNoticeInvalid as error:
            errors[name] = error.message
    if errors:
        first = next(iter(errors))
        raise IpNoticeInvalid(errors[first], field=first, errors=errors)
    del data["sworn"]
    data["holder_organisation"] = (holder_organisation or "").strip()[:NAME_MAX]
    data["content_url"] = (content_url or "").strip()[:URL_MAX]
    return data


def _rate_key(ip: str | None) -> str:
    # a hash, not the address: the key only needs to tell networks apart
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{ip or 'unknown'}".encode()).hexdigest()[:24]
    return f"moderation.ip_notice:{digest}"


def _log(
    *, notice: IpNotice, code: str, action: str = "", by: Member | None = None, reason: str = ""
) -> ModerationAction:
    return ModerationAction.objects.create(
        review_item_id=notice.review_item_id,
        moderator=by,
        action=action,
        kind=notice.kind,
        object_id=notice.object_id,
        target_author_id=notice.target_author_id,
        reason=reason or f"IP notice {notice.pk}",
        rule=RULE,
        code=f"{CODE}.{code}",
    )


def ip_notice_file(
    *,
    holder_name: str,
    holder_organisation: str,
    holder_email: str,
    right: str,
    evidence: str,
    evidence_url: str,
    content_url: str,
    sworn: bool,
    ip: str | None,
) -> IpNotice:
    """L22: file a notice. The content is hidden at once, a review item with reason "IP" is opened
    (or joined), and the author is sent the notice with a link to counter it."""
    data = ip_notice_check(
        holder_name=holder_name,
        holder_organisation=holder_organisation,
        holder_email=holder_email,
        right=right,
        evidence=evidence,
        evidence_url=evidence_url,
        content_url=content_url,
        sworn=sworn,
    )
    kind, target = content_url_resolve(data["content_url"])
    limit = getattr(settings, "MODERATION_IP_NOTICES_PER_HOUR", DEFAULT_NOTICES_PER_HOUR)
    window = window_hit(limit=limit, key=_rate_key(ip))
    if not window.allowed:
        raise IpNoticeLimitReached(retry_at=window.retry_at)
    author = _author_of(target)
    now = timezone.now()
    with transaction.atomic():
        item = review_item_open(
            kind=kind, object_id=target.pk, target=target, reason=ReportReason.IP, now=now
        )
        severity = clock.SEVERITY[ReportReason.IP]
        ReviewItem.objects.filter(pk=item.pk, priority__lt=severity).update(priority=severity)
        notice = IpNotice.objects.create(
            **data,
            kind=kind,
            object_id=target.pk,
            target_author=author,
            review_item=item,
            created_at=now,
        )
        hidden = target.status != ContentStatus.HIDDEN and content_set_status(
            target=target, status=ContentStatus.HIDDEN, by=None
        )
        _log(
            notice=notice,
            code="hidden" if hidden else "received",
            action=ActionKind.HIDE if hidden else "",
            reason=f"IP notice {notice.pk}: {IpRight(notice.right).label}",
        )
        if author is not None:
            _tell_author_of_notice(notice=notice, author=author)
    return notice


def counter_url(*, notice: IpNotice) -> str:
    return reverse("moderation:ip_notice_counter", args=[notice.pk])


def _holder(notice: IpNotice) -> str:
    if notice.holder_organisation:
        return f"{notice.holder_name} ({notice.holder_organisation})"
    return notice.holder_name


def _tell_author_of_notice(*, notice: IpNotice, author: Member) -> None:
    """The notice as the author needs it (L22): who, which right, the evidence; never the rights
    holder's email address (L24)."""
    with translation.override(author.language):
        text = _(
            "Your %(kind)s was hidden after an intellectual property notice. Rights holder: %(holder)s. "
            "Right: %(right)s. Their evidence: %(evidence)s (%(evidence_url)s). If you think the notice is "
            "wrong, you can file a counter-notice with your evidence; unless the rights holder takes it "
            "further within 15 days of it, your content is published again."
        ) % {
            "kind": TargetKind(notice.kind).label,
            "holder": _holder(notice),
            "right": IpRight(notice.right).label,
            "evidence": notice.evidence,
            "evidence_url": notice.evidence_url,
        }
    notice_send(
        recipient=author,
        kind="moderation.ip_notice",
        url=counter_url(notice=notice),
        data={
            "ip_notice_id": notice.pk,
            "target_kind": notice.kind,
            "object_id": notice.object_id,
            "holder": _holder(notice),
            "right": notice.right,
            "evidence": notice.evidence,
            "evidence_url": notice.evidence_url,
            "text": text,
        },
    )


# --- Counter-notice and escalation -------------------------------------------------------------------


def ip_notice_for_author(*, member: Member, pk: int) -> IpNotice:
    """The notice about the member's own content; NotFound for anyone else (nothing leaks)."""
    if not member.is_authenticated:
        raise NotFound()
    notice = IpNotice.objects.filter(pk=pk, target_author_id=member.pk).first()
    if notice is None:
        raise NotFound()
    return notice


def escalate_link(*, notice: IpNotice) -> str:
    token = signing.dumps({"n": notice.pk}, salt=ESCALATE_SALT)
    return reverse("moderation:ip_notice_escalate", args=[token])


def escalate_link_notice(*, token: str) -> IpNotice:
    """The notice a signed escalation link names; NotFound for a forged or altered link. A link older
    than the period is still read (the page then says the period is over)."""
    try:
        payload = signing.loads(token, salt=ESCALATE_SALT)
    except signing.BadSignature as error:
        raise NotFound() from error
    notice = IpNotice.objects.filter(pk=payload.get("n")).first()
    if notice is None:
        raise NotFound()
    return notice


def ip_notice_counter(*, notice: IpNotice, by: Member, statement: str, counter_evidence: str) -> bool:
    """The author answers a notice with their own evidence. The 15 days start now; the rights holder
    is emailed a link to take it further. Returns False when a counter-notice was filed already."""
    if not by.is_authenticated or notice.target_author_id != by.pk:
        raise NotAllowed()
    statement = _required(
        statement, field="statement", message=_("Tell us why the content does not infringe the right.")
    )
    evidence = _required(
        counter_evidence,
        field="counter_evidence",
        message=_("A counter-notice needs evidence: a licence, the original, a date of creation, a link."),
    )
    now = timezone.now()
    with transaction.atomic():
        countered = IpNotice.objects.filter(pk=notice.pk, status=IpNoticeStatus.HIDDEN).update(
            status=IpNoticeStatus.COUNTERED,
            counter_statement=statement,
            counter_evidence=evidence,
            countered_at=now,
            restore_due_at=now + RESTORE_AFTER,
        )
        notice.refresh_from_db()
        if not countered:
            if notice.status == IpNoticeStatus.COUNTERED:
                return False
            raise IpNoticeSettled()
        _log(notice=notice, code="countered", reason=f"IP notice {notice.pk}: counter-notice")
        transaction.on_commit(lambda: _email_holder_countered(notice_id=notice.pk))
    return True


def _email_holder_countered(*, notice_id: int) -> None:
    """The rights holder has no account and may read either language: one email, English then Chinese.
    A failure is logged; the escalation page stays reachable from the notice's reference."""
    notice = IpNotice.objects.filter(pk=notice_id).first()
    if notice is None:
        return
    link = settings.SITE_URL + escalate_link(notice=notice)
    parts = []
    subject = ""
    for language in ("en", "zh-hans"):
        with translation.override(language):
            subject = subject or _("Counter-notice to your IP notice %(number)s") % {"number": notice.pk}
            parts.append(
                _(
                    "The author of the content named in your notice %(number)s (%(url)s) has filed a "
                    "counter-notice.\n\nTheir statement: %(statement)s\n\nTheir evidence: %(evidence)s\n\n"
                    "If you take the matter further (a complaint to the authorities or a court), tell us "
                    "before %(deadline)s through this link, and the content stays hidden:\n%(link)s\n\n"
                    "Otherwise the content is published again after that date."
                )
                % {
                    "number": notice.pk,
                    "url": notice.content_url,
                    "statement": notice.counter_statement,
                    "evidence": notice.counter_evidence,
                    "deadline": timezone.localtime(notice.restore_due_at).strftime("%Y-%m-%d %H:%M %Z"),
                    "link": link,
                }
            )
    try:
        send_mail(subject, "\n\n---\n\n".join(parts), None, [notice.holder_email])
    except Exception:
        logger.exception("moderation.ip_notice %s: could not email the rights holder", notice.pk)


def ip_notice_escalate(*, notice: IpNotice, note: str = "") -> bool:
    """The rights holder takes it further within the 15 days: the content stays hidden and the
    restore is off. Returns False when they had escalated already."""
    note = (note or "").strip()[:TEXT_MAX]
    now = timezone.now()
    with transaction.atomic():
        escalated = IpNotice.objects.filter(
            pk=notice.pk, status=IpNoticeStatus.COUNTERED, restore_due_at__gt=now
        ).update(status=IpNoticeStatus.ESCALATED, escalated_at=now, escalation_note=note, settled_at=now)
        notice.refresh_from_db()
        if not escalated:
            if notice.status == IpNoticeStatus.ESCALATED:
                return False
            raise IpNoticeSettled(_("The 15 days to take this further are over, or the notice is settled."))
        _log(
            notice=notice,
            code="escalated",
            reason=f"IP notice {notice.pk}: taken further by the rights holder",
        )
        author = Member.objects.filter(pk=notice.target_author_id).first()
        if author is not None:
            with translation.override(author.language):
                text = _(
                    "The rights holder has taken their notice about your %(kind)s further, so it stays "
                    "hidden while the matter is decided outside this site."
                ) % {"kind": TargetKind(notice.kind).label}
            notice_send(
                recipient=author,
                kind="moderation.ip_notice_escalated",
                url=counter_url(notice=notice),
                data={
                    "ip_notice_id": notice.pk,
                    "target_kind": notice.kind,
                    "object_id": notice.object_id,
                    "text": text,
                },
            )
    return True


# --- The restore after the period (the daily beat task) ---------------------------------------------


def _upheld_by_moderator(notice: IpNotice) -> bool:
    return (
        ModerationAction.objects.filter(
            kind=notice.kind,
            object_id=notice.object_id,
            created_at__gte=notice.created_at,
            moderator__isnull=False,
            action__in=UPHELD_BY_MODERATOR,
        )
        .exclude(code__startswith=f"{CODE}.")
        .exists()
    )


def _still_held_by_another(notice: IpNotice) -> bool:
    return (
        IpNotice.objects.filter(kind=notice.kind, object_id=notice.object_id)
        .filter(status__in=[IpNoticeStatus.HIDDEN, IpNoticeStatus.COUNTERED, IpNoticeStatus.ESCALATED])
        .exclude(pk=notice.pk)
        .exists()
    )


def ip_notice_restore(*, notice_id: int, now: datetime | None = None) -> str | None:
    """Settle one notice whose period is over: publish the content again ("restored"), unless a
    moderator has hidden or removed it since, or another notice still holds it ("closed"). None when
    the notice is not due (escalated, settled, or taken by another worker)."""
    now = now or timezone.now()
    with transaction.atomic():
        notice = (
            IpNotice.objects.select_for_update(skip_locked=True)
            .filter(pk=notice_id, status=IpNoticeStatus.COUNTERED, restore_due_at__lte=now)
            .first()
        )
        if notice is None:
            return None
        target = target_load(kind=notice.kind, object_id=notice.object_id)
        restorable = (
            target is not None
            and target.deleted_at is None
            and target.status == ContentStatus.HIDDEN
            and not _upheld_by_moderator(notice)
            and not _still_held_by_another(notice)
        )
        if restorable:
            content_set_status(target=target, status=ContentStatus.PUBLISHED, by=None)
            outcome = IpNoticeStatus.RESTORED
            _log(
                notice=notice,
                code="restored",
                action=ActionKind.APPROVE,
                reason=f"IP notice {notice.pk}: not taken further within 15 days of the counter-notice",
            )
            if notice.review_item_id:
                ReviewItem.objects.filter(pk=notice.review_item_id).exclude(
                    status=ReviewStatus.DECIDED
                ).update(status=ReviewStatus.DECIDED, decided_at=now, decision=ActionKind.APPROVE)
        else:
            outcome = IpNoticeStatus.CLOSED
            _log(
                notice=notice,
                code="closed",
                reason=f"IP notice {notice.pk}: settled by a moderator's decision",
            )
        IpNotice.objects.filter(pk=notice.pk).update(status=outcome, settled_at=now)
        author = Member.objects.filter(pk=notice.target_author_id).first()
        if restorable and author is not None:
            with translation.override(author.language):
                text = _(
                    "The rights holder did not take their notice further, so your %(kind)s is published "
                    "again."
                ) % {"kind": TargetKind(notice.kind).label}
            notice_send(
                recipient=author,
                kind="moderation.ip_notice_restored",
                url=target_url(kind=notice.kind, target=target),
                data={
                    "ip_notice_id": notice.pk,
                    "target_kind": notice.kind,
                    "object_id": notice.object_id,
                    "text": text,
                },
            )
    return outcome


RESTORE_BATCH = 200


def ip_notices_restore_due(*, now: datetime | None = None, batch: int = RESTORE_BATCH) -> int:
    """The beat job: settle up to `batch` due notices, one short transaction each. Running it twice
    changes nothing the second time."""
    now = now or timezone.now()
    due = list(
        IpNotice.objects.filter(status=IpNoticeStatus.COUNTERED, restore_due_at__lte=now)
        .order_by("restore_due_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    return sum(1 for pk in due if ip_notice_restore(notice_id=pk, now=now) is not None)
