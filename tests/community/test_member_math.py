"""One math rule for every text (issue 29): ``$x^2$`` in a comment or a bio is MathML, as in an
abstract, by the same code (``lib.latex``); in code it stays as written; markdown never reaches into
a formula; what latex2mathml copies from ``\\text``/``\\href`` is sanitized."""

import re

import pytest

from dailypapers.community import services
from dailypapers.lib.markdown import render_untrusted
from dailypapers.papers.text import rich_html
from tests.papers.factories import make_paper


def _math(html: str) -> list[str]:
    return re.findall(r'<span class="math">.*?</span>', str(html), re.S)


@pytest.mark.parametrize("formula", ["$x^2$", "$$\\sum_{i=1}^n a_i$$", "\\(\\alpha + \\beta\\)", "$a*b*c$"])
def test_a_formula_in_a_comment_renders_as_in_an_abstract(formula):
    comment = render_untrusted(f"Is {formula} right?")
    assert _math(comment) and _math(comment) == _math(rich_html(f"Is {formula} right?"))
    assert "<em>" not in str(comment) and "$" not in re.sub(r'<span class="math">.*?</span>', "", str(comment), flags=re.S)


def test_math_in_code_stays_as_written_and_markdown_around_it_works():
    html = str(render_untrusted("Use `$x^2$` in **bold** and $y_1$\n\n```\n$z$\n```"))
    assert "<code>$x^2$</code>" in html and "<strong>bold</strong>" in html
    assert "<pre><code>$z$\n</code></pre>" in html
    assert len(_math(html)) == 1


def test_a_formula_cannot_smuggle_markup():
    html = str(render_untrusted(r"$\href{javascript:alert(1)}{x}$ and $\text{<img src=x onerror=alert(1)>}$ \ue0000\ue001"))
    assert "javascript:" not in html and "<img" not in html and "onerror" not in html.replace("onerror=alert(1)&gt;", "")
    # The placeholder characters a member types are dropped, never taken for a formula.
    assert str(render_untrusted("a \ue0000\ue001 b")) == "<p>a 0 b</p>\n"


@pytest.mark.django_db
def test_comments_and_bios_show_math(client, member):
    paper = make_paper(id="2401.00009", title="Math", abstract="We minimize $x^2$.")
    services.post_comment(member, paper, "Why $x^2$ and not $|x|$?")
    page = client.get(paper.get_absolute_url()).content.decode()
    assert page.count('<span class="math">') >= 3  # the abstract's and the comment's two
    assert "Why $x^2$" not in page
    from dailypapers.accounts.models import Profile

    Profile.objects.update_or_create(user=member, defaults={"bio": "I work on $\\mathbb{R}^n$."})
    assert '<span class="math">' in client.get(f"/u/{member.username}").content.decode()
