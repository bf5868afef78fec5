"""How query text is read before any index sees it (issue 24): "et al", years, a word before an id,
keyboard mash. Pure functions: no database."""

import pytest

from dailypapers.search.query import ReadQuery, is_mash, keyboard_run, query_terms, read_query, reference_text, without_mash


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
