"""arXiv's metadata snapshot (the Kaggle-style JSON-lines dump, plain or .gz), streamed.

Lines are read one at a time and mapped onto the import shape by
:func:`~dailypapers.ingest.arxiv_format.snapshot_to_import`, so memory stays bounded whatever
the file size; bad lines (invalid JSON or UTF-8, a truncated gzip stream) become rejections.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

from dailypapers.ingest.arxiv_format import snapshot_to_import
from dailypapers.ingest.pipeline import SourceItem
from dailypapers.ingest.sources.jsonl import open_maybe_gzip, read_json_lines

SOURCE = "arxiv-snapshot"


def snapshot_items(path: str | Path) -> Iterator[SourceItem]:
    for where, obj, error, raw in read_json_lines(Path(path)):
        if obj is not None:
            obj = snapshot_to_import(obj)
        yield SourceItem(location=where, data=obj, error=error, raw=raw)


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
