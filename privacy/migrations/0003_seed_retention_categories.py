"""LEGAL L11's table as the starting retention schedule. Operators may lengthen or shorten keep_days in
the admin, never below floor_days."""

from django.db import migrations

# key, label, description, keep_days (None: while the account or ban lasts), floor_days, legal basis, action
CATEGORIES = [
    ("access_logs", "Access and security logs", "IP address, path, time and member of each request.",
     190, 183, "CSL Art. 23 (6 months)", "delete"),
    ("deleted_content_records", "Records of deleted posts and comments",
     "A deleted post's or comment's text, time and author, kept after deletion; then the text is removed.",
     190, 60, "Internet Information Services Measures Art. 14 (60 days)", "anonymize"),
    ("moderation_records", "Moderation actions and reports", "Reports, decisions and their reasons.",
     365, 0, "", "delete"),
    ("consent_ledger", "Consent records", "Each consent given or withdrawn; kept for the account's "
     "lifetime and then this many days.", 1095, 0, "PIPL 14; GDPR 7(1) (proof of consent)", "delete"),
    ("request_cases", "Data-subject requests", "Export, correction and deletion requests and answers.",
     1095, 0, "", "delete"),
    ("staff_access_logs", "Staff access to personal data", "Who viewed whose data, what, when and why.",
     1095, 1095, "PIPL Art. 56 (3 years)", "delete"),
    ("delivery_records", "Delivery records", "Who was sent which notification or email, and when.",
     90, 0, "", "delete"),
    ("export_archives", "Export archives", "The archive a member asked for.", 7, 0, "", "delete"),
    ("deleted_accounts", "Account and profile", "Email, display name, bio, picture and preferences; "
     "kept while the account exists, purged 7 days after a deletion request.", 7, 0, "", "delete"),
    ("unverified_signups", "Unverified signups", "Accounts whose email address was never confirmed.",
     7, 0, "", "delete"),
    ("ban_identifiers", "Ban identifiers", "A salted hash of a banned email address, never the address.",
     None, 0, "", "delete"),
]  # fmt: skip


def seed(apps, schema_editor):
    RetentionCategory = apps.get_model("privacy", "RetentionCategory")
    for key, label, description, keep, floor, basis, action in CATEGORIES:
        RetentionCategory.objects.get_or_create(
            key=key,
            defaults={
                "label": label,
                "description": description,
                "keep_days": keep,
                "floor_days": floor,
                "legal_basis": basis,
                "action": action,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0002_seed_policies")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
