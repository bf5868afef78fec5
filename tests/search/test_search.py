"""Search end to end: real SQLite, real tantivy and faiss indexes, the real MiniLM model."""

import datetime as dt
import json
import shutil

import pytest
from django.core.management import call_command
from django.db import connection

from dailypapers.ingest.pipeline import IngestPipeline, SourceItem
from dailypapers.papers.models import Paper
from dailypapers.search import SearchFilters, SearchQuery, get_backend, reset_backend
from dailypapers.search.evaluation import evaluate
from dailypapers.search.models import PaperEmbedding, PendingIndexUpdate
from dailypapers.search.tasks import rebuild_search_index, update_search_index
from tests.search.conftest import run_index_tasks

pytestmark = pytest.mark.django_db


def ingest(records):
    return IngestPipeline("jsonl").run(SourceItem(location=f"record {i}", data=r) for i, r in enumerate(records))


def record(pid, title, abstract, **extra):
    return {"id": pid, "title": title, "abstract": abstract, "authors": extra.pop("authors", ["Grace Hopper"]), **extra}


CORPUS = [
    record("2401.00001", "Nested Matryoshka embeddings", "We train representations whose prefixes are usable at many sizes.",
           categories=["cs.LG"], primary_category="cs.LG", published="2024-01-02", github_repo="https://github.com/x/y",
           organization="deepseek-ai DeepSeek", authors=["Ada Lovelace"]),
    record("2402.00002", "Diffusion models for image synthesis", "Denoising diffusion generates pictures from text prompts.",
           categories=["cs.CV"], primary_category="cs.CV", published="2024-02-10"),
    record("2303.00003", "Protein folding with transformers", "We predict protein structures from amino acid sequences.",
           categories=["q-bio.BM"], primary_category="q-bio.BM", published="2023-03-05"),
]


@pytest.fixture
def corpus():
    ingest(CORPUS)
    return run_index_tasks()


def test_papers_changed_queues_outbox_and_task_indexes_them():
    ingest(CORPUS)
    assert set(PendingIndexUpdate.objects.values_list("paper_id", flat=True)) == {r["id"] for r in CORPUS}
    result = update_search_index.call()
    assert result["indexed"] == 3 and result["embedded"] == 3
    assert not PendingIndexUpdate.objects.exists()
    hits = get_backend().search(SearchQuery("protein", mode="lexical")).hits
    assert [h.paper_id for h in hits] == ["2303.00003"]


@pytest.mark.django_db(transaction=True)  # a bootstrap's pragmas and index DDL run outside a transaction
@pytest.mark.skipif(connection.vendor != "sqlite", reason="bootstraps defer work on SQLite only")
def test_a_bootstrap_rebuilds_the_index_instead_of_queueing_each_paper():
    from django_tasks_db.models import DBTaskResult

    def queued(task):
        return DBTaskResult.objects.ready().filter(task_path=task.module_path).count()

    report = IngestPipeline("arxiv-snapshot", bulk_load=True).run(
        SourceItem(location=f"line {i}", data=r) for i, r in enumerate(CORPUS)
    )
    assert report.created == 3
    # No outbox row or update task per batch: one rebuild, once the load is over.
    assert not PendingIndexUpdate.objects.exists()
    assert (queued(rebuild_search_index), queued(update_search_index)) == (1, 0)
    result = rebuild_search_index.call()
    assert result["consistency"] == "rebuilt" and result["embedded"] == 3
    assert [h.paper_id for h in get_backend().search(SearchQuery("protein", mode="lexical")).hits] == ["2303.00003"]
    # Later imports into the populated database queue their papers as usual.
    ingest([record("2405.00004", "Graph neural networks", "Message passing on graphs.")])
    assert list(PendingIndexUpdate.objects.values_list("paper_id", flat=True)) == ["2405.00004"]
    assert queued(rebuild_search_index) == 1


