"""Paper vectors as files: embed a whole snapshot on a GPU host, load the vectors into a site.

Format (``dailypapers index export-vectors FILE``; three files side by side, FILE ending ``.npy``):

* ``FILE`` (``vectors.npy``): a plain NumPy ``.npy`` matrix, ``count`` rows × ``dimensions``,
  float16 (what the site stores) or float32, each row an L2-normalised paper vector;
* ``FILE`` with ``.ids.tsv`` for ``.npy`` (``vectors.ids.tsv``): one line per row, in row order,
  ``paper_id<TAB>text_hash``; the hash (``embedder.text_hash`` of ``paper_text(title, abstract)``)
  says which text the vector was computed from;
* ``FILE`` with ``.json`` for ``.npy`` (``vectors.json``):
  ``{"format": "dailypapers-vectors", "version": 1, "model": "all-MiniLM-L6-v2-int8", "dimensions": 384,
  "count": 3000000, "dtype": "float16"}``.

Both directions stream :data:`CHUNK` rows at a time (the matrix is written and read through a memory
map), so 3M × 384 vectors (2.3 GB as float16, 4.6 GB as float32) move in bounded memory. Import
refuses a file of another model or dimension, and skips rows for papers the site does not have or
whose title/abstract have changed since they were embedded (the site embeds those itself later).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import transaction

from dailypapers.papers.models import Paper
from dailypapers.search.embedder import paper_text, text_hash
from dailypapers.search.models import PaperEmbedding

FORMAT = "dailypapers-vectors"
VERSION = 1
CHUNK = 5_000
ACCEPTED_DTYPES = ("float16", "float32")

Progress = Callable[[int, int], None]


class VectorFileError(ValueError):
    """A vector file that cannot be imported here; the message says why."""


@dataclass(frozen=True)
class ImportReport:
    imported: int
    unknown_papers: int  # ids this site does not have
    changed_papers: int  # the paper's text changed since it was embedded


def companion_paths(path: Path) -> tuple[Path, Path]:
    """(ids file, metadata file) next to the ``.npy`` matrix at ``path``."""
    path = Path(path)
    if path.suffix != ".npy":
        raise VectorFileError(f"{path}: the vector file must end in .npy")
    return path.with_suffix(".ids.tsv"), path.with_suffix(".json")


def export_vectors(path: Path, model: str, dimensions: int, on_progress: Progress | None = None) -> int:
    """Write every stored vector of ``model`` to ``path`` (and its companions); returns the count."""
    path = Path(path)
    ids_path, meta_path = companion_paths(path)
    rows = PaperEmbedding.objects.filter(model=model)
    with transaction.atomic():  # one consistent snapshot of the table (a read transaction)
        count = rows.count()
        matrix = np.lib.format.open_memmap(path, mode="w+", dtype=np.float16, shape=(count, dimensions))
        written = 0
        with open(ids_path, "w", encoding="utf-8") as ids_file:
            # Keyset pagination by primary key: bounded memory on SQLite and PostgreSQL alike.
            last_pk = 0
            while written < count:
                chunk = list(rows.filter(pk__gt=last_pk).order_by("pk").values_list("pk", "paper_id", "text_hash", "vector")[:CHUNK])
                if not chunk:
                    break
                block = np.frombuffer(b"".join(bytes(v) for *_, v in chunk), dtype=np.float16).reshape(len(chunk), dimensions)
                matrix[written : written + len(chunk)] = block
                ids_file.writelines(f"{paper_id}\t{digest}\n" for _, paper_id, digest, _ in chunk)
                written += len(chunk)
                last_pk = chunk[-1][0]
                if on_progress:
                    on_progress(written, count)
        matrix.flush()
        del matrix
    meta = {"format": FORMAT, "version": VERSION, "model": model, "dimensions": dimensions, "count": written, "dtype": "float16"}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return written


def read_metadata(path: Path, model: str, dimensions: int) -> dict:
    """The metadata of the file at ``path``, checked against this site's model and dimension."""
    ids_path, meta_path = companion_paths(path)
    for needed in (Path(path), ids_path, meta_path):
        if not needed.exists():
            raise VectorFileError(f"{needed} is missing (a vector export is the .npy, its .ids.tsv and its .json)")
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
    except ValueError as exc:
        raise VectorFileError(f"{meta_path}: not JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise VectorFileError(f"{meta_path}: not a {FORMAT} version {VERSION} file")
    if meta.get("model") != model:
        raise VectorFileError(f"the vectors are from model {meta.get('model')!r}; this site embeds with {model!r}")
    if meta.get("dimensions") != dimensions:
        raise VectorFileError(f"the vectors have {meta.get('dimensions')} dimensions; this site's model has {dimensions}")
    return meta


def import_vectors(path: Path, model: str, dimensions: int, on_progress: Progress | None = None) -> ImportReport:
    """Store the vectors of the export at ``path`` for the papers this site has, unchanged."""
    path = Path(path)
    meta = read_metadata(path, model, dimensions)
    ids_path, _ = companion_paths(path)
    matrix = np.load(path, mmap_mode="r")
    if matrix.ndim != 2 or matrix.shape[1] != dimensions or str(matrix.dtype) not in ACCEPTED_DTYPES:
        raise VectorFileError(f"{path}: expected a float16/float32 matrix of {dimensions} columns, found {matrix.dtype} {matrix.shape}")
    if matrix.shape[0] != meta.get("count"):
        raise VectorFileError(f"{path}: {matrix.shape[0]} rows but the metadata says {meta.get('count')}")
    imported = unknown = changed = row = 0
    with open(ids_path, encoding="utf-8") as ids_file:
        while True:
            lines = [line for _, line in zip(range(CHUNK), ids_file)]
            if not lines:
                break
            pairs = [line.rstrip("\n").split("\t") for line in lines]
            if any(len(p) != 2 for p in pairs) or row + len(pairs) > matrix.shape[0]:
                raise VectorFileError(f"{ids_path}: line {row + 1}..{row + len(pairs)} is not paper_id<TAB>text_hash for a row of {path.name}")
            block = np.asarray(matrix[row : row + len(pairs)], dtype=np.float32)
            norms = np.linalg.norm(block, axis=1, keepdims=True)
            block = (block / np.where(norms > 0, norms, 1.0)).astype(np.float16)
            current = {
                pid: text_hash(paper_text(title, abstract))
                for pid, title, abstract in Paper.objects.filter(pk__in=[p for p, _ in pairs]).values_list("pk", "title", "abstract")
            }
            keep = []
            for (paper_id, digest), vector in zip(pairs, block):
                if paper_id not in current:
                    unknown += 1
                elif current[paper_id] != digest:
                    changed += 1
                else:
                    keep.append(PaperEmbedding(paper_id=paper_id, model=model, text_hash=digest, vector=vector.tobytes()))
            with transaction.atomic():
                PaperEmbedding.objects.filter(paper_id__in=[e.paper_id for e in keep]).delete()
                PaperEmbedding.objects.bulk_create(keep, batch_size=1_000)
            imported += len(keep)
            row += len(pairs)
            if on_progress:
                on_progress(row, matrix.shape[0])
    if row != matrix.shape[0]:
        raise VectorFileError(f"{ids_path}: {row} ids for {matrix.shape[0]} rows (imported {imported:,} before stopping)")
    return ImportReport(imported=imported, unknown_papers=unknown, changed_papers=changed)
