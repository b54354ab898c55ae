"""What moderation holds about people, registered with privacy (called from ModerationConfig.ready()).

Reports, review items (with the snapshot of what was reported) and the moderators' decisions fall under
L11's "moderation actions and reports" category (kept 1 year). No retention handler yet: deciding what
an expired case keeps (the audit log is append-only) comes with the moderation issue's retention work.
"""

from django.utils.translation import gettext_lazy as _

from privacy.registry import register_personal_data

PURPOSE = _("Handling reports and moderation cases, and proving what was decided and why")


def register() -> None:
    for model, fields in [
        ("Report", ["reporter", "reason", "details", "created_at"]),
        ("ReviewItem", ["snapshot_title", "snapshot_body", "snapshot_author", "claimed_by", "created_at"]),
        ("ModerationAction", ["moderator", "target_author", "reason", "rule", "created_at"]),
    ]:
        register_personal_data(
            app_label="moderation", model=model, fields=fields, category="moderation_records", purpose=PURPOSE
        )
