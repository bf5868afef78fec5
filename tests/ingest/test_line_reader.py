"""The JSON-lines reader: blocks of whole lines, every readable line of a damaged gzip, bounded lines.

``raw_line_blocks`` hands ~1 MB blocks to worker processes and decompresses with ISA-L, falling
back to the standard library past damage; whatever the block size, it must yield exactly the lines
(and line numbers) that reading the file line by line with the standard library gives.
"""

import gzip
import random

import pytest

from dailypapers.ingest.sources import jsonl
from dailypapers.ingest.sources.jsonl import raw_line_blocks, raw_lines


def stdlib_lines(path):
    """Line by line with the standard library: the reference (location, bytes or error marker)."""
    opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    out, number = [], 0
    try:
        with opener(path, "rb") as fh:
            for number, line in enumerate(fh, start=1):
                out.append((f"line {number}", line.rstrip(b"\n")))
    except (EOFError, OSError):
        out.append((f"line {number + 1}", "ERROR"))
    return out


def our_lines(path):
    return [(where, line if isinstance(line, bytes) else "ERROR") for where, line in raw_lines(path)]


@pytest.mark.parametrize("block_bytes", [997, 1 << 20])  # lines spanning many pieces, and none
@pytest.mark.parametrize("seed", range(4))
def test_same_lines_as_reading_line_by_line(tmp_path, monkeypatch, block_bytes, seed):
    monkeypatch.setattr(jsonl, "BLOCK_BYTES", block_bytes)
    rng = random.Random(seed)
    lines = [bytes(rng.choice(b'ab{}",') for _ in range(rng.choice([0, 1, 40, 3000, 30_000]))) for _ in range(120)]
    data = b"\n".join(lines) + (b"\n" if seed % 2 else b"")
    plain, whole, cut = tmp_path / "p.jsonl", tmp_path / "w.jsonl.gz", tmp_path / "c.jsonl.gz"
    plain.write_bytes(data)
    whole.write_bytes(gzip.compress(data))
    # Damage well past ISA-L's read-ahead, so the stdlib reader has to take over for the last lines.
    cut.write_bytes(gzip.compress(data)[: len(gzip.compress(data)) * 3 // 4])
    for path in (plain, whole, cut):
        assert our_lines(path) == stdlib_lines(path), path.name
    fallbacks = []
    real_open = gzip.open
    monkeypatch.setattr(gzip, "open", lambda *a, **k: fallbacks.append(a) or real_open(*a, **k))
    lines_of_cut = our_lines(cut)
    assert fallbacks and lines_of_cut[-1][1] == "ERROR" and len(lines_of_cut) > 1  # the stdlib took over


def test_block_numbers_are_the_first_line_of_each_block(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl, "BLOCK_BYTES", 64)
    path = tmp_path / "n.jsonl"
    path.write_bytes(b"".join(b"%d %s\n" % (i, b"x" * (i % 50)) for i in range(1, 301)))
    seen = 0
    for first, block in raw_line_blocks(path):
        assert first == seen + 1 and block.split(b" ", 1)[0] == str(first).encode()
        seen += block.count(b"\n") + 1
    assert seen == 300


def test_an_over_long_line_is_skipped_as_it_streams_and_reported_in_place(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 10_000)
    path = tmp_path / "long.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n' + b"x" * 1_000_000 + b'\n{"b": 2}\n' + b"y" * 50_000))
    blocks = list(raw_line_blocks(path))
    assert max(len(b) for _, b in blocks) < 20_000  # never held the 1 MB line in memory
    assert list(raw_lines(path)) == [
        ("line 1", b'{"a": 1}'),
        ("line 2", "line too long: 1000000 bytes (max 10000)"),
        ("line 3", b'{"b": 2}'),
        ("line 4", "line too long: 50000 bytes (max 10000)"),
    ]
