"""``dailypapers db move --to postgres://…``: move a site's database into PostgreSQL.

Not ``dumpdata``/``loaddata`` (which hold every object in memory and save them one by one): every
table is streamed from the current database with ``fetchmany`` into ``COPY … FROM STDIN`` (psycopg 3),
so memory stays flat at millions of papers and the rate is PostgreSQL's bulk-load rate.

The steps:

1. migrate the target (an empty database: the move refuses one holding data, unless ``truncate``);
2. empty the rows that migrating seeds (content types, permissions, the Sites record): the source's
   come instead, with their ids, which other rows refer to;
3. drop the target's foreign-key constraints and secondary indexes, so that tables load in any
   order, without a trigger or index update per row, and build them (validated) when the tables
   are in, as ``pg_restore`` does; primary keys and unique constraints stay;
4. copy each table, in dependency order, one transaction per table;
5. set every sequence past its table's largest id, and compare every table's row count.

Search indexes are not moved: they are caches of the tables (``dailypapers index rebuild``).
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections, models

TARGET_ALIAS = "move_target"
BATCH_ROWS = 5000
# Filled by migrating (Django's post_migrate handlers), so present in an otherwise empty database.
SEEDED_TABLES = {"django_content_type", "auth_permission", "django_site"}
# Rows that describe the source database itself, meaningless in another: the SQLite indexes an
# interrupted bulk load left for later (they are built before the move starts).
SKIPPED_TABLES = {"ingest_deferredindex"}


class MoveError(Exception):
    pass


@dataclass
class MoveReport:
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    peak_rss_mb: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def register_target(url: str) -> str:
    """Make ``url`` a Django database alias (for migrating it and for its SQL dialect)."""
    import dj_database_url

    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise MoveError(f"the target must be a PostgreSQL database (postgres://…), not {config['ENGINE']}")
    # Filled with the defaults Django gives a configured database (TIME_ZONE, OPTIONS, TEST, …).
    configured = connections.configure_settings({"default": config})["default"]
    connections.databases[TARGET_ALIAS] = configured
    return TARGET_ALIAS


def model_tables() -> list[type[models.Model]]:
    """Every concrete table's model (many-to-many tables included), each table once, in dependency
    order: a table after the tables its foreign keys point at (a cycle, if any, in name order)."""
    by_table: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in SKIPPED_TABLES:
            continue
        by_table.setdefault(meta.db_table, model)
    depends = {
        table: {
            f.related_model._meta.db_table
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None and f.related_model._meta.db_table in by_table
        } - {table}
        for table, model in by_table.items()
    }
    ordered: list[str] = []
    done: set[str] = set()
    while len(ordered) < len(by_table):
        ready = sorted(t for t in by_table if t not in done and depends[t] <= done)
        if not ready:  # a cycle: take the first left; the constraints are dropped during the load anyway
            ready = [min(t for t in by_table if t not in done)]
        for table in ready:
            ordered.append(table)
            done.add(table)
    return [by_table[table] for table in ordered]


def _count(connection, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def _source_columns(source, table: str) -> list[str]:
    with source.cursor() as cursor:
        return [column.name for column in source.introspection.get_table_description(cursor, table)]


def _target_columns(target, table: str) -> dict[str, bool]:
    """Column name: whether it is generated (computed by PostgreSQL, so not copied)."""
    with target.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, is_generated = 'ALWAYS' FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s",
            [table],
        )
        return dict(cursor.fetchall())


def _foreign_keys(target, tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, constraint name, definition) of each foreign key between our tables."""
    with target.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        return list(cursor.fetchall())


