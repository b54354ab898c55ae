"""The complaints desk (LEGAL L19): a member's complaint or feedback that is not about one post.

Each complaint gets a reference ("C-2026-000123"), a clock of 15 working days counted with privacy's
calendar, and a thread. A staff reply answers it (the member is told by inbox and email); a reply from
the member to an answered complaint opens it again with a fresh clock; a closed one takes no more
messages. Site moderators and operators work the desk; a complaint about a moderator is for operators
only, so no moderator handles a complaint about themselves or a colleague (L24: who sees what).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.ratelimit import window_hit
from content.delivery.notices import notice_send
from content.exceptions import ContentError, NotAllowed, NotFound
from members.models import Member
from members.selectors import member_is_moderator, member_is_operator
from moderation import clock
from moderation.models import Complaint, ComplaintMessage, ComplaintStatus, ComplaintTopic

SUBJECT_MAX = 200
BODY_MAX = 5000
DEFAULT_COMPLAINTS_PER_DAY = "5/day"
DEFAULT_REPLIES_PER_HOUR = "30/hour"


class ComplaintInvalid(ContentError):
    """Shown beside the field it names (`field`)."""

    code = "complaint_invalid"
    status = 400
    default_message = gettext_lazy("This complaint cannot be sent as it is.")

    def __init__(self, message: str | None = None, *, field: str | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.field = field


class ComplaintClosed(ContentError):
    code = "complaint_closed"
    status = 409
    default_message = gettext_lazy("This complaint is closed. Please send a new one.")


class ComplaintLimitReached(ContentError):
    code = "complaint_limit"
    status = 429
    default_message = gettext_lazy("You have sent many complaints today. Please try again tomorrow.")


def _limit(name: str, default: str) -> str:
    from django.conf import settings

    return getattr(settings, name, default)


def complaint_reference(*, complaint: Complaint) -> str:
    year = timezone.localtime(complaint.created_at).year
    return f"C-{year}-{complaint.pk:06d}"


def _clean_body(body: str, *, field: str = "body") -> str:
    body = (body or "").strip()
    if not body:
        raise ComplaintInvalid(_("Please write your message."), field=field)
    if len(body) > BODY_MAX:
        raise ComplaintInvalid(
            _("The message can be at most %(max)d characters (it has %(len)d).")
            % {"max": BODY_MAX, "len": len(body)},
            field=field,
        )
    return body


# --- Who may do what ---------------------------------------------------------------------------------


def can_handle_complaints(*, member: Member) -> bool:
    """Site moderators and operators (space moderators handle their spaces' reports, not complaints)."""
    return member_is_moderator(member=member)


def can_handle_complaint(*, member: Member, complaint: Complaint) -> bool:
    if not can_handle_complaints(member=member):
        return False
    return complaint.topic != ComplaintTopic.MODERATOR or member_is_operator(member=member)


# --- Writes -----------------------------------------------------------------------------------------


def complaint_file(*, author: Member, topic: str, subject: str, body: str) -> Complaint:
    """L19: a member sends a complaint; it is due in 15 working days."""
    if not author.is_authenticated or not author.is_active:
        raise NotAllowed()
    if topic not in ComplaintTopic.values:
        raise ComplaintInvalid(_("Choose what your complaint is about."), field="topic")
    subject = " ".join((subject or "").split())
    if not subject:
        raise ComplaintInvalid(_("Please give your complaint a short subject."), field="subject")
    if len(subject) > SUBJECT_MAX:
        raise ComplaintInvalid(
            _("The subject can be at most %(max)d characters.") % {"max": SUBJECT_MAX}, field="subject"
        )
    body = _clean_body(body)
    window = window_hit(
        limit=_limit("MODERATION_COMPLAINTS_PER_DAY", DEFAULT_COMPLAINTS_PER_DAY),
        key=f"moderation.complaint:{author.pk}",
    )
    if not window.allowed:
        raise ComplaintLimitReached(retry_at=window.retry_at)
    now = timezone.now()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            author=author,
            topic=topic,
            subject=subject,
            created_at=now,
            due_at=clock.complaint_due(start=now),
        )
        complaint.reference = complaint_reference(complaint=complaint)
        complaint.save(update_fields=["reference"])
        ComplaintMessage.objects.create(complaint=complaint, author=author, body=body, created_at=now)
    return complaint


