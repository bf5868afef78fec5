"""JSON-lines import: one paper per line in the documented import shape (README, "Import format")."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from dailypapers.ingest.pipeline import SourceItem

MAX_LINE_BYTES = 4 * 1024 * 1024

# A raw line as read: (location, the line's bytes) or, for an unreadable rest of the file,
# (location, the error message as str).
RawLine = tuple[str, "bytes | str"]


def open_maybe_gzip(path: Path):
    """Binary file object for ``path``, transparently decompressing ``.gz`` files."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def raw_lines(path: Path, *, location_prefix: str = "line") -> Iterator[RawLine]:
    """Yield (location, bytes) for each line of a (gzipped) file, undecoded.

    A truncated or corrupt gzip stream ends the file with one (location, error message) item,
    after every line before the damage.
    """
    with open_maybe_gzip(path) as fh:
        lineno = 0
        try:
            for lineno, line in enumerate(fh, start=1):
                yield f"{location_prefix} {lineno}", line
        except (EOFError, gzip.BadGzipFile, OSError) as exc:
            yield f"{location_prefix} {lineno + 1}", f"unreadable input: {exc or type(exc).__name__}"


def raw_line_chunks(path: Path, size: int = 2000) -> Iterator[list[RawLine]]:
    """:func:`raw_lines` in lists of ``size``, the unit handed to worker processes."""
    lines = raw_lines(path)
    while chunk := list(islice(lines, size)):
        yield chunk


def decode_json_line(where: str, line: bytes | str) -> tuple[str, dict | None, str | None, str] | None:
    """(location, object, error, raw excerpt) for one raw line; None for a blank line."""
    if isinstance(line, str):  # the reader's own error
        return where, None, line, ""
    if len(line) > MAX_LINE_BYTES:
        return where, None, f"line too long: {len(line)} bytes (max {MAX_LINE_BYTES})", ""
    if not line.strip():
        return None
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return where, None, f"invalid UTF-8: byte {exc.start}", line[:200].decode("utf-8", "replace")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return where, None, f"invalid JSON: {exc.msg} at column {exc.colno}", text[:2000]
    if not isinstance(obj, dict):
        return where, None, "not a JSON object", text[:2000]
    return where, obj, None, ""


def read_json_lines(path: Path, *, location_prefix: str = "line") -> Iterator[tuple[str, dict | None, str | None, str]]:
    """Yield (location, object, error, raw excerpt) for each non-blank line of a (gzipped) JSONL file.

    Decoding problems are reported per line and reading goes on; a truncated gzip stream ends the
    file with one error item, after everything before the damage has been yielded.
    """
    for where, line in raw_lines(path, location_prefix=location_prefix):
        decoded = decode_json_line(where, line)
        if decoded is not None:
            yield decoded


def jsonl_items(path: str | Path) -> Iterator[SourceItem]:
    for where, obj, error, raw in read_json_lines(Path(path)):
        yield SourceItem(location=where, data=obj, error=error, raw=raw)