def test_modes_filters_and_highlights(corpus):
    for mode in ("lexical", "vector", "hybrid"):
        results = corpus.search(SearchQuery("matryoshka representations", mode=mode, limit=3))
        assert results.mode == mode and results.hits[0].paper_id == "2401.00001"
    hit = corpus.search(SearchQuery("matryoshka", mode="lexical")).hits[0]
    assert "<mark>Matryoshka</mark>" in hit.title_highlight
    # Authors are searchable; names mean nothing to the embedding model, so BM25 leads.
    assert corpus.search(SearchQuery("Lovelace")).hits[0].paper_id == "2401.00001"

    def ids(**filters):
        return {h.paper_id for h in corpus.search(SearchQuery("models images proteins embeddings", filters=SearchFilters(**filters))).hits}

    assert ids(category="cs.CV") == {"2402.00002"}
    assert ids(organization="deepseek-ai") == {"2401.00001"}
    assert ids(has_code=True) == {"2401.00001"}
    assert ids(published_from=dt.date(2024, 1, 1)) == {"2401.00001", "2402.00002"}
    assert ids(published_to=dt.date(2023, 12, 31)) == {"2303.00003"}
    # Vector-only searches honour filters too.
    vec = corpus.search(SearchQuery("pictures", mode="vector", filters=SearchFilters(category="q-bio.BM")))
    assert [h.paper_id for h in vec.hits] == ["2303.00003"]


@pytest.mark.parametrize("text", ["2401.00001", "arXiv:2401.00001v2", "https://arxiv.org/abs/2401.00001v1",
                                  "https://arxiv.org/pdf/2401.00001.pdf", "https://huggingface.co/papers/2401.00001"])
def test_arxiv_reference_opens_the_paper(corpus, client, text):
    assert corpus.search(SearchQuery(text)).exact_paper_id == "2401.00001"
    response = client.get("/search", {"q": text})
    assert response.status_code == 302 and response["Location"] == "/papers/2401.00001"


def test_similar_papers_and_updates_reembed(corpus, client):
    similar = corpus.similar("2401.00001", limit=5)
    assert "2401.00001" not in {h.paper_id for h in similar} and len(similar) == 2
    assert b"Similar papers" in client.get("/search/similar/2401.00001").content
    assert client.get("/search/similar/9999.99999").status_code == 404
    old_row = PaperEmbedding.objects.get(paper_id="2303.00003").pk
    ingest([record("2303.00003", "Protein folding with transformers", "Now about quantum error correction codes instead.",
                   categories=["q-bio.BM"], published="2023-03-05")])
    run_index_tasks()
    assert PaperEmbedding.objects.get(paper_id="2303.00003").pk != old_row
    assert corpus.search(SearchQuery("quantum error correction", mode="vector", limit=1)).hits[0].paper_id == "2303.00003"
    assert corpus.search(SearchQuery("amino acid", mode="lexical")).hits == []


def test_lexical_fallback_and_partial_coverage_are_announced():
    ingest(CORPUS)
    backend = get_backend()
    backend.process_pending_updates()
    results = backend.search(SearchQuery("protein structures"))
    assert results.mode == "lexical" and "not available yet" in results.notice and results.hits
    backend.embed_pending(limit=1)  # the newest paper only
    results = backend.search(SearchQuery("protein structures"))
    assert results.mode == "hybrid" and "covers 1 of 3 papers" in results.notice
    assert PaperEmbedding.objects.get().paper_id == "2402.00002"  # newest first


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the embedded backend's index files (PostgreSQL's repair: test_postgres_backend)")
def test_crashed_or_stale_indexes_are_rebuilt(corpus, settings):
    # Lexical: the manifest disagrees with the index (a crash between commit and manifest write).
    manifest = corpus.lexical.manifest_path
    manifest.write_text(json.dumps({"schema_version": 1, "num_docs": 99}))
    assert not corpus.status()["lexical_consistent"]
    assert "being rebuilt" in corpus.search(SearchQuery("protein")).notice
    # ... and the worker is asked to repair it, once.
    from django_tasks_db.models import DBTaskResult

    corpus.search(SearchQuery("protein"))
    assert DBTaskResult.objects.ready().filter(task_path=update_search_index.module_path).count() == 1
    assert corpus.ensure_consistent() == "rebuilt" and corpus.status()["lexical_consistent"]
    # A paper that never reached the index (its task was lost): the count check catches it.
    Paper.objects.create(id="2405.00009", title="Lost update about graph neural networks", abstract="Graphs.")
    assert corpus.ensure_consistent() == "rebuilt"
    assert corpus.search(SearchQuery("graph", mode="lexical")).hits[0].paper_id == "2405.00009"
    # Index directories wiped: a new process rebuilds vectors from the table and lexical on demand.
    reset_backend()
    shutil.rmtree(settings.DATA_DIR / "search")
    backend = get_backend()
    assert backend.ensure_consistent() == "rebuilt"
    status = backend.status()
    assert status["lexical_indexed"] == 4 and status["vector_index_size"] == 3 and status["vectors"] == 3
    # Vector file replaced by one of another size than its manifest says: rebuilt from the table.
    reset_backend()
    vec_manifest = settings.DATA_DIR / "search" / "vectors" / "manifest.json"
    data = json.loads(vec_manifest.read_text())
    vec_manifest.write_text(json.dumps({**data, "ntotal": 7}))
    assert get_backend().search(SearchQuery("pictures", mode="vector")).hits[0].paper_id == "2402.00002"
    assert json.loads(vec_manifest.read_text())["ntotal"] == 3


