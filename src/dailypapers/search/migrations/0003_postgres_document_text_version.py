"""The PostgreSQL keyword documents say which text version wrote them (on PostgreSQL only).

Version 2 folds accents before ``to_tsvector`` ("Balázs" is indexed as "balazs", and queries are
folded the same way), as the embedded backend's lexical schema 2 does. Rows written before this
migration read version 1: ``PostgresSearchBackend.consistent`` is false while any is left, so index
upkeep rebuilds them (upserted in place: searches keep working meanwhile). The partial index finds
a stale row without scanning the table; a later text version adds its own.
"""

from django.db import migrations

SQL = [
    "ALTER TABLE search_pg_document ADD COLUMN IF NOT EXISTS text_version smallint NOT NULL DEFAULT 1",
    "CREATE INDEX IF NOT EXISTS search_pg_document_text_before_2 ON search_pg_document (paper_id) WHERE text_version < 2",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in SQL:
            cursor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS search_pg_document_text_before_2")
        cursor.execute("ALTER TABLE search_pg_document DROP COLUMN IF EXISTS text_version")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_postgres_search_tables"),
    ]

    operations = [migrations.RunPython(forward, backward)]
