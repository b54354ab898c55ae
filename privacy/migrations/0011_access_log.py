"""The access log (LEGAL L11, Cybersecurity Law Art. 23).

On PostgreSQL: a table partitioned by month on `time` (RANGE), a DEFAULT partition so that no row is ever
refused, and partitions for this month and the next two; privacy.access_log_partitions creates the
following months ahead of time and retention drops whole months. The primary key is (id, time): a
partitioned table's unique keys must include the partition key; Django addresses rows by id alone, which
the sequence keeps unique. On SQLite (the embedded `make run` profile) a plain table.
"""

from datetime import UTC, datetime

from django.db import migrations, models

PARENT = "privacy_accesslog"

CREATE = f"""
CREATE TABLE {PARENT} (
    id bigserial NOT NULL,
    member_ref bigint NOT NULL CHECK (member_ref >= 0),
    ip inet NULL,
    method varchar(8) NOT NULL,
    path varchar(300) NOT NULL,
    status smallint NOT NULL CHECK (status >= 0),
    time timestamp with time zone NOT NULL,
    user_agent varchar(200) NOT NULL,
    kind varchar(8) NOT NULL,
    PRIMARY KEY (id, time)
) PARTITION BY RANGE (time);
CREATE INDEX access_log_member ON {PARENT} (member_ref, kind, time DESC);
CREATE INDEX access_log_time ON {PARENT} (time);
CREATE TABLE {PARENT}_default PARTITION OF {PARENT} DEFAULT;
"""


def _month(year: int, month: int) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=UTC)


def create(apps, schema_editor):
    model = apps.get_model("privacy", "AccessLog")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.create_model(model)
        return
    schema_editor.execute(CREATE)
    now = datetime.now(UTC)
    for ahead in range(3):
        start, end = _month(now.year, now.month + ahead), _month(now.year, now.month + ahead + 1)
        schema_editor.execute(
            f"CREATE TABLE {PARENT}_p{start:%Y%m} PARTITION OF {PARENT} "
            f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.delete_model(apps.get_model("privacy", "AccessLog"))
        return
    schema_editor.execute(f"DROP TABLE {PARENT} CASCADE")  # the partitions go with it


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0010_deletion_request"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AccessLog",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("member_ref", models.PositiveBigIntegerField(verbose_name="member id")),
                        (
                            "ip",
                            models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address"),
                        ),
                        ("method", models.CharField(max_length=8, verbose_name="method")),
                        ("path", models.CharField(max_length=300, verbose_name="path")),
                        ("status", models.PositiveSmallIntegerField(verbose_name="status")),
                        ("time", models.DateTimeField(verbose_name="time")),
                        ("user_agent", models.CharField(blank=True, max_length=200, verbose_name="browser")),
                        (
                            "kind",
                            models.CharField(
                                choices=[("request", "Page or API request"), ("sign_in", "Sign-in")],
                                default="request",
                                max_length=8,
                                verbose_name="kind",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "access log entry",
                        "verbose_name_plural": "access log",
                        "ordering": ["-time"],
                        "indexes": [
                            models.Index(fields=["member_ref", "kind", "-time"], name="access_log_member"),
                            models.Index(fields=["time"], name="access_log_time"),
                        ],
                    },
                ),
            ],
        ),
        # After the state has the model, so RunPython's apps can hand it to schema_editor on SQLite.
        migrations.RunPython(create, drop),
    ]
