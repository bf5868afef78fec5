"""JSON-lines import: one paper per line in the documented import shape (README, "Import format")."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import orjson
from isal import igzip

from dailypapers.ingest.records import SourceItem

MAX_LINE_BYTES = 4 * 1024 * 1024
BLOCK_BYTES = 1024 * 1024

# A raw line as read: (location, the line's bytes) or, for an unreadable rest of the file,
# (location, the error message as str).
RawLine = tuple[str, "bytes | str"]
# Whole lines as read: (number of the first line, the lines' bytes joined by b"\n"), or
# (line number, error message) for a line that cannot be read (too long, or the damaged rest).
LineBlock = tuple[int, "bytes | str"]

_READ_ERRORS = (EOFError, gzip.BadGzipFile, OSError)


def open_maybe_gzip(path: Path):
    """Binary file object for ``path``, transparently decompressing ``.gz`` files (stdlib gzip: it
    reads compressed input in small steps, so ``fileobj.tell()`` tracks what was decoded)."""
    return gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as probe:
        return probe.read(2) == b"\x1f\x8b"


def _decompressed_pieces(path: Path) -> Iterator[bytes | str]:
    """The file's bytes (decompressed), piece by piece; a damaged stream ends with its error as str.

    ISA-L decompresses ~3x faster than zlib, but past damage it drops the last ~64 KB it had
    decoded, so the stdlib reader then takes over from the same offset: every readable line is
    still read, as it always was.
    """
    if not _is_gzip(path):
        try:
            with open(path, "rb") as fh:
                while piece := fh.read(BLOCK_BYTES):
                    yield piece
        except OSError as exc:
            yield f"unreadable input: {exc or type(exc).__name__}"
        return
    offset = 0
    try:
        with igzip.open(path, "rb") as fh:
            while piece := fh.read1(BLOCK_BYTES):
                offset += len(piece)
                yield piece
        return
    except _READ_ERRORS:
        pass
    try:
        with gzip.open(path, "rb") as fh:
            fh.seek(offset)
            while piece := fh.read1(BLOCK_BYTES):
                yield piece
    except _READ_ERRORS as exc:
        yield f"unreadable input: {exc or type(exc).__name__}"


def raw_line_blocks(path: Path) -> Iterator[LineBlock]:
    """The file in blocks of whole lines (~1 MB), undecoded: the unit handed to worker processes.

    Memory stays bounded: a line over ``MAX_LINE_BYTES`` is skipped as it streams past and
    reported in its place; a truncated or corrupt gzip stream ends the file with its error,
    after every line before the damage.
    """
    lineno = 1  # number of the first line not yielded yet
    pending: list[bytes] = []  # the start of that line, in pieces (joined once its end arrives)
    pending_bytes = 0
    too_long = 0  # bytes of an over-long line skipped so far (0: not skipping)
    for piece in _decompressed_pieces(path):
        if isinstance(piece, str):  # the line the damage cut off (if any) is unreadable, not short
            yield lineno, piece
            return
        if too_long:
            end = piece.find(b"\n")
            if end < 0:
                too_long += len(piece)
                continue
            yield lineno, f"line too long: {too_long + end} bytes (max {MAX_LINE_BYTES})"
            lineno, too_long, piece = lineno + 1, 0, piece[end + 1 :]
        cut = piece.rfind(b"\n")
        if cut >= 0:
            block = b"".join([*pending, piece[:cut]]) if pending else piece[:cut]
            yield lineno, block
            lineno += block.count(b"\n") + 1
            pending, pending_bytes, piece = [], 0, piece[cut + 1 :]
        if piece:
            pending.append(piece)
            pending_bytes += len(piece)
            if pending_bytes > MAX_LINE_BYTES:
                too_long, pending, pending_bytes = pending_bytes, [], 0
    if too_long:
        yield lineno, f"line too long: {too_long} bytes (max {MAX_LINE_BYTES})"
    elif pending:
        yield lineno, b"".join(pending)


def block_lines(block: LineBlock, location_prefix: str = "line") -> Iterator[RawLine]:
    """The lines of one block, with their locations."""
    first, data = block
    if isinstance(data, str):
        yield f"{location_prefix} {first}", data
        return
    for number, line in enumerate(data.split(b"\n"), start=first):
        yield f"{location_prefix} {number}", line


def raw_lines(path: Path, *, location_prefix: str = "line") -> Iterator[RawLine]:
    """Yield (location, bytes) for each line of a (gzipped) file, undecoded (see ``raw_line_blocks``)."""
    for block in raw_line_blocks(path):
        yield from block_lines(block, location_prefix)


def decode_json_line(where: str, line: bytes | str) -> tuple[str, dict | None, str | None, str] | None:
    """(location, object, error, raw excerpt) for one raw line; None for a blank line."""
    if isinstance(line, str):  # the reader's own error
        return where, None, line, ""
    if len(line) > MAX_LINE_BYTES:
        return where, None, f"line too long: {len(line)} bytes (max {MAX_LINE_BYTES})", ""
    try:  # the fast path: orjson checks UTF-8 and parses in one pass, ~4x json's speed
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        pass  # blank, or bad: the standard library below says what is wrong, as it always has
    else:
        if isinstance(obj, dict):
            return where, obj, None, ""
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
    for block in raw_line_blocks(path):
        yield from decoded_lines(block, location_prefix)


def decoded_lines(block: LineBlock, location_prefix: str = "line") -> Iterator[tuple[str, dict | None, str | None, str]]:
    """:func:`read_json_lines` for one block of lines (the unit worker processes decode)."""
    for where, line in block_lines(block, location_prefix):
        decoded = decode_json_line(where, line)
        if decoded is not None:
            yield decoded


def jsonl_items(path: str | Path) -> Iterator[SourceItem]:
    for where, obj, error, raw in read_json_lines(Path(path)):
        yield SourceItem(location=where, data=obj, error=error, raw=raw)
