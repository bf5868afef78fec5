"""arXiv's text conventions: hard wraps, paragraphs, math; on real abstract shapes."""

import pytest

from dailypapers.papers.text import paragraphs, plain_text, reflow, rich_html

# 0806.4129's shape in the snapshot: leading indentation, ~80-column hard wraps, no paragraphs.
WRAPPED = (
    "  We study the problem of estimating a density from samples and show that\n"
    "the estimator achieves $O(n \\log n)$ time. Our bound on $\\mathcal{L}$ is\n"
    "tight.\n"
)
# A real two-paragraph form: a newline followed by indentation starts a paragraph.
TWO_PARAGRAPHS = "First paragraph line one\nline two.\n  Second paragraph starts here\nand ends."


def test_hard_wraps_are_joined_and_marked_paragraphs_kept():
    assert reflow(WRAPPED) == (
        "We study the problem of estimating a density from samples and show that the estimator "
        "achieves $O(n \\log n)$ time. Our bound on $\\mathcal{L}$ is tight."
    )
    assert paragraphs(TWO_PARAGRAPHS) == ["First paragraph line one line two.", "Second paragraph starts here and ends."]
    assert reflow("A\n\nB") == "A\n\nB"
    assert reflow(reflow(TWO_PARAGRAPHS)) == reflow(TWO_PARAGRAPHS)  # idempotent
    assert reflow(None) == "" and reflow("  \n ") == ""


def test_plain_text_makes_math_readable():
    text = plain_text(WRAPPED)
    assert "$" not in text and "\\mathcal" not in text
    assert "O(n log" in text and "ℒ" in text
    assert plain_text("costs \\$5 and $\\alpha \\approx 0.5$") == "costs $5 and α≈0.5"


def test_rich_html_renders_math_as_mathml_and_paragraphs():
    html = rich_html(WRAPPED + "\n  $$\\sum_i x_i$$ closes it.")
    assert html.count("<p>") == 2 and "<br" not in html
    assert html.count("<math") == 3 and 'display="block"' in html
    assert "<mi>log</mi>" in html


@pytest.mark.parametrize(
    "hostile",
    ["$\\text{<img src=x onerror=alert(1)>}$", "$\\href{javascript:alert(1)}{x}$", "<script>alert(1)</script> $x$",
     "a < b and $a<b$ & c", "$\\frac{a}{$ unbalanced"],
)
def test_rich_html_is_inert(hostile):
    html = rich_html(hostile)
    assert "<img" not in html and "<script" not in html and "javascript:" not in html
    assert "href" not in html


def test_unreadable_math_is_shown_as_written():
    assert "$\\frac{a}{$" in rich_html("$\\frac{a}{$ x")
