"""Indexes for a million complaints: text search (sigap.cases.search) and the queue and list pages.

The search indexes are PostgreSQL's own (GIN over full text and trigrams) and are made only
there; SQLite searches with a plain substring and needs none. Their expressions are exactly
what the ORM writes for the lookups in sigap.cases.search, or the planner would not use them.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

SEARCH_INDEXES = {
    # name: (table, indexed expression)
    "complaint_text_fts": ("cases_complaint", "to_tsvector('indonesian'::regconfig, COALESCE(text, ''))"),
    "message_text_fts": ("cases_message", "to_tsvector('indonesian'::regconfig, COALESCE(text, ''))"),
    "complaint_text_trgm": ("cases_complaint", "text gin_trgm_ops"),
    "complaint_handle_trgm": ("cases_complaint", "UPPER(complainant_handle::text) gin_trgm_ops"),
    "complaint_name_trgm": ("cases_complaint", "UPPER(complainant_name::text) gin_trgm_ops"),
    "complaint_number_trgm": ("cases_complaint", "UPPER(tracking_number::text) gin_trgm_ops"),
}


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in SEARCH_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})")


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in SEARCH_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_audit_and_privacy"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(fields=["received_at", "id"], name="complaint_received"),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(fields=["posted_at", "id"], name="complaint_posted"),
        ),
        migrations.AddIndex(
            model_name="step",
            index=models.Index(
                fields=["number", "due_at", "id"], condition=models.Q(("completed_at", None)), name="step_open_queue"
            ),
        ),
    ]