def _secondary_indexes(target, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of each index on our tables that no primary-key, unique or exclusion
    constraint owns: built once after the load instead of maintained row by row during it."""
    with target.cursor() as cursor:
        cursor.execute(
            "SELECT ic.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = current_schema() AND t.relname = ANY(%s) AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
            [tables],
        )
        return list(cursor.fetchall())


def check_target_empty(target, tables: list[str]) -> list[str]:
    """The tables of the target, besides the seeded ones, that hold rows."""
    return [table for table in tables if table not in SEEDED_TABLES and _count(target, table)]


def move_database(
    url: str,
    *,
    truncate: bool = False,
    migrate: bool = True,
    batch_rows: int = BATCH_ROWS,
    on_progress: Callable[[int, str], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    total_callback: Callable[[int], None] | None = None,
) -> MoveReport:
    """Copy every table of the ``default`` database into the PostgreSQL at ``url`` (module docstring)."""
    from dailypapers.ingest.bulkload import restore_deferred_indexes

    stage = on_stage or (lambda _text: None)
    source = connections["default"]
    if source.vendor == "postgresql":
        raise MoveError("the site's database is already PostgreSQL: use `dailypapers backup`/`restore` (pg_dump) to copy it")
    alias = register_target(url)
    target = connections[alias]
    try:
        restore_deferred_indexes()  # the source complete before it is read
        if migrate:
            stage("migrating the target database")
            call_command("migrate", database=alias, interactive=False, verbosity=0)
        # A model's table can exist on one database only (an index table a backend keeps on
        # PostgreSQL alone): what the source lacks is left to the target's migrations and upkeep.
        source_tables = set(source.introspection.table_names())
        chosen = [model for model in model_tables() if model._meta.db_table in source_tables]
        tables = [model._meta.db_table for model in chosen]
        busy = check_target_empty(target, tables)
        if busy and not truncate:
            raise MoveError(f"the target database already holds data ({', '.join(busy[:5])}…): "
                            "move into an empty database, or pass --truncate to empty it first")
        counts = {table: _count(source, table) for table in tables}
        if total_callback:
            total_callback(sum(counts.values()))
        stage("emptying the target's tables")
        with target.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(target.ops.quote_name(t) for t in tables) + " RESTART IDENTITY CASCADE")

        report = MoveReport()
        start = time.monotonic()
        foreign_keys = _foreign_keys(target, tables)
        indexes = _secondary_indexes(target, tables)
        with target.cursor() as cursor:
            for table, name, _definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {target.ops.quote_name(table)} DROP CONSTRAINT {target.ops.quote_name(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {target.ops.quote_name(name)}")
        try:
            done = 0
            for table in tables:
                copied = _copy_table(source, target, table, batch_rows,
                                     lambda n, t=table, before=done: on_progress and on_progress(before + n, t))
                if copied != counts[table]:
                    # Rows added to the source while it is read (the site still running): refuse,
                    # rather than leave a target that silently differs.
                    raise MoveError(f"{table}: {counts[table]} rows counted before the copy, {copied} copied; stop the site and move again")
                report.tables[table] = copied
                done += copied
        finally:
            stage(f"building {len(indexes)} indexes and {len(foreign_keys)} foreign keys")
            with target.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '512MB'")  # index builds sort in memory
                for _name, definition in indexes:
                    cursor.execute(definition)
                for table, name, definition in foreign_keys:
                    cursor.execute(f"ALTER TABLE {target.ops.quote_name(table)} ADD CONSTRAINT {target.ops.quote_name(name)} {definition}")
        stage("resetting sequences")
        with target.cursor() as cursor:
            for statement in target.ops.sequence_reset_sql(no_style(), chosen):
                cursor.execute(statement)
            cursor.execute("ANALYZE")
        stage("verifying row counts")
        wrong = {t: (counts[t], n) for t in tables if (n := _count(target, t)) != counts[t]}
        if wrong:
            raise MoveError(f"row counts differ after the move (source, target): {wrong}")
        report.seconds = time.monotonic() - start
        report.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return report
    finally:
        target.close()
        del connections[alias]
        connections.databases.pop(alias, None)


def _copy_table(source, target, table: str, batch_rows: int, on_rows: Callable[[int], None]) -> int:
    """Stream one table with ``COPY``; returns the rows written. One transaction: a failure leaves
    the table as it was (empty)."""
    target_columns = _target_columns(target, table)
    missing = set(_source_columns(source, table)) - set(target_columns)
    if missing:
        raise MoveError(f"{table}: the target lacks columns {sorted(missing)}; are both databases migrated to this version?")
    columns = [c for c in _source_columns(source, table) if not target_columns[c]]
    quote_source, quote_target = source.ops.quote_name, target.ops.quote_name
    source.ensure_connection()
    target.ensure_connection()
    reader = source.connection.cursor()  # the driver's own cursor: no per-row wrapping
    reader.execute(f"SELECT {', '.join(quote_source(c) for c in columns)} FROM {quote_source(table)}")
    written = 0
    raw = target.connection  # psycopg 3
    with raw.transaction(), raw.cursor() as cursor:
        # Django's SQLite stores aware datetimes as UTC without an offset: read them as UTC.
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        with cursor.copy(f"COPY {quote_target(table)} ({', '.join(quote_target(c) for c in columns)}) FROM STDIN") as copy:
            while rows := reader.fetchmany(batch_rows):
                for row in rows:
                    copy.write_row(row)
                written += len(rows)
                on_rows(written)
    reader.close()
    return written
