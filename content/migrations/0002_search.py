"""Full-text search columns for posts, comments and events (content/search.py fills them).

The GIN indexes, pg_trgm and the trigram indexes exist only on PostgreSQL: the embedded `make run`
profile runs on SQLite, where SearchVectorField is a plain column that search never reads (it falls back
to icontains), and where `CREATE INDEX ... USING gin` would fail. The model state is the same on both, so
`makemigrations --check` stays clean.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class PostgresOnlyAddIndex(migrations.AddIndex):
    """AddIndex whose SQL runs only on PostgreSQL; the index is in the model state everywhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class PostgresOnlySQL(migrations.RunSQL):
    """Raw SQL for PostgreSQL only (trigram indexes, which the model state does not describe)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class PostgresOnlyTrigramExtension(TrigramExtension):
    """CreateExtension skips other databases going forwards but not backwards (it queries pg_extension)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
    ]

    operations = [
        PostgresOnlyTrigramExtension(),
        migrations.AddField(
            model_name="comment",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="event",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="post",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        PostgresOnlyAddIndex(
            model_name="comment",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="comment_search"),
        ),
        PostgresOnlyAddIndex(
            model_name="event",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="event_search"),
        ),
        PostgresOnlyAddIndex(
            model_name="post",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="post_search"),
        ),
        # Fuzzy fallback for short English typos in titles ("djnago"): word_similarity's `<%` operator
        # uses these. Chinese never goes through them (two-character words are too short for trigrams).
        PostgresOnlySQL(
            sql="CREATE INDEX IF NOT EXISTS post_title_trgm ON content_post USING gin (title gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS post_title_trgm",
        ),
        PostgresOnlySQL(
            sql="CREATE INDEX IF NOT EXISTS event_title_trgm ON content_event USING gin (title gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS event_title_trgm",
        ),
    ]
