"""The hybrid fusion: behaviour on small hand-made rankings (its weight was fit on public data:
docs/benchmarks.md, "Search quality on public test collections")."""

from dailypapers.search import fusion
from dailypapers.search.backends.common import FUSION_DEPTH

VECTORS = [("v1", 0.55), ("v2", 0.54), ("shared", 0.50)]


def ids(ranked):
    return [pid for pid, _ in ranked]


def test_a_paper_both_halves_rank_high_beats_one_only_a_half_puts_first():
    lexical = [("lex", 30.0), ("both", 29.0)] + [(f"l{i}", 20.0 - i * 0.1) for i in range(98)]
    vector = [("vec", 0.62), ("both", 0.61)] + [(f"v{i}", 0.5 - i * 0.001) for i in range(98)]
    ranked = ids(fusion.hybrid(lexical, vector, ["flutter", "of", "supersonic", "panels"], lambda _: {}))
    assert ranked[0] == "both" and set(ranked[1:3]) == {"lex", "vec"}
    # Neither half alone decides: that is the combination, not either half's order.
    assert ranked[:3] != ids(lexical)[:3] and ranked[:3] != ids(vector)[:3]


def test_the_weight_is_the_lexical_share_fit_on_public_data():
    """BM25 a little ahead of the vectors (0.55, fit on SciFact's training claims): the paper both
    halves rank second beats each half's own first choice."""
    lexical = [("a", 10.0), ("b", 9.0), ("c", 5.0)] + [(f"l{i}", 1.0) for i in range(97)]
    vector = [("c", 0.60), ("b", 0.50), ("a", 0.45)] + [(f"v{i}", 0.40) for i in range(97)]
    assert 0.5 < fusion.LEXICAL_WEIGHT < 0.6
    assert ids(fusion.combine(lexical, vector))[:3] == ["b", "c", "a"]
    assert ids(fusion.combine(lexical, vector, 0.2))[0] == "c"  # the vectors' pick when they lead
    assert ids(fusion.combine(lexical, vector, 0.7))[0] == "a"  # BM25's when it does


def test_a_list_that_holds_every_match_keeps_its_papers_above_the_other_halfs_guesses():
    # A surname two papers have: BM25 found both and nothing else. Scaling that list by its own last
    # score would put the second paper at 0, below every vector guess.
    lexical = [("by-her", 9.1), ("also-by-her", 9.0)]
    vector = [(f"guess{i}", 0.3 - i * 0.001) for i in range(100)]
    assert ids(fusion.combine(lexical, vector))[:2] == ["by-her", "also-by-her"]
    assert fusion.FULL_LIST == FUSION_DEPTH  # the backends' lists are that long when they are full


def test_a_name_query_keeps_the_keyword_ranking_first():
    # "F. R. Ferraro" (read as a person by the lexical half) or one keyword ("Perlis", "LoRA"): the
    # vectors know names not at all, so their neighbours must not reorder BM25's papers.
    lexical = [("ferraro", 6.0), ("other-f", 4.0), ("other-r", 3.9)]
    vector = [("other-f", 0.31), ("noise1", 0.30), ("other-r", 0.29)]
    no_titles = lambda _: {}  # noqa: E731
    assert ids(fusion.hybrid(lexical, vector, ["f", "r", "ferraro"], no_titles, person=True))[:4] == ["ferraro", "other-f", "other-r", "noise1"]
    assert ids(fusion.hybrid(lexical, vector, ["ferraro"], no_titles))[:3] == ["ferraro", "other-f", "other-r"]
    # Two keywords that are no name are combined: the paper both halves found comes first.
    assert ids(fusion.hybrid(lexical, vector, ["supersonic", "flutter"], no_titles))[0] == "other-f"


def test_empty_halves():
    no_titles = lambda _: {}  # noqa: E731
    assert fusion.hybrid([], [], ["flutter", "panels"], no_titles) == []
    assert ids(fusion.hybrid([], VECTORS, ["flutter", "panels"], no_titles)) == ["v1", "v2", "shared"]
    assert ids(fusion.hybrid([("only", 3.0)], [], ["flutter", "panels"], no_titles)) == ["only"]


def test_titles_starting_with_the_query_go_first_in_their_fused_order():
    fused = [("v1", 0.09), ("llm-b", 0.08), ("other", 0.07), ("llm-a", 0.06)]
    titles = {"llm-a": "Large Language Models Can Self-Improve", "llm-b": "Large language models are zero-shot reasoners",
              "other": "The Curse of Depth in Large Language Models"}  # fmt: skip
    terms = ["large", "language", "models"]
    first = fusion.titles_first(fused, titles, terms)
    assert ids(first) == ["llm-b", "llm-a", "v1", "other"]
    assert [score for _, score in first] == sorted((score for _, score in first), reverse=True)
    # Words, not characters: punctuation and case do not matter, a longer word is another word.
    assert fusion.starts_with_query("E^2-LLM: Efficient Extension", ["e", "2", "llm"])
    assert not fusion.starts_with_query("Large Languages", ["large", "language"])
    # One word is a name, not a title's first words: the one-keyword rule handles those.
    assert ids(fusion.titles_first(fused, titles, ["large"])) == ids(fused)
    assert fusion.title_start_candidates([(f"p{i}", 30.0 - i) for i in range(30)]) == [f"p{i}" for i in range(fusion.TITLE_START_CANDIDATES)]


def test_no_good_match_needs_a_weak_vector_and_no_paper_with_every_word():
    asked = []

    def every_keyword(answer):
        def check():
            asked.append(answer)
            return answer
        return check

    assert fusion.no_good_match(0.20, every_keyword(False))
    assert not fusion.no_good_match(0.20, every_keyword(True))  # an acronym the model does not know
    assert not fusion.no_good_match(0.40, every_keyword(False))  # a description in other words
    assert asked == [False, True]  # the lexical check runs only when the vector is weak


def test_combine_scales_each_half_to_its_own_list():
    lexical = [("both", 30.0), ("lex", 28.0), ("lex-last", 2.0)]
    vector = [("vec", 0.62), ("both", 0.60), ("vec-last", 0.20)]
    fused = ids(fusion.combine(lexical, vector, 0.5))
    assert fused[0] == "both"  # near the top of both lists
    # Only the order inside each list counts, not the scale: BM25 x 10 or cosines shifted change nothing.
    assert ids(fusion.combine([(p, s * 10) for p, s in lexical], [(p, s - 0.1) for p, s in vector], 0.5)) == fused
    # The weight is the lexical half's share: all of it, or none, gives that half's own order.
    assert ids(fusion.combine(lexical, vector, 1.0))[:2] == ["both", "lex"]
    assert ids(fusion.combine(lexical, vector, 0.0))[:2] == ["vec", "both"]
    assert fusion.combine([], [], 0.5) == [] and ids(fusion.combine([("only", 3.0)], [], 0.5)) == ["only"]