BAD_INPUTS = [
    {"q": ""}, {"q": "x" * 10_000}, {"q": "?!.,;"}, {"q": '"unbalanced'}, {"q": "title:protein"}, {"q": "(protein"},
    {"q": "prot*"}, {"q": "-protein"}, {"q": "AND OR NOT"}, {"q": "protein", "colour": "red"}, {"q": "\u202e\x1b[31m"},
]


@pytest.mark.parametrize("params", BAD_INPUTS)
def test_odd_input_gets_results_not_errors(corpus, client, params):
    for url in ("/search", "/search/suggest"):
        response = client.get(url, params)
        assert response.status_code == 200, (url, params, response.content[:300])
    # The HF-compatible API refuses q over 250 characters with a message (its contract); else results.
    response = client.get("/api/papers/search", params)
    assert response.status_code == 200 or (response.status_code == 400 and b"250" in response.content)


@pytest.mark.parametrize("params", [
    {"q": "protein", "limit": "0"}, {"q": "protein", "limit": "121"}, {"q": "protein", "limit": "ten"},
    {"q": "protein", "offset": "-1"}, {"q": "protein", "offset": "5000"}, {"q": "protein", "from": "yesterday"},
    {"q": "protein", "from": "2024-05-01", "to": "2024-01-01"}, {"q": "protein", "category": "cs.CL<script>"},
    {"q": "protein", "organization": "a b"}, {"q": "protein", "has_code": "maybe"}, {"q": "protein", "mode": "psychic"},
])
def test_invalid_parameters_get_a_clear_400(corpus, client, params):
    response = client.get("/search", params)
    assert response.status_code == 400
    assert b"must" in response.content and b"<script>" not in response.content


def test_search_page_paging_and_escaping(corpus, client):
    ingest([record(f"2406.{i:05d}", f"Protein study {i} <b>bold</b>", "protein protein") for i in range(25)])
    run_index_tasks()
    first = client.get("/search", {"q": "protein", "mode": "lexical"}).content.decode()
    assert first.count('class="search-hit"') == 20 and "offset=20" in first
    assert "&lt;b&gt;bold&lt;/b&gt;" in first and "<b>bold</b>" not in first
    second = client.get("/search", {"q": "protein", "mode": "lexical", "offset": "20"}).content.decode()
    assert second.count('class="search-hit"') == 6 and "offset=0" in second
    suggest = client.get("/search/suggest", {"q": "protei"}).content.decode()
    assert 'data-testid="suggestions"' in suggest
    home = client.get("/").content.decode()
    assert 'hx-get="/search/suggest"' in home


def test_index_command_status_and_rebuild(corpus, capsys):
    call_command("index", "status")
    out = capsys.readouterr().out
    assert "lexical indexed: 3" in out and "vector coverage: 100.0%" in out
    call_command("index", "rebuild")
    assert "rebuilt: 3 papers indexed, 3 vectors" in capsys.readouterr().out


