"""Privacy's own entries in the registry of personal data."""

from django.utils.translation import gettext_lazy as _

from privacy.registry import register_not_personal, register_personal_data, register_retention_handler


def _closed_accounts_ledger(cutoff):
    from django.utils import timezone

    from privacy.models import AccountClosure, ConsentEntry

    # An account deleted without going through account_closure_record (the admin's delete button, the
    # purge of unverified signups): start its clock now, at most one run late, rather than never.
    orphans = (
        ConsentEntry.objects.filter(member__isnull=True)
        .exclude(member_ref__in=AccountClosure.objects.values("member_ref"))
        .values_list("member_ref", flat=True)
        .distinct()
    )
    now = timezone.now()
    AccountClosure.objects.bulk_create(
        [AccountClosure(member_ref=ref, closed_at=now) for ref in orphans], ignore_conflicts=True
    )
    closed = AccountClosure.objects.filter(closed_at__lt=cutoff).values("member_ref")
    return ConsentEntry.objects.filter(member__isnull=True, member_ref__in=closed)


def _old_staff_access(cutoff):
    from privacy.models import StaffAccess

    return StaffAccess.objects.filter(created_at__lt=cutoff)


def erase_privacy(*, member_id: int) -> int:
    """LEGAL L9, privacy's own part. The consent ledger keeps what proves a lawful basis: every entry of
    a purpose the member ever granted (the grant, and the withdrawal that ended it), unlinked from the
    account (member_ref keeps the id) so retention deletes it 3 years after the closure. Entries of a
    purpose never granted prove nothing we relied on and go now. Export archives go with their files.
    Requests, legal holds and the deletion request itself stay: they are cases with their own periods.
    Idempotent."""
    from django.db import transaction

    from privacy.models import ConsentEntry, ExportArchive

    entries = ConsentEntry.objects.filter(member_ref=member_id)
    granted = set(entries.filter(granted=True).values_list("purpose", flat=True))
    affected = entries.exclude(purpose__in=granted).delete()[0]
    affected += entries.filter(member__isnull=False).update(member=None)
    for archive in ExportArchive.objects.filter(member_id=member_id):
        name, storage = archive.file.name, archive.file.storage
        if name:
            transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        archive.delete()
        affected += 1
    return affected


def register() -> None:
    from privacy.export import consents_export, exports_purge, requests_export

    register_personal_data(
        app_label="privacy",
        model="ConsentEntry",
        fields=["member", "member_ref", "purpose", "version", "granted", "channel", "actor", "created_at"],
        category="consent_ledger",
        purpose=_("Proving which consents you gave or withdrew, and when"),
        export=consents_export,
        erase=erase_privacy,
    )
    register_personal_data(
        app_label="privacy",
        model="ExportArchive",
        fields=["member", "file", "size", "download_count", "created_at", "ready_at", "expires_at"],
        category="export_archives",
        purpose=_("Preparing the copy of your data you asked for"),
        erase=erase_privacy,
    )
    register_retention_handler(category="export_archives", name="privacy.exports", purge=exports_purge)
    register_personal_data(
        app_label="privacy",
        model="AccountClosure",
        fields=["member_ref", "closed_at"],
        category="consent_ledger",
        purpose=_("Proving which consents you gave or withdrew, and when"),
    )
    register_retention_handler(
        category="consent_ledger",
        name="privacy.consents",
        expired=_closed_accounts_ledger,
        member_field="member_ref",
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
    register_not_personal(
        app_label="privacy",
        model="Breach",
        fields=["title", "description"],
        reason="an incident written up by staff: categories and counts of data affected, never the people",
    )
    register_personal_data(
        app_label="privacy",
        model="DataRequest",
        fields=["member", "kind", "details", "status", "refusal_reason", "created_at", "decided_at"],
        category="request_cases",
        purpose=_("Answering the requests you make about your data"),
        export=requests_export,
    )
    register_personal_data(
        app_label="privacy",
        model="DeletionRequest",
        fields=["member", "member_ref", "requested_at", "due_at", "cancelled_at", "completed_at"],
        category="request_cases",
        purpose=_("Deleting your account when you ask, and proving that we did"),
        export=requests_export,
    )
    from privacy.access_log import access_log_export, access_log_purge

    register_personal_data(
        app_label="privacy",
        model="AccessLog",
        fields=["member_ref", "ip", "method", "path", "status", "time", "user_agent", "kind"],
        category="access_logs",
        purpose=_(
            "Keeping the access log the Cybersecurity Law requires, and showing you your recent sign-ins"
        ),
        export=access_log_export,
    )
    register_retention_handler(category="access_logs", name="privacy.access_log", purge=access_log_purge)
