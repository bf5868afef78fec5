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