def test_hybrid_beats_both_halves_on_the_relevance_set(sample_papers, arxiv_records):
    report = evaluate(get_backend())
    scores = {mode: s["ndcg@10"] for mode, s in report["modes"].items()}
    assert report["queries"] >= 20
    assert scores["hybrid"] > scores["vector"] and scores["hybrid"] > scores["lexical"], scores
    # On the test half (the fusion's weight was fit on SciFact, its two rules judged on public
    # collections: docs/benchmarks.md): per class the hybrid is at least the keyword half and the
    # plain RRF baseline less 0.02, and overall at least every mode and baseline. (Descriptions are
    # the known gap: 0.546 against the vector half's 0.592 with the weight fit on SciFact, whose
    # claims share the papers' words; README, "Quality".)
    test = [q for q in report["per_query"] if q["split"] == "test"]
    assert len(test) >= 95 and not report["skipped"] and "author" in {q["class"] for q in test}

    def mean(rows, mode):
        return sum(q["ndcg@10"][mode] for q in rows) / len(rows)

    for cls in {q["class"] for q in test}:
        rows = [q for q in test if q["class"] == cls]
        hybrid, floor = mean(rows, "hybrid"), max(mean(rows, "lexical"), mean(rows, "rrf"))
        assert hybrid >= floor - 0.02, (cls, hybrid, floor)
        if cls != "description":
            assert hybrid >= mean(rows, "vector") - 0.02, (cls, hybrid)
    overall = {mode: mean(test, mode) for mode in test[0]["ndcg@10"]}
    assert set(overall) == {"hybrid", "lexical", "vector", "bm25s", "rrf"}
    assert all(overall["hybrid"] >= score for score in overall.values()), overall
    # Title and title-prefix queries put their paper in the top 3 (>= 95 %).
    known = report["classes"]
    assert known["title"]["modes"]["hybrid"]["hit@3"] >= 0.95 and known["title_prefix"]["modes"]["hybrid"]["hit@3"] >= 0.95
    # No judged query is mistaken for "no good match" (asked of those the hybrid scores 0 on).
    missed = [q["query"] for q in test if q["ndcg@10"]["hybrid"] == 0 and q["ndcg@10"]["vector"] > 0]
    assert not any(get_backend().search(SearchQuery(text, mode="hybrid")).no_good_match for text in missed), missed


# -- "no good match", paper references, result cards (issue 14) ------------------------------
NONSENSE = "zxqv wplmt grbbq"


@pytest.mark.parametrize("mode", ["hybrid", "vector", "lexical"])
def test_nonsense_gets_no_results_in_every_mode(corpus, client, mode):
    results = corpus.search(SearchQuery(NONSENSE, mode=mode))
    assert results.hits == [] and results.no_good_match and results.mode == mode
    page = client.get("/search", {"q": NONSENSE, "mode": mode}).content.decode()
    assert 'data-testid="no-good-match"' in page and 'class="search-hit"' not in page
    api = client.get("/api/v1/search", {"q": NONSENSE, "mode": mode}).json()
    assert api["no_good_match"] is True and api["items"] == []


def test_off_topic_words_the_corpus_only_mentions_are_no_good_match(corpus):
    # "prefixes" and "prompts" occur in abstracts, the other words nowhere, and no vector is close.
    results = corpus.search(SearchQuery("tax reform prefixes", mode="hybrid"))
    assert results.hits == [] and results.no_good_match
    results = corpus.search(SearchQuery("banana prompts recipe", mode="vector"))
    assert results.hits == [] and results.no_good_match
    # A real query is unaffected, and so is one the vectors miss but whose words a paper has.
    real = corpus.search(SearchQuery("matryoshka representations"))
    assert real.hits and not real.no_good_match
    named = corpus.search(SearchQuery("Lovelace", mode="vector"))
    assert named.hits and not named.no_good_match


def test_a_half_typed_last_word_is_not_no_good_match(corpus):
    assert corpus.search(SearchQuery("matryosh", mode="hybrid")).hits


def test_an_arxiv_id_the_site_lacks_offers_to_add_it(corpus, client):
    results = corpus.search(SearchQuery("https://arxiv.org/abs/2409.12345v3"))
    assert results.hits == [] and results.missing_arxiv_id == "2409.12345" and not results.no_good_match
    page = client.get("/search", {"q": "2409.12345"}).content.decode()
    assert 'data-testid="missing-paper"' in page and "not here yet" in page
    assert 'href="/papers/submit?paper=2409.12345"' in page
    assert client.get("/api/v1/search", {"q": "2409.12345"}).json()["missing_arxiv_id"] == "2409.12345"


@pytest.mark.parametrize("text", ["sample-3f2a9c01bd", "/papers/sample-3f2a9c01bd", "http://testserver/papers/sample-3f2a9c01bd",
                                  "https://papers.example.org/papers/sample-3f2a9c01bd/"])
def test_sample_ids_and_site_urls_open_the_paper(corpus, client, text):
    ingest([{"id": "sample-3f2a9c01bd", "title": "A sample paper", "abstract": "About samples.", "authors": ["Ann"]}])
    run_index_tasks()
    response = client.get("/search", {"q": text})
    assert response.status_code == 302 and response["Location"] == "/papers/sample-3f2a9c01bd"


