"""Inside ingest, imports run one way: sources produce records and never reach the writer."""

import ast
from pathlib import Path

import dailypapers.ingest.sources as sources_pkg

# What a source may not import: the pipeline facade pulls in the writer and its row writers.
WRITING = {"dailypapers.ingest.pipeline", "dailypapers.ingest.writer", "dailypapers.ingest.orm_writes",
           "dailypapers.ingest.sqlite_writes", "dailypapers.ingest.postgres_writes"}  # fmt: skip


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_sources_import_record_types_not_the_writer():
    files = sorted(Path(sources_pkg.__file__).parent.glob("*.py"))
    assert len(files) > 5
    offenders = {f.name: sorted(imported_modules(f) & WRITING) for f in files if imported_modules(f) & WRITING}
    assert offenders == {}


def test_the_check_sees_a_planted_import(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("from dailypapers.ingest.pipeline import SourceItem\nfrom dailypapers.ingest import writer\n")
    assert imported_modules(planted) & WRITING == {"dailypapers.ingest.pipeline", "dailypapers.ingest.writer"}
