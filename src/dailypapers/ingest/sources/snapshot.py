"""arXiv's metadata snapshot (the Kaggle-style JSON-lines dump, plain or .gz), streamed.

Lines are read one at a time and mapped onto the import shape by
:func:`~dailypapers.ingest.arxiv_format.snapshot_to_import`, so memory stays bounded whatever
the file size; bad lines (invalid JSON or UTF-8, a truncated gzip stream) become rejections.
For the bootstrap, :func:`validated_snapshot_items` hands chunks of raw lines to worker processes
that decode and validate them while the main process writes (see ``ingest.parallel``).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

from dailypapers.ingest.arxiv_format import snapshot_to_import
from dailypapers.ingest.normalize import validate_record
from dailypapers.ingest.parallel import map_in_workers
from dailypapers.ingest.records import SourceItem, ValidatedItem
from dailypapers.ingest.sources.jsonl import LineBlock, decoded_lines, open_maybe_gzip, raw_line_blocks, read_json_lines

SOURCE = "arxiv-snapshot"


def snapshot_items(path: str | Path) -> Iterator[SourceItem]:
    for where, obj, error, raw in read_json_lines(Path(path)):
        yield _snapshot_item(where, obj, error, raw)


def validated_snapshot_items(path: str | Path, *, workers: int) -> Iterator[ValidatedItem | SourceItem]:
    """The snapshot's records decoded and validated by ``workers`` processes (0: in this one), in file order.

    Rejected records come back as :class:`SourceItem` with their reason, for the pipeline to
    quarantine; the rest as :class:`ValidatedItem`, ready to write.
    """
    return map_in_workers(_validate_block, raw_line_blocks(Path(path)), workers)


def _validate_block(block: LineBlock) -> list[ValidatedItem | SourceItem]:
    return [
        SourceItem(location=where, error=error, raw=raw) if obj is None else validate_record(where, snapshot_to_import(obj))
        for where, obj, error, raw in decoded_lines(block)
    ]


def _snapshot_item(where: str, obj: dict | None, error: str | None, raw: str) -> SourceItem:
    if obj is not None:
        obj = snapshot_to_import(obj)
    return SourceItem(location=where, data=obj, error=error, raw=raw)


def estimate_records(path: str | Path, sample_lines: int = 2000) -> int | None:
    """Roughly how many records the file holds, from the size of its first lines (for the ETA)."""
    path = Path(path)
    size = path.stat().st_size
    try:
        with open_maybe_gzip(path) as fh:
            lines = 0
            for lines, _ in enumerate(fh, start=1):
                if lines >= sample_lines:
                    break
            # For gzip, how far into the compressed file those lines reached.
            consumed = fh.fileobj.tell() if isinstance(fh, gzip.GzipFile) else fh.tell()
    except (OSError, EOFError):
        return None
    if not lines or not consumed:
        return None
    return max(lines, round(lines * size / consumed))
