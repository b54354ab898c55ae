from django.db import migrations, models


def set_starts(apps, schema_editor):
    RetentionCategory = apps.get_model("privacy", "RetentionCategory")
    RetentionCategory.objects.filter(key="deleted_content_records").update(counted_from="deleted")
    RetentionCategory.objects.filter(key__in=["consent_ledger", "deleted_accounts"]).update(
        counted_from="account_end"
    )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_seed_retention_categories")]

    operations = [
        migrations.AddField(
            model_name="retentioncategory",
            name="counted_from",
            field=models.CharField(
                choices=[
                    ("recorded", "when it was recorded"),
                    ("deleted", "when it was deleted"),
                    ("account_end", "when the account is closed"),
                ],
                default="recorded",
                max_length=12,
                verbose_name="counted from",
            ),
        ),
        migrations.RunPython(set_starts, migrations.RunPython.noop),
    ]
