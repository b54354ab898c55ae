"""The consent ledger outlives the account (LEGAL L11: account lifetime + 3 years): the member link
becomes empty on deletion, member_ref keeps the id, AccountClosure says when the clock starts."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_member_ids(apps, schema_editor):
    ConsentEntry = apps.get_model("privacy", "ConsentEntry")
    ConsentEntry.objects.filter(member_ref__isnull=True).update(member_ref=models.F("member_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0005_staff_access"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountClosure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("member_ref", models.PositiveBigIntegerField(unique=True, verbose_name="member id")),
                ("closed_at", models.DateTimeField(verbose_name="closed")),
            ],
            options={
                "verbose_name": "account closure",
                "verbose_name_plural": "account closures",
                "ordering": ["-closed_at"],
            },
        ),
        migrations.AddField(
            model_name="consententry",
            name="member_ref",
            field=models.PositiveBigIntegerField(null=True, editable=False, verbose_name="member id"),
        ),
        migrations.RunPython(copy_member_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="consententry",
            name="member_ref",
            field=models.PositiveBigIntegerField(db_index=True, editable=False, verbose_name="member id"),
        ),
        migrations.AlterField(
            model_name="consententry",
            name="member",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="consent_entries",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
