"""What moderation holds about people, registered with privacy (called from ModerationConfig.ready()).

Reports, review items (with the snapshot of what was reported) and the moderators' decisions fall under
L11's "moderation actions and reports" category (kept 1 year). Settled complaints and IP notices expire
with it; reports, review items and the append-only audit log have no handler yet (deciding what an
expired case keeps is still open).
"""

from django.utils.translation import gettext_lazy as _

from privacy.registry import ExportSection, register_personal_data, register_retention_handler

REPORT_COLUMNS = ("kind", "object_id", "reason", "details", "created_at", "outcome", "decided_at")
ACTION_COLUMNS = ("action", "code", "kind", "object_id", "reason", "rule", "until", "created_at")


def export_moderation(*, member_id: int):
    """LEGAL L7: reports the member filed, and actions taken against their content with the reason and
    rule. The moderator who acted is left out (staff are not named in a member's export)."""
    from moderation.models import ModerationAction, Report

    def reports():
        queryset = Report.objects.filter(reporter_id=member_id).order_by("pk").values(*REPORT_COLUMNS)
        yield from queryset.iterator(chunk_size=500)

    def actions():
        queryset = ModerationAction.objects.filter(target_author_id=member_id).order_by("pk")
        yield from queryset.values(*ACTION_COLUMNS).iterator(chunk_size=500)

    yield ExportSection("reports_filed", reports, REPORT_COLUMNS, _("Reports you filed and their outcome"))
    yield ExportSection(
        "moderation_actions",
        actions,
        ACTION_COLUMNS,
        _("Moderation actions on your content, with reason and rule"),
    )


def erase_moderation(*, member_id: int) -> int:
    """LEGAL L9: what the member wrote to moderators goes (the details of their reports, their appeal
    statements); the cases themselves stay for their keep-period, pointing at the account's tombstone,
    because they prove what was decided and why. The append-only action log is not touched: it holds
    ids, the moderators' reasons and the rule, nothing the member wrote. Idempotent."""
    from moderation.models import Appeal, Report

    affected = Report.objects.filter(reporter_id=member_id).exclude(details="").update(details="")
    affected += Appeal.objects.filter(appellant_id=member_id).exclude(statement="").update(statement="")
    # one erase function per app: privacy runs them app by app (moderation first)
    affected += erase_complaints_and_notices(member_id=member_id)
    return affected


PURPOSE = _("Handling reports and moderation cases, and proving what was decided and why")


def register() -> None:
    for model, fields in [
        ("Report", ["reporter", "reason", "details", "created_at"]),
        ("ReviewItem", ["snapshot_title", "snapshot_body", "snapshot_author", "claimed_by", "created_at"]),
        ("ModerationAction", ["moderator", "target_author", "reason", "rule", "created_at"]),
    ]:
        register_personal_data(
            app_label="moderation",
            model=model,
            fields=fields,
            category="moderation_records",
            purpose=PURPOSE,
            export=export_moderation,
            erase=erase_moderation,
        )
    # L18 appeals: what the appellant wrote, who decided and why. Not in the export yet (the export
    # above covers reports and actions only).
    register_personal_data(
        app_label="moderation",
        model="Appeal",
        fields=["appellant", "statement", "decided_by", "decision_reason", "created_at"],
        category="moderation_records",
        purpose=PURPOSE,
        erase=erase_moderation,
    )
    register_complaints_and_notices()


# --- Complaints (L19) and IP notices (L22) ---------------------------------------------------------

COMPLAINT_COLUMNS = ("reference", "topic", "subject", "status", "created_at", "due_at", "closed_at")
COMPLAINT_MESSAGE_COLUMNS = ("complaint__reference", "from_staff", "body", "created_at")
IP_NOTICE_COLUMNS = (
    "kind",
    "object_id",
    "right",
    "holder_name",
    "holder_organisation",
    "evidence",
    "evidence_url",
    "status",
    "created_at",
    "counter_statement",
    "counter_evidence",
    "countered_at",
    "settled_at",
)


