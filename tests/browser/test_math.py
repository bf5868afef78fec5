"""Math in abstracts renders in the browser (MathML, no script), paragraphs as arXiv marks them."""

import pytest
from django.core.management import call_command

from dailypapers.papers.models import Paper

pytestmark = pytest.mark.browser

ABSTRACT = (
    "  We bound the loss $\\mathcal{L}_{\\text{KL}} = \\sum_i p_i \\log \\frac{p_i}{q_i}$ and sort in\n"
    "$O(n \\log n)$ time, which is\ntight.\n  A second paragraph."
)


def test_paper_page_renders_math_and_paragraphs(live_server, page, transactional_db, artifacts):
    call_command("ingest", "sample", verbosity=0)
    paper = Paper.objects.order_by("pk").first()
    Paper.objects.filter(pk=paper.pk).update(abstract=ABSTRACT)
    page.goto(live_server.url + paper.get_absolute_url())
    section = page.locator("section.abstract-full")
    assert section.locator("p").count() == 2
    formulas = section.locator("math")
    assert formulas.count() == 2
    box = formulas.first.bounding_box()
    assert box and box["width"] > 40 and box["height"] > 10  # laid out as math, not an empty element
    assert "$" not in section.inner_text() and "\\frac" not in section.inner_text()
    section.screenshot(path=str(artifacts / "paper-math.png"))
