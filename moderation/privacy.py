"""What moderation holds about people, registered with privacy (called from ModerationConfig.ready()).

Reports, review items (with the snapshot of what was reported) and the moderators' decisions fall under
L11's "moderation actions and reports" category (kept 1 year). No retention handler yet: deciding what
an expired case keeps (the audit log is append-only) comes with the moderation issue's retention work.
"""

from django.utils.translation import gettext_lazy as _

from privacy.registry import ExportSection, register_personal_data

REPORT_COLUMNS = ("kind", "object_id", "reason", "details", "created_at", "outcome", "decided_at")
ACTION_COLUMNS = ("action", "kind", "object_id", "reason", "rule", "until", "created_at")


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
