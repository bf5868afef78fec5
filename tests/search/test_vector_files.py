"""Vector export/import (issue 14): embed on a GPU host, load the vectors into a site."""

import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from dailypapers.papers.models import Paper
from dailypapers.search import SearchQuery, get_backend, vector_files
from dailypapers.search.models import PaperEmbedding
from tests.search.conftest import run_index_tasks
from tests.search.test_search import CORPUS, ingest

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded():
    ingest(CORPUS)
    return run_index_tasks()


def stored_vectors():
    return {pid: bytes(v) for pid, v in PaperEmbedding.objects.values_list("paper_id", "vector")}


def test_export_then_import_restores_every_vector_in_chunks(embedded, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(vector_files, "CHUNK", 2)  # three papers: two chunks each way
    before = stored_vectors()
    target = tmp_path / "vectors.npy"
    call_command("index", "export-vectors", str(target))
    assert "exported 3 vectors" in capsys.readouterr().out
    meta = json.loads((tmp_path / "vectors.json").read_text())
    assert meta == {"format": "dailypapers-vectors", "version": 1, "model": embedded.embedder.name, "dimensions": 384, "count": 3,
                    "dtype": "float16"}  # fmt: skip
    ids = [line.split("\t")[0] for line in (tmp_path / "vectors.ids.tsv").read_text().splitlines()]
    assert sorted(ids) == sorted(before) and np.load(target).shape == (3, 384)

    PaperEmbedding.objects.all().delete()
    call_command("index", "import-vectors", str(target))
    assert "imported 3 vectors" in capsys.readouterr().out
    assert stored_vectors() == before
    # The ANN index was rebuilt from the imported rows: semantic search works without `index embed`.
    backend = get_backend()
    assert backend.pending_counts().embed_backlog == 0
    assert backend.search(SearchQuery("pictures from text prompts", mode="vector", limit=1)).hits[0].paper_id == "2402.00002"


def test_import_skips_unknown_and_changed_papers_and_accepts_float32(embedded, tmp_path):
    target = tmp_path / "v.npy"
    vector_files.export_vectors(target, embedded.embedder.name, 384)
    ids_path, meta_path = vector_files.companion_paths(target)
    # As float32, with one extra row for a paper this site does not have.
    matrix = np.load(target).astype(np.float32)
    np.save(target, np.vstack([matrix, matrix[:1]]))
    ids_path.write_text(ids_path.read_text() + "2501.99999\tdeadbeef\n")
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "count": 4, "dtype": "float32"}))
    Paper.objects.filter(pk="2303.00003").update(abstract="Rewritten since the export.")
    PaperEmbedding.objects.all().delete()
    report = embedded.import_vectors(target)
    assert (report.imported, report.unknown_papers, report.changed_papers) == (2, 1, 1)
    assert set(PaperEmbedding.objects.values_list("paper_id", flat=True)) == {"2401.00001", "2402.00002"}


def test_import_refuses_another_model_or_dimension(embedded, tmp_path):
    target = tmp_path / "v.npy"
    vector_files.export_vectors(target, embedded.embedder.name, 384)
    _, meta_path = vector_files.companion_paths(target)
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "model": "bge-large"}))
    with pytest.raises(CommandError, match="from model 'bge-large'"):
        call_command("index", "import-vectors", str(target))
    meta_path.write_text(json.dumps({**meta, "dimensions": 768}))
    with pytest.raises(vector_files.VectorFileError, match="768 dimensions"):
        embedded.import_vectors(target)
    with pytest.raises(CommandError, match="must end in .npy"):
        call_command("index", "import-vectors", str(tmp_path / "v.npz"))
    (tmp_path / "v.ids.tsv").unlink()
    with pytest.raises(vector_files.VectorFileError, match="missing"):
        embedded.import_vectors(target)
    assert PaperEmbedding.objects.count() == 3  # nothing was touched
