"""The contract every ``SearchBackend`` keeps, run against each backend through ``get_backend()``.

A new backend (PostgreSQL full text + pgvector) adds itself to ``BACKENDS`` (with a ``skipif`` mark
where its database is unavailable) and must pass every test here unchanged.
"""

import datetime as dt

import pytest
from django.db import connection

from dailypapers.ingest.pipeline import IngestPipeline, SourceItem
from dailypapers.papers.models import Paper
from dailypapers.search import SearchBackend, SearchFilters, SearchQuery, get_backend, reset_backend
from dailypapers.search.backends.base import STATUS_KEYS
from dailypapers.search.tasks import update_search_index

pytestmark = pytest.mark.django_db

BACKENDS = [
    pytest.param("dailypapers.search.backends.local.LocalSearchBackend", id="local"),
    pytest.param(
        "dailypapers.search.backends.postgres.PostgresSearchBackend", id="postgres",
        marks=pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend needs PostgreSQL (scripts/with-postgres.sh)"),
    ),
]

CORPUS = [
    {"id": "2401.00001", "title": "Nested Matryoshka embeddings", "authors": ["Ada Lovelace"],
     "abstract": "We train representations whose prefixes are usable at many sizes.",
     "categories": ["cs.LG"], "primary_category": "cs.LG", "published": "2024-01-02",
     "github_repo": "https://github.com/x/y", "organization": "deepseek-ai DeepSeek"},
    {"id": "2402.00002", "title": "Diffusion models for image synthesis", "authors": ["Grace Hopper"],
     "abstract": "Denoising diffusion generates pictures from text prompts.",
     "categories": ["cs.CV"], "primary_category": "cs.CV", "published": "2024-02-10"},
    {"id": "2303.00003", "title": "Protein folding with transformers", "authors": ["Grace Hopper"],
     "abstract": "We predict protein structures from amino acid sequences.",
     "categories": ["q-bio.BM"], "primary_category": "q-bio.BM", "published": "2023-03-05"},
]  # fmt: skip
IDS = {r["id"] for r in CORPUS}


@pytest.fixture(params=BACKENDS)
def backend(request, settings) -> SearchBackend:
    """A fresh backend of each kind over an empty index (the search conftest isolates its files)."""
    settings.DAILYPAPERS_SEARCH_BACKEND = request.param
    reset_backend()
    yield get_backend()
    reset_backend()


def ingest(records):
    report = IngestPipeline("jsonl").run(SourceItem(location=f"record {i}", data=r) for i, r in enumerate(records))
    assert report.rejected == 0, report.rejections


@pytest.fixture
def indexed(backend) -> SearchBackend:
    ingest(CORPUS)
    backend.process_pending_updates()
    backend.embed_pending()
    return backend


def found(backend, text, mode="lexical", **filters) -> list[str]:
    return [h.paper_id for h in backend.search(SearchQuery(text, mode=mode, filters=SearchFilters(**filters))).hits]


def test_it_implements_the_whole_interface(backend):
    assert isinstance(backend, SearchBackend)
    for name, member in vars(SearchBackend).items():
        if callable(member) and not name.startswith("_") and name not in {"ensure_consistent", "close"}:
            assert getattr(type(backend), name) is not member, f"{type(backend).__name__} lacks {name}"


def test_an_empty_corpus_searches_and_upkeeps_to_nothing(backend):
    assert backend.search(SearchQuery("protein")).hits == []
    assert backend.similar("2401.00001") == []
    assert backend.process_pending_updates() == 0
    assert backend.embed_pending() == 0
    assert backend.pending_counts().outbox == backend.pending_counts().embed_backlog == 0
    # A never-built index may count as inconsistent once; after the repair it agrees.
    assert backend.ensure_consistent() in {"ok", "rebuilt"}
    assert backend.consistent() and backend.ensure_consistent() == "ok"
    status = backend.rebuild()
    assert status["papers"] == status["lexical_indexed"] == status["vectors"] == 0
    assert status["vector_coverage"] == 1.0


