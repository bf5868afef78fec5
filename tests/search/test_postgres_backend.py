"""What the PostgreSQL backend does beyond the contract suite: choosing it, its bounded keyword half,
its statistics, and its tables' upkeep. The database tests run on PostgreSQL only
(``bash scripts/with-postgres.sh .venv/bin/python -m pytest tests/search``)."""

import pytest
from django.db import connection

from dailypapers.papers.models import Paper
from dailypapers.search import SearchFilters, SearchQuery, get_backend, reset_backend
from dailypapers.search import backend_path as chosen_backend_path
from dailypapers.search.backends import postgres as pg
from tests.search.test_backend_contract import ingest

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend needs PostgreSQL (scripts/with-postgres.sh)")

LOCAL = "dailypapers.search.backends.local.LocalSearchBackend"
POSTGRES = "dailypapers.search.backends.postgres.PostgresSearchBackend"


def test_auto_picks_the_backend_of_the_database():
    assert chosen_backend_path("auto") == (POSTGRES if connection.vendor == "postgresql" else LOCAL)
    assert chosen_backend_path("local") == LOCAL and chosen_backend_path("postgres") == POSTGRES
    assert chosen_backend_path("tests.FakeBackend") == "tests.FakeBackend"


def test_the_setting_can_still_pick_the_embedded_backend(settings, db):
    settings.DAILYPAPERS_SEARCH_BACKEND = "local"
    reset_backend()
    assert type(get_backend()).__name__ == "LocalSearchBackend"
    reset_backend()


@pytest.fixture
def backend(settings, db):
    settings.DAILYPAPERS_SEARCH_BACKEND = "postgres"
    reset_backend()
    yield get_backend()
    reset_backend()


def papers(count, title="Sparse attention kernels", abstract="We study attention and kernels for sequence models."):
    return [
        {"id": f"2401.{i:05d}", "title": f"{title} {i}", "authors": ["Ada Lovelace"], "abstract": abstract,
         "categories": ["cs.LG"], "primary_category": "cs.LG", "published": "2024-01-02"}
        for i in range(1, count + 1)
    ]  # fmt: skip


@on_postgres
def test_the_keyword_half_ranks_a_bounded_candidate_set(backend, monkeypatch):
    # 30 papers mention both words in their abstract only; one has both in its title. With tiers of
    # 5 rows, at most 15 papers are ranked, and the title tier still brings the title match first.
    ingest([*papers(30, title="Unrelated study"),
            {"id": "2402.00001", "title": "Attention kernels", "authors": ["Grace Hopper"], "abstract": "Short.",
             "categories": ["cs.LG"], "primary_category": "cs.LG", "published": "2024-02-02"}])  # fmt: skip
    backend.process_pending_updates()
    monkeypatch.setattr(pg, "CANDIDATES_PER_TIER", 5)
    results = backend.search(SearchQuery("attention kernels", mode="lexical", limit=50))
    assert results.hits[0].paper_id == "2402.00001"
    assert len(results.hits) <= 15
    # The total still counts every match (capped), not just the ranked candidates.
    assert backend.search(SearchQuery("attention kernels", mode="lexical", limit=10)).total == 31


@on_postgres
def test_frequent_words_take_their_frequency_from_the_planner_statistics(backend, monkeypatch):
    ingest(papers(12))
    backend.process_pending_updates()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {pg.DOCUMENTS}")
        monkeypatch.setattr(pg, "EXACT_DOCUMENT_COUNT_MAX", 10)
        count, shares = backend._corpus_statistics(cursor)
        assert count == 12 and shares["attent"] == pytest.approx(1.0)
        # "attention" from the statistics (in all 12 papers), an unknown word counted (0).
        assert backend._document_frequencies(cursor, ["attention", "zxqv"], count, shares) == [12, 0]


@on_postgres
def test_the_phrase_of_a_title_outranks_its_words_apart(backend):
    ingest([
        {"id": "2401.00001", "title": "Kernels of sparse attention", "authors": ["A B"], "abstract": "Sparse attention kernels.",
         "categories": ["cs.LG"], "primary_category": "cs.LG", "published": "2024-01-02"},
        {"id": "2401.00002", "title": "Sparse attention kernels", "authors": ["C D"], "abstract": "Kernels.",
         "categories": ["cs.LG"], "primary_category": "cs.LG", "published": "2024-01-02"},
    ])  # fmt: skip
    backend.process_pending_updates()
    assert [h.paper_id for h in backend.search(SearchQuery("sparse attention kernels", mode="lexical")).hits][0] == "2401.00002"


