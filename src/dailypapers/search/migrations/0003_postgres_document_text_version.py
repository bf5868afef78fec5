"""The PostgreSQL keyword documents say which text version wrote them (on PostgreSQL only).

Version 2 folds accents before ``to_tsvector`` ("Balázs" is indexed as "balazs", and queries are
folded the same way), as the embedded backend's lexical schema 2 does. Rows written before this
migration read version 1: ``PostgresSearchBackend.consistent`` is false while any is left, so index
upkeep rebuilds them (upserted in place: searches keep working meanwhile). The partial index finds
a stale row without scanning the table; a later text version adds its own.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE search_pg_document ADD COLUMN IF NOT EXISTS text_version smallint NOT NULL DEFAULT 1",
    "CREATE INDEX IF NOT EXISTS search_pg_document_text_before_2 ON search_pg_document (paper_id) WHERE text_version < 2",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_pg_document_text_before_2",
    "ALTER TABLE search_pg_document DROP COLUMN IF EXISTS text_version",
]


def _on_postgresql(schema_editor, statements: list[str]) -> None:
    if schema_editor.connection.vendor == "postgresql":  # the table exists there only (0002)
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def forward(apps, schema_editor):
    _on_postgresql(schema_editor, FORWARD)


def backward(apps, schema_editor):
    _on_postgresql(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_postgres_search_tables"),
    ]

    operations = [migrations.RunPython(forward, backward)]