@pytest.mark.parametrize("mode", ["lexical", "vector", "hybrid"])
def test_each_mode_finds_an_exact_title(indexed, mode):
    results = indexed.search(SearchQuery("Protein folding with transformers", mode=mode, limit=3))
    assert results.mode == mode and results.hits[0].paper_id == "2303.00003"


def test_an_arxiv_id_is_the_exact_paper(indexed):
    assert indexed.search(SearchQuery("arXiv:2401.00001v2")).exact_paper_id == "2401.00001"


def test_an_arxiv_id_not_here_is_reported_missing(indexed):
    results = indexed.search(SearchQuery("https://arxiv.org/abs/2409.12345"))
    assert results.hits == [] and results.exact_paper_id is None and results.missing_arxiv_id == "2409.12345"
    assert indexed.search(SearchQuery("Protein folding with transformers")).missing_arxiv_id is None


@pytest.mark.parametrize("mode", ["lexical", "vector", "hybrid"])
def test_nonsense_is_no_good_match_in_every_mode(indexed, mode):
    results = indexed.search(SearchQuery("zxqv wplmt grbbq", mode=mode))
    assert results.hits == [] and results.total == 0 and results.no_good_match
    assert not indexed.search(SearchQuery("Protein folding with transformers", mode=mode)).no_good_match


def test_filters_apply_in_every_mode(indexed):
    text = "models images proteins embeddings"
    for mode in ("lexical", "vector", "hybrid"):
        assert set(found(indexed, text, mode, category="cs.CV")) == {"2402.00002"}, mode
        assert set(found(indexed, text, mode, organization="deepseek-ai")) == {"2401.00001"}, mode
        assert set(found(indexed, text, mode, has_code=True)) == {"2401.00001"}, mode
        assert set(found(indexed, text, mode, published_from=dt.date(2024, 1, 1))) == {"2401.00001", "2402.00002"}, mode
        assert set(found(indexed, text, mode, published_to=dt.date(2023, 12, 31))) == {"2303.00003"}, mode


def test_authors_are_searchable_and_matches_highlighted(indexed):
    assert found(indexed, "Lovelace", "hybrid")[0] == "2401.00001"
    hit = indexed.search(SearchQuery("matryoshka", mode="lexical")).hits[0]
    assert "<mark>Matryoshka</mark>" in hit.title_highlight
    assert "<mark>" in indexed.search(SearchQuery("prefixes", mode="lexical")).hits[0].abstract_highlight


def test_accents_are_folded_on_both_sides(backend):
    # arXiv spells "C. Balázs" and "Gödel"; readers type "Balazs" and "Godel" (real records 0704.0001-0200).
    ingest([*CORPUS, {"id": "0704.0001", "title": "Gödel's theorem for c-numbers", "authors": ["C. Balázs", "E. L. Berger"],
                      "abstract": "Photon pairs.", "categories": ["hep-ph"], "primary_category": "hep-ph", "published": "2007-04-02"}])  # fmt: skip
    backend.process_pending_updates()
    for text in ("Balazs", "Balázs", "C. Balazs", "godel", "Gödel theorem"):
        assert found(backend, text, "lexical")[:1] == ["0704.0001"], text
    assert "<mark>Gödel</mark>" in backend.search(SearchQuery("Godel", mode="lexical")).hits[0].title_highlight


def test_similar_papers_exclude_the_paper_itself(indexed):
    similar = [h.paper_id for h in indexed.similar("2401.00001", limit=5)]
    assert set(similar) == IDS - {"2401.00001"}
    assert len(indexed.similar("2401.00001", limit=1)) == 1
    assert indexed.similar("9999.99999") == []


def test_pending_counts_reach_zero_after_processing(backend):
    ingest(CORPUS)
    assert backend.pending_counts().outbox == 3 and backend.pending_counts().embed_backlog == 3
    assert backend.process_pending_updates() == 3
    assert backend.pending_counts().outbox == 0
    assert backend.process_pending_updates() == 0  # idempotent
    assert backend.embed_pending() == 3
    assert backend.pending_counts().embed_backlog == 0 and backend.embed_pending() == 0


