"""The PostgreSQL search backend's tables (``search.backends.postgres``), on PostgreSQL only.

Not Django models: they hold types Django does not know (``tsvector``, pgvector's ``halfvec``) and
exist only on one database vendor, so they are created here by SQL, guarded by the vendor, and only
the backend reads and writes them. On SQLite this migration does nothing.

* ``search_pg_document``: one row per indexed paper, the weighted ``tsvector`` (title A, authors B,
  abstract C) written by index upkeep (not a generated column: authors live in another table), the
  title's own ``tsvector`` (the keyword half's title-first candidates) and the filter columns.
* ``search_pg_vector``: the current model's vectors copied from ``search_paperembedding`` (the truth)
  as ``halfvec`` (they are stored as float16 there: nothing is lost) behind an HNSW index.

No foreign keys: Django's flush (transactional tests) truncates only its own tables, which a
reference from these would forbid. Searches join back to the papers and embedding tables instead, so
rows left behind by a deleted paper never show, and index upkeep removes them.

Without the pgvector extension (``CREATE EXTENSION vector`` unavailable or not allowed) the vector
table is not created and the backend searches by keywords only; ``index rebuild`` creates it once
the extension is there.
"""

from django.db import migrations

# The embedder's dimensions (search.embedder.DIMENSIONS) when this was written; another model
# means a new migration.
DIMENSIONS = 384

DOCUMENT_SQL = [
    """CREATE TABLE IF NOT EXISTS search_pg_document (
        paper_id varchar(80) PRIMARY KEY,
        document tsvector NOT NULL,
        title_document tsvector NOT NULL,
        published date,
        categories text[] NOT NULL DEFAULT '{}',
        organizations text[] NOT NULL DEFAULT '{}',
        has_code boolean NOT NULL DEFAULT false
    )""",
    "CREATE INDEX IF NOT EXISTS search_pg_document_gin ON search_pg_document USING gin (document)",
    "CREATE INDEX IF NOT EXISTS search_pg_document_title_gin ON search_pg_document USING gin (title_document)",
]

VECTOR_SQL = [
    f"""CREATE TABLE IF NOT EXISTS search_pg_vector (
        embedding_id bigint PRIMARY KEY,
        paper_id varchar(80) NOT NULL UNIQUE,
        embedding halfvec({DIMENSIONS}) NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS search_pg_vector_hnsw ON search_pg_vector USING hnsw (embedding halfvec_cosine_ops)",
]


def vector_extension_available(cursor) -> bool:
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    return cursor.fetchone() is not None


def create_vector_table(cursor) -> bool:
    """The vector table, where pgvector can be had; whether it exists now."""
    if not vector_extension_available(cursor):
        return False
    cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
    for statement in VECTOR_SQL:
        cursor.execute(statement)
    return True


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in DOCUMENT_SQL:
            cursor.execute(statement)
        create_vector_table(cursor)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS search_pg_vector")
        cursor.execute("DROP TABLE IF EXISTS search_pg_document")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