def complaint_reply(*, complaint: Complaint, by: Member, body: str) -> ComplaintMessage:
    """A message in the thread. From staff it answers the complaint and tells the member; from the
    member it opens an answered complaint again, with a new 15-working-day clock."""
    from_staff = complaint.author_id != by.pk
    if from_staff and not can_handle_complaint(member=by, complaint=complaint):
        raise NotAllowed()
    if not from_staff and (not by.is_authenticated or not by.is_active):
        raise NotAllowed()
    body = _clean_body(body)
    if not from_staff:
        window = window_hit(
            limit=_limit("MODERATION_COMPLAINT_REPLIES_PER_HOUR", DEFAULT_REPLIES_PER_HOUR),
            key=f"moderation.complaint_reply:{by.pk}",
        )
        if not window.allowed:
            raise ComplaintLimitReached(
                _("You have sent many messages in the last hour. Please try again later."),
                retry_at=window.retry_at,
            )
    now = timezone.now()
    with transaction.atomic():
        # the row lock orders a reply and a close that arrive together
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if locked.status == ComplaintStatus.CLOSED:
            raise ComplaintClosed()
        message = ComplaintMessage.objects.create(
            complaint=locked, author=by, from_staff=from_staff, body=body, created_at=now
        )
        if from_staff:
            locked.status = ComplaintStatus.ANSWERED
            locked.answered_at = now
            locked.save(update_fields=["status", "answered_at"])
            if locked.author_id is not None:
                _tell_author(complaint=locked, kind="moderation.complaint_answered")
        elif locked.status == ComplaintStatus.ANSWERED:
            locked.status = ComplaintStatus.OPEN
            locked.due_at = clock.complaint_due(start=now)
            locked.save(update_fields=["status", "due_at"])
    complaint.refresh_from_db()
    return message


def complaint_close(*, complaint: Complaint, by: Member, body: str = "") -> bool:
    """Close a complaint (staff, with an optional last message the member reads; or the member
    themselves). Returns False when it was closed already."""
    by_author = complaint.author_id == by.pk
    if not by_author and not can_handle_complaint(member=by, complaint=complaint):
        raise NotAllowed()
    body = (body or "").strip()
    if body:
        body = _clean_body(body)
    now = timezone.now()
    with transaction.atomic():
        closed = (
            Complaint.objects.filter(pk=complaint.pk)
            .exclude(status=ComplaintStatus.CLOSED)
            .update(status=ComplaintStatus.CLOSED, closed_at=now, closed_by=by)
        )
        if closed and body:
            ComplaintMessage.objects.create(
                complaint=complaint, author=by, from_staff=not by_author, body=body, created_at=now
            )
        if closed and not by_author and complaint.author_id is not None:
            complaint.refresh_from_db()
            _tell_author(complaint=complaint, kind="moderation.complaint_closed")
    complaint.refresh_from_db()
    return bool(closed)


def _tell_author(*, complaint: Complaint, kind: str) -> None:
    author = Member.objects.get(pk=complaint.author_id)
    with translation.override(author.language):
        if kind == "moderation.complaint_closed":
            text = _("Your complaint %(reference)s was closed by the community team.")
        else:
            text = _("The community team replied to your complaint %(reference)s.")
        text = text % {"reference": complaint.reference}
    notice_send(
        recipient=author,
        kind=kind,
        url=reverse("moderation:complaint_mine", args=[complaint.pk]),
        data={"complaint_id": complaint.pk, "reference": complaint.reference, "text": text},
    )


# --- Reads ------------------------------------------------------------------------------------------


def complaints_of(*, member: Member) -> QuerySet[Complaint]:
    """The member's own complaints, newest first (one query)."""
    if not member.is_authenticated:
        return Complaint.objects.none()
    return Complaint.objects.filter(author_id=member.pk).order_by("-created_at", "-pk")


def complaint_of_get(*, member: Member, pk: int) -> Complaint:
    found = complaints_of(member=member).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class DeskFilters:
    status: str = ""  # "" = not closed (open and answered)
    topic: str = ""
    overdue: bool = False


def _overdue(now: datetime) -> Q:
    return Q(status=ComplaintStatus.OPEN, due_at__lt=now)


def complaints_visible(*, viewer: Member) -> QuerySet[Complaint]:
    if not viewer.is_authenticated or not can_handle_complaints(member=viewer):
        return Complaint.objects.none()
    complaints = Complaint.objects.all()
    if not member_is_operator(member=viewer):
        complaints = complaints.exclude(topic=ComplaintTopic.MODERATOR)
    return complaints


def complaint_desk(
    *, viewer: Member, filters: DeskFilters | None = None, now: datetime | None = None
) -> QuerySet[Complaint]:
    """Overdue first (L19), then waiting for an answer before answered, then by due date. One query,
    authors joined."""
    filters = filters or DeskFilters()
    now = now or timezone.now()
    complaints = complaints_visible(viewer=viewer).select_related("author")
    if filters.status:
        complaints = complaints.filter(status=filters.status)
    else:
        complaints = complaints.exclude(status=ComplaintStatus.CLOSED)
    if filters.topic:
        complaints = complaints.filter(topic=filters.topic)
    if filters.overdue:
        complaints = complaints.filter(_overdue(now))
    return complaints.annotate(
        is_overdue=Case(
            When(_overdue(now), then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        is_waiting=Case(
            When(status=ComplaintStatus.OPEN, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).order_by("-is_overdue", "-is_waiting", "due_at", "pk")


def complaint_desk_get(*, viewer: Member, pk: int) -> Complaint:
    found = complaints_visible(viewer=viewer).select_related("author").filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def complaint_messages(*, complaint: Complaint) -> QuerySet[ComplaintMessage]:
    return complaint.messages.select_related("author").order_by("created_at", "pk")


def complaint_is_overdue(*, complaint: Complaint, now: datetime | None = None) -> bool:
    return complaint.status == ComplaintStatus.OPEN and complaint.due_at < (now or timezone.now())
