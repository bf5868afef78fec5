"""The query-shaped fusion prototype (issue 14): behaviour on small hand-made rankings."""

from dailypapers.search import fusion

VECTORS = [("v1", 0.55), ("v2", 0.54), ("shared", 0.50)]


def ids(ranked):
    return [pid for pid, _ in ranked]


def test_a_lexical_leader_that_stands_out_goes_first():
    # "Towards a Unified View": one paper's title words score far above every other paper's.
    lexical = [("title", 60.0), ("other", 20.0), ("shared", 10.0)]
    assert ids(fusion.fuse(lexical, VECTORS, keyword_count=2))[0] == "title"
    assert ids(fusion.fuse(lexical, VECTORS, keyword_count=8))[0] == "title"
    assert ids(fusion.fuse([("only", 3.0)], VECTORS, keyword_count=5))[0] == "only"


def test_a_group_of_leaders_above_a_gap_goes_first_in_its_order():
    # "Towards a Unified View" starts two titles: both score far above the rest.
    lexical = [("view-a", 40.0), ("view-b", 38.0), ("other", 12.0), ("shared", 11.0)]
    assert ids(fusion.fuse(lexical, VECTORS, keyword_count=2))[:2] == ["view-a", "view-b"]
    assert fusion.standouts(lexical) == ["view-a", "view-b"]
    assert fusion.standouts([("a", 10.0), ("b", 9.0), ("c", 8.0), ("d", 7.0), ("e", 1.0)]) == []  # gap too deep


def test_close_lexical_scores_are_fused_and_long_queries_follow_the_vectors():
    lexical = [("l1", 10.0), ("l2", 9.5), ("shared", 9.0)]  # no standout: ratio 1.05
    long_query = ids(fusion.fuse(lexical, VECTORS, keyword_count=8))
    assert long_query[0] == "shared"  # found by both halves
    assert long_query.index("v1") < long_query.index("l1")  # the vectors lead a description
    short_query = ids(fusion.fuse(lexical, VECTORS, keyword_count=2))
    assert short_query[0] == "shared"
    assert short_query.index("l1") < short_query.index("v2")  # equal weights: rank 1 beats rank 2


def test_lexical_leads_when_the_vectors_did_not_understand_the_query():
    lexical = [("l1", 10.0), ("l2", 9.5)]
    unsure = [("v1", 0.12), ("v2", 0.11)]
    assert ids(fusion.fuse(lexical, unsure, keyword_count=8))[:2] == ["l1", "l2"]


def test_empty_halves():
    assert fusion.fuse([], [], keyword_count=1) == []
    assert ids(fusion.fuse([], VECTORS, keyword_count=4)) == ["v1", "v2", "shared"]


def test_sentence_like_queries_trust_the_vectors_more():
    lexical = [("l1", 10.0), ("l2", 9.5), ("l3", 9.0)]
    vectors = [("v1", 0.55), ("v2", 0.54), ("v3", 0.50)]
    keywords_only = ids(fusion.fuse(lexical, vectors, keyword_count=4))
    sentence = fusion.fuse(lexical, vectors, keyword_count=4, stop_word_count=3)
    plain = dict(fusion.fuse(lexical, vectors, keyword_count=4))
    assert ids(sentence)[:3] == ["v1", "v2", "v3"] and keywords_only[:3] == ["v1", "v2", "v3"]
    # BM25's share of the score is smaller for the sentence than for the same keywords alone.
    assert dict(sentence)["l1"] < plain["l1"] and dict(sentence)["v1"] == plain["v1"]


def test_a_one_keyword_query_is_a_name_and_bm25_orders_it():
    # "LoRA", "MoE": the vectors know names badly, so papers with the word come before the vectors' guesses.
    lexical = [("l1", 10.0), ("l2", 9.5), ("l3", 9.0)]
    vectors = [("v1", 0.55), ("v2", 0.54), ("v3", 0.50)]
    assert ids(fusion.fuse(lexical, vectors, keyword_count=1))[:3] == ["l1", "l2", "l3"]
    assert ids(fusion.fuse(lexical, vectors, keyword_count=2))[:3] == ["l1", "v1", "l2"]  # equal weights
    # ...unless it reads like a sentence ("what is attention"): the vectors lead those.
    assert ids(fusion.fuse(lexical, vectors, keyword_count=1, stop_word_count=2))[:3] == ["v1", "v2", "v3"]


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


def test_a_query_with_initials_keeps_the_keyword_ranking_first():
    # "F. R. Ferraro": the vectors know nothing of names; their neighbours must not reorder BM25's.
    lexical = [("ferraro", 6.0), ("other-f", 4.0), ("other-r", 3.9)]  # no standout: below a 2x gap
    vector = [("other-f", 0.31), ("noise1", 0.30), ("other-r", 0.29)]
    assert [pid for pid, _ in fusion.fuse(lexical, vector, 3, 0, has_initials=True)][:3] == ["ferraro", "other-f", "other-r"]
    # Without initials the same lists are fused as a 3-keyword topic, where the vectors lead.
    assert [pid for pid, _ in fusion.fuse(lexical, vector, 3, 0)][0] != "ferraro"


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
