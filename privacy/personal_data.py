"""Privacy's own entries in the registry of personal data."""

from django.utils.translation import gettext_lazy as _

from privacy.registry import register_not_personal, register_personal_data, register_retention_handler


def _old_staff_access(cutoff):
    from privacy.models import StaffAccess

    return StaffAccess.objects.filter(created_at__lt=cutoff)


def register() -> None:
    register_personal_data(
        app_label="privacy",
        model="ConsentEntry",
        fields=["member", "purpose", "version", "granted", "channel", "actor", "created_at"],
        category="consent_ledger",
        purpose=_("Proving which consents you gave or withdrew, and when"),
    )
    register_personal_data(
        app_label="privacy",
        model="LegalHold",
        fields=["member_id_held", "reason"],
        category="request_cases",
        purpose=_("Pausing deletion while a legal claim or an authority's request is open"),
    )
    register_personal_data(
        app_label="privacy",
        model="StaffAccess",
        fields=["staff", "staff_email", "subject_id", "what", "reason", "created_at"],
        category="staff_access_logs",
        purpose=_("Recording which staff member looked at your data, when and why"),
    )
    register_retention_handler(
        category="staff_access_logs", name="privacy.staff_access", expired=_old_staff_access
    )
    register_not_personal(
        app_label="privacy",
        model="PolicyVersion",
        fields=["body_en", "body_zh"],
        reason="published policy texts written by the operators",
    )
    register_not_personal(
        app_label="privacy",
        model="RetentionCategory",
        fields=["label", "description"],
        reason="the schedule's own wording",
    )
