"""The lexical half's shortcuts for big indexes must not change what it finds.

Stop words and very frequent terms are left out of the BM25 query, big unions are not counted
exhaustively, the halves of a hybrid search run on two threads and queries are embedded on their own
session: each is checked here against the plain way of doing the same thing.
"""

import threading

import numpy as np
import pytest

from dailypapers.search import SearchFilters, SearchQuery
from dailypapers.search import lexical as lexical_module
from dailypapers.search.backends.local import in_parallel
from dailypapers.search.embedder import Embedder
from dailypapers.search.lexical import LexicalDoc, LexicalIndex
from dailypapers.search.query import keywords
from tests.search.test_search import corpus  # noqa: F401  (fixture)

NO_FILTERS = SearchFilters()


def doc(pid, title, abstract="", categories=("cs.LG",)):
    return LexicalDoc(pid, title, abstract, ["Grace Hopper"], list(categories), [], False, None)


@pytest.fixture
def index(tmp_path):
    docs = [doc(f"p{i:02d}", f"A model of graph networks number {i}", "We study the model on graphs.") for i in range(20)]
    docs += [
        doc("protein", "Protein folding with a model", "The structure of proteins from their sequences.", ["q-bio.BM"]),
        doc("hamlet", "To be or not to be", "A question.", ["cs.CL"]),
    ]
    lexical = LexicalIndex(tmp_path / "lexical")
    lexical.upsert(docs)
    lexical.commit()
    yield lexical
    lexical.close()


def ids(matches):
    return [pid for pid, _ in matches.hits]


def test_keywords_drop_stop_words_and_repeats_but_never_everything():
    assert keywords(["the", "folding", "of", "proteins", "folding"]) == ["folding", "proteins"]
    assert keywords(["to", "be", "or", "not", "to", "be"]) == ["to", "be", "or", "not"]
    assert keywords([]) == []


def test_stop_words_do_not_change_the_ranking(index):
    with_stop_words = index.search(["the", "folding", "of", "a", "protein"], NO_FILTERS, 10)
    without = index.search(["folding", "protein"], NO_FILTERS, 10)
    assert ids(with_stop_words)[0] == "protein"
    assert with_stop_words == without


def test_a_query_of_only_stop_words_still_finds_its_paper(index):
    assert ids(index.search(["to", "be", "or", "not", "to", "be"], NO_FILTERS, 10)) == ["hamlet"]


def test_terms_in_most_papers_are_left_out_of_big_indexes_only(index, monkeypatch):
    # "model" is in 21 of 22 papers. Below FREQUENT_TERM_MIN_DOCS it is searched like any term...
    assert len(ids(index.search(["model", "protein"], NO_FILTERS, 30))) == 21
    # ...in a big index it is dropped while a selective term remains,
    monkeypatch.setattr(lexical_module, "FREQUENT_TERM_MIN_DOCS", 0)
    searcher = index.searcher()
    assert {token for _, token, _, _ in index.field_terms(["model", "protein"], searcher)} == {"protein"}
    assert ids(index.search(["model", "protein"], NO_FILTERS, 30)) == ["protein"]
    # and kept when it is all there is.
    assert len(ids(index.search(["model"], NO_FILTERS, 30))) == 21


def test_the_frequent_term_cut_is_per_field_at_a_third_of_the_papers(tmp_path, monkeypatch):
    # Of ten papers, "graph" is in four abstracts (40 %, dropped: it barely moves BM25 and has the
    # longest postings) but one title (10 %, kept); "sequences" is in two abstracts (20 %, kept).
    docs = [doc(f"g{i}", f"Study {i}", "A graph method.") for i in range(4)]
    docs += [doc(f"s{i}", f"Work {i}", "Protein sequences.") for i in range(2)]
    docs += [doc(f"o{i}", f"Other {i}", "Unrelated text.") for i in range(3)]
    docs += [doc("title", "Graph structure", "Nothing else.")]
    lexical = LexicalIndex(tmp_path / "lexical")
    lexical.upsert(docs)
    lexical.commit()
    monkeypatch.setattr(lexical_module, "FREQUENT_TERM_MIN_DOCS", 0)
    kept = {(field, token) for field, token, _, _ in lexical.field_terms(["graph", "sequences"], lexical.searcher())}
    assert kept == {("title", "graph"), ("abstract", "sequenc")}
    assert set(ids(lexical.search(["graph", "sequences"], NO_FILTERS, 10))) == {"title", "s0", "s1"}
    lexical.close()


def test_uncounted_search_finds_the_same_papers_and_estimates_the_total(index, monkeypatch):
    counted = index.search(["graph", "protein"], NO_FILTERS, 5)
    assert counted.total_exact and counted.total == 21
    monkeypatch.setattr(lexical_module, "EXACT_COUNT_MAX_POSTINGS", 0)
    estimated = index.search(["graph", "protein"], NO_FILTERS, 5)
    assert estimated.hits == counted.hits
    assert not estimated.total_exact and len(estimated.hits) <= estimated.total <= counted.total
    # Fewer matches than asked for: they are all in hand, so the total is exact anyway.
    few = index.search(["protein"], NO_FILTERS, 5)
    assert few.total_exact and few.total == 1 == len(few.hits)
    # Filtered queries are intersections, cheap to count: always exact.
    filtered = index.search(["graph", "protein"], SearchFilters(category="q-bio.BM"), 5)
    assert filtered.total_exact and ids(filtered) == ["protein"] and filtered.total == 1


def test_concurrent_searches_agree_with_serial_ones(index):
    queries = [["graph", "networks"], ["protein", "folding"], ["to", "be"], ["model", "sequences"]] * 5
    expected = [index.search(q, NO_FILTERS, 10) for q in queries]
    got = [None] * len(queries)

    def run(i):
        got[i] = index.search(queries[i], NO_FILTERS, 10)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(queries))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == expected


def test_in_parallel_runs_the_background_half_on_another_thread_and_propagates_errors():
    here = threading.get_ident()
    background, foreground = in_parallel(threading.get_ident, threading.get_ident)
    assert foreground == here and background != here

    def fail():
        raise ValueError("lexical half failed")

    with pytest.raises(ValueError, match="lexical half failed"):
        in_parallel(fail, lambda: 1)
    with pytest.raises(ZeroDivisionError):
        in_parallel(lambda: 1, lambda: 1 / 0)


def test_query_session_gives_the_bulk_sessions_vector():
    embedder = Embedder()
    text = "nested matryoshka embeddings"
    single = embedder.embed_query(text)
    assert single.shape == (embedder.dimensions,)
    assert float(np.dot(single, embedder.embed([text])[0])) > 0.9999


@pytest.mark.django_db
def test_totals_say_when_they_are_estimates(corpus, client):  # noqa: F811
    assert corpus.search(SearchQuery("protein", mode="lexical")).total_exact
    assert not corpus.search(SearchQuery("protein", mode="hybrid")).total_exact
    assert "of 1 (lexical)" in client.get("/search", {"q": "protein", "mode": "lexical"}).content.decode()
    assert "of about" in client.get("/search", {"q": "protein"}).content.decode()