@on_postgres
def test_rows_of_deleted_papers_never_show_and_rebuild_removes_them(backend):
    ingest(papers(3))
    backend.process_pending_updates()
    backend.embed_pending()
    Paper.objects.filter(pk="2401.00002").delete()  # its outbox entry not processed yet
    for mode in ("lexical", "vector", "hybrid"):
        assert "2401.00002" not in [h.paper_id for h in backend.search(SearchQuery("sparse attention kernels", mode=mode)).hits], mode
    assert "2401.00002" not in [h.paper_id for h in backend.similar("2401.00001")]
    assert not backend.consistent()
    status = backend.rebuild()
    assert status["lexical_indexed"] == status["papers"] == 2 and status["vector_index_size"] == 2
    assert backend.consistent()


@on_postgres
def test_without_the_vector_table_it_searches_by_keywords(backend, monkeypatch):
    ingest(papers(2))
    backend.process_pending_updates()
    monkeypatch.setattr(backend, "vectors_available", lambda: False)
    results = backend.search(SearchQuery("sparse attention", mode="hybrid"))
    assert results.mode == "lexical" and results.hits and "not available" in results.notice
    assert backend.similar("2401.00001") == []
    assert backend.status()["vector_index"].startswith("none")


@on_postgres
def test_filters_narrow_the_keyword_tiers(backend):
    ingest([*papers(3), {**papers(1)[0], "id": "2301.00009", "categories": ["cs.CV"], "primary_category": "cs.CV"}])
    backend.process_pending_updates()
    hits = backend.search(SearchQuery("sparse attention", mode="lexical", filters=SearchFilters(category="cs.CV"))).hits
    assert [h.paper_id for h in hits] == ["2301.00009"]



def paper(pid, title, abstract, authors):
    return {"id": pid, "title": title, "authors": authors, "abstract": abstract,
            "categories": ["hep-ph"], "primary_category": "hep-ph", "published": "2007-04-02"}  # fmt: skip


@on_postgres
def test_a_persons_name_is_looked_up_in_author_names_whatever_the_list_length(backend):
    # As the embedded backend (test_query_speedups): one of 61 authors counts as much as a sole
    # author, and a surname that is also a word of abstracts ("su" of SU(2)) finds the person.
    ingest([
        paper("0704.0001", "Gamma-ray bursts seen by Swift", "Afterglows.", [f"A. Member{i}" for i in range(60)] + ["M. Capalbi"]),
        paper("0704.0002", "X-ray flares", "Flares.", ["M. Capalbi"]),
        paper("0704.0003", "Superconductivity in iron pnictides", "Pairing.", ["Haibin Su", "Q. Wang"]),
        *(paper(f"0704.001{i}", f"An su model number {i}", "An SU(2) su model of su quarks.", [f"C. Author{i}"]) for i in range(5)),
    ])  # fmt: skip
    backend.process_pending_updates()
    def reads_as_a_name(words):
        with connection.cursor() as cursor:
            return backend._reads_as_a_name(cursor, words, backend._document_frequencies(cursor, words, *backend._corpus_statistics(cursor)))

    assert reads_as_a_name(["haibin", "su"]) and reads_as_a_name(["m", "capalbi"]) and reads_as_a_name(["mario", "capalbi"])
    # Words of titles and abstracts beside a name, and one word alone, are not a person.
    assert not reads_as_a_name(["capalbi", "flares"]) and not reads_as_a_name(["capalbi"]) and not reads_as_a_name(["su", "model"])
    scores = dict((h.paper_id, h.score) for h in backend.search(SearchQuery("M. Capalbi", mode="lexical")).hits)
    assert set(list(scores)[:2]) == {"0704.0001", "0704.0002"} and scores["0704.0001"] == pytest.approx(scores["0704.0002"])
    results = backend.search(SearchQuery("Haibin Su", mode="lexical"))
    assert [h.paper_id for h in results.hits] == ["0704.0003"] and results.total == 1


def first_hits(backend, text):
    return [h.paper_id for h in backend.search(SearchQuery(text, mode="lexical")).hits][:1]


@on_postgres
def test_documents_of_an_older_text_version_are_rebuilt(backend):
    # Accents are folded since text version 2 (the embedded backend's side: test_backend_contract).
    ingest([paper("0704.0001", "Calculation of prompt diphoton production cross sections", "Photon pairs.", ["C. Balázs"]),
            paper("0704.0002", "Gödel's theorem for c-numbers", "We study c-number algebras.", ["K. Gödel"])])  # fmt: skip
    backend.process_pending_updates()
    assert backend.consistent()
    with connection.cursor() as cursor:  # a row as written before accents were folded
        cursor.execute(
            f"UPDATE {pg.DOCUMENTS} SET text_version = 1, document = to_tsvector('english', 'C. Balázs') WHERE paper_id = '0704.0001'"
        )
    assert first_hits(backend, "Balazs") == [] and not backend.consistent()
    assert backend.ensure_consistent() == "rebuilt" and backend.consistent()
    assert first_hits(backend, "Balazs") == ["0704.0001"] and backend.matches_all(["bala"])  # a half-typed name too
