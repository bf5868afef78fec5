"""The PostgreSQL backend's vocabulary for spelling (``search.spelling``), on PostgreSQL only.

``search_pg_term``: each word of the indexed papers (titles, abstracts, author names; folded, lower
case) and the papers holding it, behind a trigram index (``pg_trgm``, a contrib extension every
PostgreSQL distribution ships, trusted since PostgreSQL 13), so the words near a typed one are found
by index. Without ``pg_trgm`` the table holds the words but spelling is off (the backend checks).
Text version 4 writes the words; documents of an older version are rebuilt by upkeep.
"""

from django.db import migrations

FORWARD = [
    'CREATE TABLE IF NOT EXISTS search_pg_term (word text COLLATE "C" PRIMARY KEY, papers integer NOT NULL)',
    "CREATE INDEX IF NOT EXISTS search_pg_document_text_before_4 ON search_pg_document (paper_id) WHERE text_version < 4",
]
TRIGRAMS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_pg_term_trgm ON search_pg_term USING gin (word gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_pg_document_text_before_4",
    "DROP TABLE IF EXISTS search_pg_term",
]


def create_trigram_index(cursor) -> bool:
    """The trigram index, where ``pg_trgm`` can be had; whether it exists now."""
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    if cursor.fetchone() is None:
        return False
    for statement in TRIGRAMS:
        cursor.execute(statement)
    return True


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in FORWARD:
            cursor.execute(statement)
        create_trigram_index(cursor)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in BACKWARD:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0006_postgres_lexeme_months"),
    ]

    operations = [migrations.RunPython(forward, backward)]
