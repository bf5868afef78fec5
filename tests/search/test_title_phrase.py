"""A title's first words, typed as a query, rank that title first (issue 14)."""

import pytest

from dailypapers.search import SearchFilters
from dailypapers.search.lexical import LexicalDoc, LexicalIndex
from dailypapers.search.query import query_terms


def doc(pid, title, abstract=""):
    return LexicalDoc(pid, title, abstract, [], ["cs.LG"], [], False, None)


@pytest.fixture
def index(tmp_path):
    lexical = LexicalIndex(tmp_path / "lexical")
    lexical.upsert([
        doc("shortcut", "On the Foundations of Shortcut Learning", "Models prefer easy features."),
        # More "foundations" than the title above, but not the phrase a reader typed.
        doc("efficient", "Building on Efficient Foundations: Foundations of Training", "Foundations of feedforward layers."),
        doc("other", "Graph networks", "Nothing about it."),
    ])  # fmt: skip
    lexical.commit()
    yield lexical
    lexical.close()


def test_a_title_phrase_with_stop_words_ranks_its_paper_first(index):
    matches = index.search(query_terms("On the Foundations"), SearchFilters(), 10)
    assert [pid for pid, _ in matches.hits] == ["shortcut", "efficient"]
    assert matches.total == 2  # the phrase adds to scores, never to the matches


def test_single_words_and_long_queries_have_no_phrase(index):
    assert index.title_phrase(["foundations"]) is None
    assert index.title_phrase([f"w{i}" for i in range(9)]) is None
    hits = index.search(query_terms("foundations"), SearchFilters(), 10).hits
    assert hits[0][0] == "efficient"  # without a phrase, term frequency decides


def test_the_phrase_scores_as_one_more_clause_of_the_union(index):
    """Searched on its own (for speed), the phrase adds exactly what it added inside the union."""
    import tantivy

    terms = query_terms("On the Foundations")
    searcher = index.searcher()
    union = index.build_query(index.field_terms(terms, searcher), SearchFilters())
    both = tantivy.Query.boolean_query([(tantivy.Occur.Should, union), (tantivy.Occur.Should, index.title_phrase(terms))])
    expected = [(searcher.doc(a)["paper_id"][0], score) for score, a in searcher.search(both, limit=10).hits]
    got = index.search(terms, SearchFilters(), 10).hits
    assert [pid for pid, _ in got] == [pid for pid, _ in expected]
    assert [score for _, score in got] == pytest.approx([score for _, score in expected])


def test_a_phrase_match_below_the_unions_top_k_still_gets_its_place(index):
    # Without the phrase, "efficient" is the union's best; with limit 1 the phrase paper is not in
    # the union's top list at all, and must still come first.
    terms = query_terms("On the Foundations")
    assert index.search(query_terms("foundations"), SearchFilters(), 1).hits[0][0] == "efficient"
    assert [pid for pid, _ in index.search(terms, SearchFilters(), 1).hits] == ["shortcut"]


def test_the_phrase_respects_the_filters(tmp_path):
    lexical = LexicalIndex(tmp_path / "filtered")
    lexical.upsert([
        LexicalDoc("vision", "On the Foundations of Vision", "", [], ["cs.CV"], [], False, None),
        LexicalDoc("learning", "Foundations foundations of learning", "foundations", [], ["cs.LG"], [], False, None),
    ])  # fmt: skip
    lexical.commit()
    try:
        hits = lexical.search(query_terms("On the Foundations"), SearchFilters(category="cs.LG"), 10).hits
        assert [pid for pid, _ in hits] == ["learning"]
        hits = lexical.search(query_terms("On the Foundations"), SearchFilters(), 10).hits
        assert hits[0][0] == "vision"
    finally:
        lexical.close()


def test_a_long_query_is_searched_by_its_rarest_keywords(tmp_path):
    from dailypapers.search import lexical as lexical_module

    lexical = LexicalIndex(tmp_path / "long")
    common = "alpha beta gamma delta epsilon zeta"
    lexical.upsert([doc(f"p{i}", f"{common} paper {i}") for i in range(5)] + [doc("rare", f"{common} quokka")])
    lexical.commit()
    try:
        terms = query_terms(f"{common} eta quokka")  # 8 keywords: "eta" is in no paper, "quokka" in one
        kept = {token for _, token, _, _ in lexical.field_terms(terms, lexical.searcher())}
        assert "quokka" in kept and len({t for t in kept}) <= 2 * lexical_module.QUERY_KEYWORDS_MAX
        assert lexical.search(terms, SearchFilters(), 3).hits[0][0] == "rare"
        short = {token for _, token, _, _ in lexical.field_terms(query_terms("alpha beta quokka"), lexical.searcher())}
        assert {"alpha", "beta", "quokka"} <= short  # a short query keeps every keyword
    finally:
        lexical.close()
