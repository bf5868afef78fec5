"""JSON-lines import: one paper per line in the documented import shape (README, "Import format")."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from dailypapers.ingest.pipeline import SourceItem

MAX_LINE_BYTES = 4 * 1024 * 1024


def open_maybe_gzip(path: Path):
    """Binary file object for ``path``, transparently decompressing ``.gz`` files."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def read_json_lines(path: Path, *, location_prefix: str = "line") -> Iterator[tuple[str, dict | None, str | None, str]]:
    """Yield (location, object, error, raw excerpt) for each non-blank line of a (gzipped) JSONL file.

    Decoding problems are reported per line and reading goes on; a truncated gzip stream ends the
    file with one error item, after everything before the damage has been yielded.
    """
    with open_maybe_gzip(path) as fh:
        lineno = 0
        try:
            for lineno, line in enumerate(fh, start=1):
                where = f"{location_prefix} {lineno}"
                if len(line) > MAX_LINE_BYTES:
                    yield where, None, f"line too long: {len(line)} bytes (max {MAX_LINE_BYTES})", ""
                    continue
                if not line.strip():
                    continue
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield where, None, f"invalid UTF-8: byte {exc.start}", line[:200].decode("utf-8", "replace")
                    continue
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield where, None, f"invalid JSON: {exc.msg} at column {exc.colno}", text[:2000]
                    continue
                if not isinstance(obj, dict):
                    yield where, None, "not a JSON object", text[:2000]
                    continue
                yield where, obj, None, ""
        except (EOFError, gzip.BadGzipFile, OSError) as exc:
            yield f"{location_prefix} {lineno + 1}", None, f"unreadable input: {exc or type(exc).__name__}", ""


def jsonl_items(path: str | Path) -> Iterator[SourceItem]:
    for where, obj, error, raw in read_json_lines(Path(path)):
        yield SourceItem(location=where, data=obj, error=error, raw=raw)