def test_the_embed_backlog_goes_newest_first_with_progress(backend):
    ingest(CORPUS)
    backend.process_pending_updates()
    progress = []
    assert backend.embed_pending(limit=1, on_progress=lambda done, total: progress.append((done, total))) == 1
    assert progress == [(1, 1)] and backend.pending_counts().embed_backlog == 2
    # The one embedded is the newest paper: the only one semantic search can find so far.
    assert found(backend, "pictures from text prompts", "vector") == ["2402.00002"]
    results = backend.search(SearchQuery("protein structures"))
    assert results.mode == "hybrid" and results.notice


def test_without_vectors_search_falls_back_to_keywords_and_says_so(backend):
    ingest(CORPUS)
    backend.process_pending_updates()
    results = backend.search(SearchQuery("protein structures", mode="hybrid"))
    assert results.mode == "lexical" and results.notice and results.hits[0].paper_id == "2303.00003"


def test_indexing_is_idempotent_and_follows_changes(indexed):
    indexed.index_papers(sorted(IDS))
    indexed.index_papers(sorted(IDS))
    assert indexed.status()["lexical_indexed"] == 3 and indexed.consistent()
    Paper.objects.filter(pk="2303.00003").update(abstract="Now about quantum error correction codes.")
    indexed.index_papers(["2303.00003"])
    assert found(indexed, "amino acid") == [] and found(indexed, "quantum error") == ["2303.00003"]
    # Its vector was for the old text: it is in the backlog again, and re-embedding finds it.
    assert indexed.pending_counts().embed_backlog == 1 and indexed.embed_pending() == 1
    assert found(indexed, "quantum error correction", "vector")[0] == "2303.00003"


def test_a_deleted_paper_is_dropped_by_indexing_it(indexed):
    Paper.objects.filter(pk="2303.00003").delete()
    indexed.index_papers(["2303.00003"])
    assert found(indexed, "protein") == [] and indexed.consistent()


def test_a_removed_paper_is_gone_and_rebuild_restores_it(indexed):
    indexed.remove_papers(["2303.00003", "0000.00000"])  # unknown ids are ignored
    indexed.remove_papers(["2303.00003"])  # idempotent
    for mode in ("lexical", "vector", "hybrid"):
        assert "2303.00003" not in found(indexed, "protein folding amino acid sequences", mode), mode
    assert "2303.00003" not in {h.paper_id for h in indexed.similar("2401.00001")}
    # Still in the papers table: the check sees the mismatch.
    assert not indexed.consistent() and not indexed.status()["lexical_consistent"]
    status = indexed.rebuild()
    assert status["lexical_indexed"] == 3 and indexed.consistent()
    assert found(indexed, "protein") == ["2303.00003"]
    indexed.embed_pending()
    assert found(indexed, "protein folding amino acid sequences", "vector")[0] == "2303.00003"


def test_rebuild_reports_progress_and_keeps_vectors(indexed):
    stages = set()
    status = indexed.rebuild(lambda stage, done, total: stages.add(stage) or None)
    assert stages and status["lexical_indexed"] == 3 and status["vector_index_size"] == 3
    assert indexed.pending_counts().embed_backlog == 0  # rebuild does not re-embed
    assert found(indexed, "pictures from text prompts", "vector")[0] == "2402.00002"


def test_the_consistency_check_detects_a_lost_update_and_repairs(indexed):
    assert indexed.ensure_consistent() == "ok"
    # A paper written without papers_changed (its update was lost).
    Paper.objects.create(id="2405.00009", title="Lost update about graph neural networks", abstract="Graphs.")
    assert not indexed.consistent()
    assert indexed.ensure_consistent() == "rebuilt"
    assert indexed.consistent() and indexed.ensure_consistent() == "ok"
    assert found(indexed, "graph") == ["2405.00009"]


