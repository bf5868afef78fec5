"""How query text is read before any index sees it (issue 24): "et al", years, a word before an id,
keyboard mash. Pure functions: no database."""

import pytest

from dailypapers.search.query import ReadQuery, is_mash, keyboard_run, query_terms, question_terms, read_query, reference_text, without_mash
from dailypapers.search.spelling import best_correction, corrected_text, edit_distance, words_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vaswani et al.", ReadQuery("Vaswani", "vaswani")),
        ("Vaswani et al", ReadQuery("Vaswani", "vaswani")),
        ("vaswani et. al.", ReadQuery("vaswani", "vaswani")),
        ("A. Vaswani et al., 2017", ReadQuery("A. Vaswani", "vaswani", 2017)),
        ("(Vaswani et al. 2017)", ReadQuery("Vaswani", "vaswani", 2017)),
        ("Balázs et al 2007", ReadQuery("Balázs", "balazs", 2007)),
        ("van der Waals et al.", ReadQuery("van der Waals", "waals")),
        ("Shazeer et al. transformer decoding", ReadQuery("Shazeer transformer decoding", "shazeer")),
        ("Vaswani 2017", ReadQuery("Vaswani", "", 2017)),
        ("diffusion models 2023", ReadQuery("diffusion models", "", 2023)),
        # Not a year: alone, outside arXiv's years, or inside the words.
        ("2023", ReadQuery("2023")),
        ("ising model 1925", ReadQuery("ising model 1925")),
        ("SemEval 2023 task 4", ReadQuery("SemEval 2023 task 4")),
        ("et al", ReadQuery("et al")),
        ("attention is all you need", ReadQuery("attention is all you need")),
    ],
)
def test_names_and_years_are_read_from_the_text(text, expected):
    assert read_query(text) == expected


def test_the_word_before_an_id_goes():
    assert reference_text("arxiv 2406.01234") == "2406.01234"
    assert reference_text("arXiv 2406.01234v2") == "2406.01234v2"
    assert reference_text("paper https://arxiv.org/abs/2406.01234") == "https://arxiv.org/abs/2406.01234"
    assert reference_text("transformers 2017") == "transformers 2017"
    assert reference_text("attention is 2406.01234") == "attention is 2406.01234"  # two words: not a label


@pytest.mark.parametrize("word", ["asdfghjkl", "qwertyuiop", "zxcvbnm", "poiuytrewq", "lkjhgfdsa", "asdfasdf", "jkljkl", "sdfsdf"])
def test_keyboard_mash_is_mash(word):
    assert is_mash(word)


@pytest.mark.parametrize(
    "word",
    # The longest keyboard runs of the demo records' vocabulary, acronyms without vowels, names
    # that repeat a syllable, and the layout's own name.
    ["werewolves", "powertrain", "reweighting", "were", "mllms", "lstm", "dncnn", "pingping", "feifei", "qwerty", "asdf", "hjkl"],
)
def test_words_are_not_mash(word):
    assert not is_mash(word)


def test_mash_is_left_out_of_a_query_and_alone_is_no_query():
    assert keyboard_run("asdfghjkl") == 9 and keyboard_run("were") == 4
    assert without_mash(query_terms("asdfghjkl diffusion models")) == ["diffusion", "models"]
    assert without_mash(query_terms("asdfghjkl qwertyuiop")) == []


@pytest.mark.parametrize(
    ("text", "searched"),
    [
        ("which schedule should I use when I keep pretraining a model?",
         ["which", "schedule", "should", "i", "when", "i", "keep", "pretraining", "a", "model"]),
        ("are there any papers about protein folding?", ["are", "any", "about", "protein", "folding"]),
        ("how does attention work?", ["how", "does", "attention"]),
        # Not questions: titles keep every word ("Attention is all you need", "Papers with code").
        ("Attention is all you need", ["attention", "is", "all", "you", "need"]),
        ("papers with code", ["papers", "with", "code"]),
        # Nothing but asking: searched as typed.
        ("what is a good paper?", ["what", "is", "a", "good", "paper"]),
    ],
)
def test_a_questions_words_of_asking_are_left_out(text, searched):
    assert question_terms(text, query_terms(text)) == searched


def test_spelling_weighs_edits_against_papers():
    # Absent: the nearest commonest word; present: only one EDIT_COST times commoner per edit.
    candidates = [("learning", 4_000), ("leaning", 30), ("meaning", 900)]
    assert best_correction("lerning", 0, candidates) == "learning"
    assert best_correction("lerning", 3, candidates) == "learning"  # a typo a few abstracts share
    assert best_correction("leaning", 30, candidates) is None  # a word of its own
    assert best_correction("contrastve", 0, [("contrast", 500), ("contrastive", 20)]) == "contrastive"  # one edit beats two
    assert best_correction("moe", 0, [("more", 10_000)]) is None  # too short to guess at
    assert best_correction("qwzx", 0, [("that", 10_000)]) is None  # a stop word is never offered
    assert edit_distance("lerning", "learning") == 1 and edit_distance("ab", "ba") == 1 and edit_distance("abc", "xyz") == 3
    assert words_of("Gödel's theorem, 2nd ed.: C-numbers") == {"godel", "theorem", "numbers"}
    assert corrected_text("Contrastve, represntation!", {"contrastve": "contrastive", "represntation": "representation"}) == (
        "contrastive, representation!"
    )