def test_a_hyphenated_word_is_still_a_word(corpus):
    # "self-attention" is shaped like a source-prefixed id; no such paper, so it is searched for.
    results = corpus.search(SearchQuery("self-attention", mode="lexical"))
    assert results.exact_paper_id is None and results.missing_arxiv_id is None


def test_result_cards_have_the_upvote_control(corpus, client, member):
    page = client.get("/search", {"q": "matryoshka", "mode": "lexical"}).content.decode()
    assert 'action="/papers/2401.00001/upvote"' in page and 'aria-pressed="false"' in page
    client.force_login(member)
    assert client.post("/papers/2401.00001/upvote", {"voted": "1"}).status_code in (200, 302)
    page = client.get("/search", {"q": "matryoshka", "mode": "lexical"}).content.decode()
    assert 'aria-pressed="true"' in page and 'class="upvote-button voted"' in page


# -- typos (issue 24) --------------------------------------------------------------------------
def test_the_page_and_the_apis_say_did_you_mean(corpus, client):
    page = client.get("/search", {"q": "matryoska embeddings", "mode": "lexical"}).content.decode()
    assert 'data-testid="did-you-mean"' in page and "<strong>matryoshka embeddings</strong>" in page
    assert 'href="?q=matryoshka+embeddings&amp;mode=lexical"' in page
    assert 'href="?q=matryoska+embeddings&amp;mode=lexical&amp;spelling=off"' in page
    assert 'data-paper-id="2401.00001"' in page
    # As typed: no correction offered, and the typo finds nothing.
    page = client.get("/search", {"q": "matryoska", "mode": "lexical", "spelling": "off"}).content.decode()
    assert 'data-testid="did-you-mean"' not in page and 'data-paper-id="2401.00001"' not in page
    api = client.get("/api/v1/search", {"q": "matryoska embeddings"}).json()
    assert api["did_you_mean"] == "matryoshka embeddings" and api["items"][0]["id"] == "2401.00001"
    assert client.get("/api/v1/search", {"q": "matryoshka embeddings"}).json()["did_you_mean"] is None
    assert client.get("/api/v1/search", {"q": "matryoska", "spelling": "off"}).json()["did_you_mean"] is None
    response = client.get("/api/papers/search", {"q": "matryoska embeddings"})
    assert response.json()[0]["didYouMean"] == "matryoshka embeddings" and response["X-Did-You-Mean"] == "matryoshka%20embeddings"
    assert "didYouMean" not in client.get("/api/papers/search", {"q": "matryoshka"}).json()[0]


def test_a_bad_spelling_switch_is_a_400(corpus, client):
    assert client.get("/search", {"q": "protein", "spelling": "maybe"}).status_code == 400
    response = client.get("/api/v1/search", {"q": "protein", "spelling": "maybe"})
    assert response.status_code in (400, 422) and response.headers["Content-Type"].startswith("application/json")


def test_similar_papers_sort_by_relevance_recency_or_popularity(corpus, client):
    from dailypapers.papers.models import Paper

    Paper.objects.filter(pk="2303.00003").update(imported_upvotes=9)
    Paper.objects.filter(pk="2402.00002").update(imported_upvotes=1)
    nearest = [h.paper_id for h in corpus.similar("2401.00001", limit=5)]

    def order(sort):
        return [p["id"] for p in client.get(f"/api/v1/papers/2401.00001/similar?sort={sort}").json()]

    assert order("relevance") == nearest
    assert order("recency") == ["2402.00002", "2303.00003"]  # 2024-02 before 2023-03
    assert order("popularity") == ["2303.00003", "2402.00002"]  # 9 upvotes before 1
    bad = client.get("/api/v1/papers/2401.00001/similar?sort=stars")
    assert bad.status_code == 422 and "detail" in bad.json()
    # The paper page's fragment: the order links, the chosen one marked, upvotes shown by popularity.
    html = client.get("/search/similar/2401.00001?sort=popularity").content.decode()
    assert '<strong aria-current="true">popularity</strong>' in html and "?sort=recency" in html and "▲ 9" in html
    assert html.index("Protein folding") < html.index("Diffusion models")
    assert client.get("/search/similar/2401.00001?sort=stars").status_code == 400