def test_status_has_the_common_keys(indexed):
    status = indexed.status()
    assert set(STATUS_KEYS) <= set(status)
    assert status["papers"] == status["lexical_indexed"] == status["vectors"] == status["vector_index_size"] == 3
    assert status["pending_updates"] == status["embed_backlog"] == 0
    assert status["lexical_consistent"] is True and status["vector_coverage"] == 1.0
    assert indexed.embedding_device() in {"cpu", "gpu"}


def test_the_worker_task_keeps_any_backend_in_step(backend):
    ingest(CORPUS)
    result = update_search_index.call()
    assert result["indexed"] == 3 and result["embedded"] == 3
    assert backend.pending_counts().outbox == 0 and found(backend, "diffusion") == ["2402.00002"]


# -- queries as people type them (issue 24) ----------------------------------------------------
PEOPLE = [
    {"id": "1706.03762", "title": "Attention is all you need", "authors": ["Ashish Vaswani", "Noam Shazeer"],
     "abstract": "The dominant sequence transduction models are based on recurrent networks.", "published": "2017-06-12"},
    {"id": "1911.02150", "title": "Fast transformer decoding: one write-head is all you need", "authors": ["Noam Shazeer"],
     "abstract": "Multi-head attention layers are a powerful alternative to RNNs; Vaswani showed how.", "published": "2019-11-06"},
    {"id": "2001.04451", "title": "Reformer: the efficient transformer", "authors": ["Nikita Kitaev", "Ashish Vaswani"],
     "abstract": "Large transformer models are costly to train on long sequences.", "published": "2020-01-13"},
    {"id": "2305.00007", "title": "Scaling sparse mixtures of experts", "authors": ["Ashish Vaswani", "C. Balázs"],
     "abstract": "Sparse expert layers route tokens to experts.", "published": "2023-05-02"},
    {"id": "0704.0001", "title": "Calculation of prompt diphoton production cross sections", "authors": ["C. Balázs", "P. M. Nadolsky"],
     "abstract": "A fully differential calculation in perturbative quantum chromodynamics; keyboard asdfghjkl.", "published": "2007-04-02"},
]  # fmt: skip


@pytest.fixture
def people(backend) -> SearchBackend:
    ingest(PEOPLE)
    backend.process_pending_updates()
    backend.embed_pending()
    return backend


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_surname_et_al_is_the_first_author(people, mode):
    # Vaswani is an author of 2001.04451 and named in 1911.02150's abstract: neither is "Vaswani et al.".
    for text in ("Vaswani et al.", "Vaswani et al", "A. Vaswani et al.", "vaswani et. al."):
        assert set(found(people, text, mode)) == {"1706.03762", "2305.00007"}, text
    assert found(people, "Balazs et al.", mode) == ["0704.0001"]  # accents folded, as every name
    assert found(people, "Shazeer et al. transformer decoding", mode)[0] == "1911.02150"


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_a_year_after_a_name_is_the_year_it_appeared(people, mode):
    assert found(people, "Vaswani et al. 2023", mode) == ["2305.00007"]
    assert found(people, "Vaswani et al., 2017", mode) == ["1706.03762"]
    assert found(people, "(Vaswani et al., 2017)", mode) == ["1706.03762"]
    assert found(people, "Vaswani 2020", mode) == ["2001.04451"]
    assert found(people, "Shazeer 2019", mode) == ["1911.02150"]
    # The page's own date filters still hold beside the year.
    assert found(people, "Vaswani 2020", mode, published_to=dt.date(2019, 12, 31))[:1] != ["2001.04451"]


def test_a_name_or_year_no_paper_has_falls_back_to_the_words_and_says_so(people):
    results = people.search(SearchQuery("Kitaev et al. 2017"))
    assert [h.paper_id for h in results.hits][:1] == ["2001.04451"] and "No paper here matches" in results.notice
    results = people.search(SearchQuery("Nikita Kitaev et al."))
    assert [h.paper_id for h in results.hits][:1] == ["2001.04451"] and not results.notice


