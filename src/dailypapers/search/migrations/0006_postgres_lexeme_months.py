"""Papers per (lexeme, month) of the PostgreSQL keyword documents (on PostgreSQL only): topic trends.

``count_by_month`` of one word (or of a category alone) at millions of papers would visit every
matching row of ``search_pg_document`` (a common word: most of the table, seconds); this table
holds the answer, kept by the backend's own writes (``postgres._count_months``: each document's
lexemes taken away before it is rewritten or deleted, added after). Categories are keys too, as
``\\x01`` + the category. Filled here from the documents already there.
"""

from django.db import migrations

TABLE = "search_pg_lexeme_month"

FORWARD = [
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        lexeme text NOT NULL,
        month date NOT NULL,
        papers integer NOT NULL,
        PRIMARY KEY (lexeme, month)
    )""",
    f"""INSERT INTO {TABLE} (lexeme, month, papers)
        SELECT k.key, date_trunc('month', d.published)::date, count(*) FROM search_pg_document d,
        LATERAL (SELECT unnest(tsvector_to_array(d.document)) UNION SELECT chr(1) || unnest(d.categories)) k(key)
        WHERE d.published IS NOT NULL GROUP BY 1, 2
        ON CONFLICT (lexeme, month) DO NOTHING""",
]
BACKWARD = [f"DROP TABLE IF EXISTS {TABLE}"]


def _on_postgresql(schema_editor, statements: list[str]) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def forward(apps, schema_editor):
    _on_postgresql(schema_editor, FORWARD)


def backward(apps, schema_editor):
    _on_postgresql(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("search", "0005_upvoted_papers_index")]

    operations = [migrations.RunPython(forward, backward)]