def export_complaints_and_notices(*, member_id: int):
    """LEGAL L7: the member's complaints with the whole thread (staff replies unnamed), and the IP
    notices about their content with their counter-notices. The rights holder's email is left out: the
    author was never given it (L24)."""
    from moderation.models import Complaint, ComplaintMessage, IpNotice

    def complaints():
        rows = Complaint.objects.filter(author_id=member_id).order_by("pk").values(*COMPLAINT_COLUMNS)
        yield from rows.iterator(chunk_size=500)

    def messages():
        rows = ComplaintMessage.objects.filter(complaint__author_id=member_id).order_by("complaint_id", "pk")
        yield from rows.values(*COMPLAINT_MESSAGE_COLUMNS).iterator(chunk_size=500)

    def notices():
        rows = IpNotice.objects.filter(target_author_id=member_id).order_by("pk").values(*IP_NOTICE_COLUMNS)
        yield from rows.iterator(chunk_size=500)

    yield ExportSection("complaints", complaints, COMPLAINT_COLUMNS, _("Your complaints and feedback"))
    yield ExportSection(
        "complaint_messages", messages, COMPLAINT_MESSAGE_COLUMNS, _("Messages about your complaints")
    )
    yield ExportSection(
        "ip_notices", notices, IP_NOTICE_COLUMNS, _("Intellectual property notices about your content")
    )


def erase_complaints_and_notices(*, member_id: int) -> int:
    """LEGAL L9: what the member wrote goes (their complaints' subjects and messages, their
    counter-notices); the cases stay for their keep-period, because they prove what was answered and
    decided. Idempotent."""
    from moderation.models import Complaint, ComplaintMessage, IpNotice

    affected = Complaint.objects.filter(author_id=member_id).exclude(subject="").update(subject="")
    affected += (
        ComplaintMessage.objects.filter(author_id=member_id, from_staff=False)
        .exclude(body="")
        .update(body="")
    )
    affected += (
        IpNotice.objects.filter(target_author_id=member_id)
        .exclude(counter_statement="", counter_evidence="")
        .update(counter_statement="", counter_evidence="")
    )
    return affected


def _expired_complaints(cutoff):
    """Closed complaints whose last word is older than the keep-period (their messages go with them)."""
    from moderation.models import Complaint, ComplaintStatus

    return Complaint.objects.filter(status=ComplaintStatus.CLOSED, closed_at__lt=cutoff)


def _expired_ip_notices(cutoff):
    """Settled notices (restored, escalated, closed) a keep-period after they settled; the rights
    holder has no account, so this is how their name and email go. Only the notice goes: the action
    log keeps its ids and codes."""
    from moderation.models import IpNotice, IpNoticeStatus

    settled = [IpNoticeStatus.RESTORED, IpNoticeStatus.CLOSED, IpNoticeStatus.ESCALATED]
    return IpNotice.objects.filter(status__in=settled, settled_at__lt=cutoff)


COMPLAINTS_PURPOSE = _(
    "Answering complaints and intellectual property notices, and proving how they were handled"
)


def register_complaints_and_notices() -> None:
    for model, fields in [
        ("Complaint", ["author", "subject", "created_at", "closed_by"]),
        ("ComplaintMessage", ["author", "body", "created_at"]),
        (
            "IpNotice",
            [
                "holder_name",
                "holder_organisation",
                "holder_email",
                "evidence",
                "evidence_url",
                "target_author",
                "counter_statement",
                "counter_evidence",
                "escalation_note",
                "created_at",
            ],
        ),
    ]:
        register_personal_data(
            app_label="moderation",
            model=model,
            fields=fields,
            category="moderation_records",
            purpose=COMPLAINTS_PURPOSE,
            export=export_complaints_and_notices,
            erase=erase_moderation,
        )
    # settled complaints and IP notices leave after the category's keep-period (1 year by default)
    register_retention_handler(
        category="moderation_records",
        name="moderation.complaints",
        expired=_expired_complaints,
        member_field="author",
    )
    register_retention_handler(
        category="moderation_records",
        name="moderation.ip_notices",
        expired=_expired_ip_notices,
        member_field="target_author",
    )