def test_the_word_before_an_arxiv_id_is_ignored(people):
    for text in ("arxiv 1706.03762", "arXiv 1706.03762v5", "paper 1706.03762", "arXiv:1706.03762v2"):
        assert people.search(SearchQuery(text)).exact_paper_id == "1706.03762", text
    assert people.search(SearchQuery("arxiv 2409.12345")).missing_arxiv_id == "2409.12345"


@pytest.mark.parametrize("mode", ["lexical", "vector", "hybrid"])
def test_keyboard_mash_is_no_good_match_even_where_the_corpus_has_it(people, mode):
    # "asdfghjkl" is a word of 0704.0001's abstract: the detector reads letters, not the corpus.
    for text in ("asdfghjkl qwertyuiop", "asdfghjkl", "zxcvbnm poiuytrewq", "asdfasdf jkljkl"):
        results = people.search(SearchQuery(text, mode=mode))
        assert results.hits == [] and results.no_good_match, (text, mode)
    # Mash beside real words is left out of them.
    assert found(people, "asdfghjkl diphoton production", mode)[:1] == ["0704.0001"]


def test_a_forename_matches_its_initial_on_every_backend(people):
    # arXiv lists "P. M. Nadolsky"; a reader types "Pavel Nadolsky". The vectors know no names, so
    # what keeps this from "no good match" is a paper holding the name, the forename as an initial.
    for mode in ("vector", "hybrid"):
        results = people.search(SearchQuery("Pavel Nadolsky", mode=mode))
        assert not results.no_good_match and results.hits, mode
    assert people.matches_all(["pavel", "nadolsky"]) and not people.matches_all(["pavel", "nadolsky", "gravity"])
    assert not people.matches_all(["prompt", "experts", "photon"])


TYPOS = [
    {"id": "2002.05709", "title": "A simple framework for contrastive learning of visual representations", "authors": ["Ting Chen"],
     "abstract": "Contrastive self-supervised learning of image representations without labels.", "published": "2020-02-13"},
    {"id": "1807.03748", "title": "Representation learning with contrastive predictive coding", "authors": ["Aaron van den Oord"],
     "abstract": "Learning representations by predicting the future in latent space with a contrastive loss.", "published": "2018-07-10"},
    {"id": "1901.00001", "title": "Leaning towers and tilted foundations", "authors": ["Grace Hopper"],
     "abstract": "Why old towers lean: settlement of soil under heavy masonry.", "published": "2019-01-02"},
    {"id": "1901.00002", "title": "Deep learning for protein structure", "authors": ["Ada Lovelace"],
     "abstract": "Learning to predict protein structures from sequences.", "published": "2019-01-03"},
]  # fmt: skip


@pytest.fixture
def typos(backend) -> SearchBackend:
    ingest(TYPOS)
    backend.process_pending_updates()
    backend.embed_pending()
    return backend


@pytest.mark.parametrize("mode", ["lexical", "vector", "hybrid"])
def test_a_misspelled_query_finds_what_the_spelled_one_does(typos, mode):
    spelled = typos.search(SearchQuery("contrastive representation learning", mode=mode))
    typed = typos.search(SearchQuery("contrastve represntation lerning", mode=mode))
    assert typed.did_you_mean == "contrastive representation learning" and spelled.did_you_mean is None
    assert [h.paper_id for h in typed.hits] == [h.paper_id for h in spelled.hits] and typed.hits
    assert {h.paper_id for h in typed.hits[:2]} == {"2002.05709", "1807.03748"}
    # Off, the typos are searched as typed: nothing has those words, nothing is that close.
    as_typed = typos.search(SearchQuery("contrastve represntation lerning", mode=mode, spelling=False))
    assert as_typed.did_you_mean is None and [h.paper_id for h in as_typed.hits][:2] != [h.paper_id for h in typed.hits][:2]


