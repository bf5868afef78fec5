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


def built_index(tmp_path, docs):
    lexical = LexicalIndex(tmp_path / "lexical")
    lexical.upsert(docs)
    lexical.commit()
    return lexical


@pytest.fixture
def index(tmp_path):
    docs = [doc(f"p{i:02d}", f"A model of graph networks number {i}", "We study the model on graphs.") for i in range(20)]
    docs += [
        doc("protein", "Protein folding with a model", "The structure of proteins from their sequences.", ["q-bio.BM"]),
        doc("hamlet", "To be or not to be", "A question.", ["cs.CL"]),
    ]
    lexical = built_index(tmp_path, docs)
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
    lexical = built_index(tmp_path, docs)
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


def named(pid, title, abstract, authors):
    return LexicalDoc(pid, title, abstract, authors, ["hep-ph"], [], False, None)


@pytest.fixture
def physics(tmp_path):
    """Shapes of the real arXiv records 0704.0001-0200: accents in names and titles, the letter "c"
    all over titles and abstracts, a forename given only as an initial."""
    docs = [
        named("0704.0001", "Calculation of prompt diphoton production cross sections", "Photon pairs.",
              ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]),
        named("godel", "Gödel's theorem for c-numbers", "We study c and c* algebras.", ["K. Gödel"]),
        named("pavel", "Spin chains", "The c coefficient of a chain.", ["Pavel Krupa"]),
        named("swift", "Gamma-ray bursts seen by Swift", "Afterglows.", [f"A. Member{i}" for i in range(60)] + ["M. Capalbi"]),
        named("capalbi", "X-ray flares", "Flares.", ["M. Capalbi"]),
        named("su", "Superconductivity in iron pnictides", "Pairing.", ["Haibin Su", "Q. Wang"]),
    ] + [named(f"c{i}", f"The C algebra number {i}", "c quarks and c hadrons of charge c, an SU(2) su model.", [f"C. Author{i}", "M. Kim"])
         for i in range(5)]
    lexical = built_index(tmp_path, docs)
    yield lexical
    lexical.close()


def test_accents_are_folded_on_both_sides(physics):
    assert ids(physics.search(["balazs"], NO_FILTERS, 10)) == ["0704.0001"]
    assert ids(physics.search(["balázs"], NO_FILTERS, 10)) == ["0704.0001"]
    assert ids(physics.search(["godel"], NO_FILTERS, 10)) == ["godel"]
    assert physics.matches_all(["bala"], NO_FILTERS)  # a half-typed name, as the suggestions box sends it


def test_an_initial_beside_a_name_is_looked_up_in_author_names_only(physics):
    # Summed over title, abstract and authors, "c" outranked the one paper by C. Balázs.
    assert ids(physics.search(["c", "balazs"], NO_FILTERS, 10))[0] == "0704.0001"
    tokens = {(field, token) for field, token, _, _ in physics.field_terms(["c", "balazs"], physics.searcher())}
    assert ("authors", "c") in tokens and ("title", "c") not in tokens and ("abstract", "c") not in tokens
    # Alone, a letter is searched everywhere.
    assert {field for field, *_ in physics.field_terms(["c"], physics.searcher())} == {"title", "abstract", "authors"}


def test_a_forename_matches_its_initial_in_a_name_query(physics):
    # arXiv lists "P. M. Nadolsky"; a reader types "Pavel Nadolsky" (and another paper has a Pavel).
    assert physics.matches_all(["pavel", "nadolsky"], NO_FILTERS)
    assert not physics.matches_all(["pavel", "nadolsky", "gravity"], NO_FILTERS)
    # Words of titles and abstracts are not names: no initial stands in for them.
    assert not physics.matches_all(["photon", "chains"], NO_FILTERS)


def test_a_persons_name_is_looked_up_in_author_names_whatever_the_list_length(physics):
    # One of 61 authors counts as much as a sole author: BM25's length norm buried such a name.
    scores = dict(physics.search(["m", "capalbi"], NO_FILTERS, 10).hits)
    assert list(scores)[:2] in (["swift", "capalbi"], ["capalbi", "swift"])
    assert scores["swift"] == pytest.approx(scores["capalbi"])
    # A surname that is also a word of abstracts ("su" of SU(2)) beside a forename.
    matches = physics.search(["haibin", "su"], NO_FILTERS, 10)
    assert matches.person and ids(matches) == ["su"]
    # Words of titles and abstracts beside a name: not a person, every field searched.
    assert not physics.search(["nadolsky", "photon"], NO_FILTERS, 10).person
    # One word is never taken for a person: "Godel" finds papers about him too.
    assert not physics.search(["godel"], NO_FILTERS, 10).person
