"""The PostgreSQL keyword documents hold their first author's name words (on PostgreSQL only).

"Surname et al." searches filter on them (``SearchFilters.first_author``), as the embedded backend's
``first_author`` field (lexical schema 3). Text version 3 writes them; rows of an older version are
rebuilt in place by upkeep (``PostgresSearchBackend.consistent``), found by the partial index.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE search_pg_document ADD COLUMN IF NOT EXISTS first_author text[] NOT NULL DEFAULT '{}'",
    "CREATE INDEX IF NOT EXISTS search_pg_document_text_before_3 ON search_pg_document (paper_id) WHERE text_version < 3",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_pg_document_text_before_3",
    "ALTER TABLE search_pg_document DROP COLUMN IF EXISTS first_author",
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
        ("search", "0003_postgres_document_text_version"),
    ]

    operations = [migrations.RunPython(forward, backward)]