def test_a_typo_is_the_commoner_word_and_real_words_stay_as_typed(typos):
    # "lerning" is one edit from "learning" (4 papers) and from "leaning" (1): the commoner wins,
    # so a misspelled topic does not bring the paper about leaning towers.
    results = typos.search(SearchQuery("lerning", mode="lexical"))
    assert results.did_you_mean == "learning" and {h.paper_id for h in results.hits} == {"2002.05709", "1807.03748", "1901.00002"}
    # A word the papers have is never replaced, however near a commoner one ("leaning").
    assert typos.search(SearchQuery("leaning towers")).did_you_mean is None
    # The last word, half typed, starts a longer word: left for the prefix match.
    assert typos.search(SearchQuery("contrastive represent")).did_you_mean is None
    # Case and the rest of the text are kept around the corrected words.
    assert typos.search(SearchQuery("Contrastve predictive coding")).did_you_mean == "contrastive predictive coding"
    assert typos.search(SearchQuery("Lovelase et al.")).hits[0].paper_id == "1901.00002"


def test_count_by_month_counts_papers_and_upvotes_of_a_topic(indexed):
    Paper.objects.filter(pk="2402.00002").update(imported_upvotes=7)
    Paper.objects.filter(pk="2303.00003").update(imported_upvotes=2)
    counts = indexed.count_by_month("protein folding")
    assert counts.papers == {"2023-03": 1} and counts.upvotes == {"2023-03": 2} and counts.total == 1
    # Every word must be there: "protein diffusion" is in no paper; stemming and case as searches.
    assert indexed.count_by_month("Protein Diffusion").papers == {}
    assert indexed.count_by_month("DIFFUSION model").papers == {"2024-02": 1}
    assert indexed.count_by_month("Hopper").papers == {"2023-03": 1, "2024-02": 1}  # author names count
    # No words: every paper passing the filters (a category's trend); undated papers are not counted.
    Paper.objects.create(id="2405.00009", title="Undated diffusion note", primary_category="cs.CV", categories=["cs.CV"])
    indexed.index_papers(["2405.00009"])
    every = indexed.count_by_month("")
    assert every.papers == {"2024-01": 1, "2024-02": 1, "2023-03": 1} and every.upvotes == {"2024-02": 7, "2023-03": 2}
    assert indexed.count_by_month("", SearchFilters(category="cs.CV")).papers == {"2024-02": 1}
    assert indexed.count_by_month("diffusion", SearchFilters(category="cs.LG")).papers == {}
    assert indexed.count_by_month("zxqv").papers == {} and indexed.count_by_month("zxqv").upvotes == {}


def test_count_by_month_follows_reindexing_and_removal(indexed):
    """A paper re-dated, re-categorised, re-worded or removed moves out of its old counts."""
    assert indexed.count_by_month("diffusion").papers == {"2024-02": 1}
    assert indexed.count_by_month("", SearchFilters(category="cs.CV")).papers == {"2024-02": 1}
    Paper.objects.filter(pk="2402.00002").update(
        published_at=dt.datetime(2022, 5, 1, tzinfo=dt.UTC), categories=["cs.LG"], primary_category="cs.LG", title="Score models"
    )
    indexed.index_papers(["2402.00002"])
    indexed.index_papers(["2402.00002"])  # twice: idempotent
    assert indexed.count_by_month("diffusion").papers == {"2022-05": 1}  # (still in the abstract)
    assert indexed.count_by_month("score").papers == {"2022-05": 1}
    assert indexed.count_by_month("", SearchFilters(category="cs.CV")).papers == {}
    assert indexed.count_by_month("", SearchFilters(category="cs.LG")).papers == {"2022-05": 1, "2024-01": 1}
    indexed.remove_papers(["2402.00002"])
    assert indexed.count_by_month("diffusion").papers == {} and indexed.count_by_month("score").papers == {}
    assert indexed.count_by_month("", SearchFilters(category="cs.LG")).papers == {"2024-01": 1}
    indexed.rebuild()
    assert indexed.count_by_month("diffusion").papers == {"2022-05": 1}
