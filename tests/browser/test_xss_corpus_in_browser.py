"""The adversarial XSS corpus (tests/adversarial/test_xss_corpus.py) loaded in a real browser:
no payload opens a dialog or sets its marker global."""

import pytest
from django.utils import timezone

from dailypapers.ingest.pipeline import IngestPipeline, SourceItem
from dailypapers.papers.models import Paper
from dailypapers.search import get_backend
from tests.adversarial.test_xss_corpus import payload_records, surfaces
from tests.api.conftest import catalog, search_index_dir  # noqa: F401


@pytest.mark.browser
def test_no_payload_runs_in_a_real_browser(live_server, page, catalog, member):  # noqa: F811
    today = timezone.localdate()
    report = IngestPipeline("jsonl").run(SourceItem(location=f"xss {i}", data=r) for i, r in enumerate(payload_records(today)))
    assert report.rejected == 0
    get_backend().process_pending_updates()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    papers = list(Paper.objects.filter(pk__startswith="2601."))
    urls = list(surfaces(today, [p.pk for p in papers[:6]], [p.organization.slug for p in papers[:3]]))
    for url in urls:
        page.goto(live_server.url + url)
        page.wait_for_load_state("load")
        assert page.evaluate("() => window.__xss === undefined && (!window.parent || window.parent.__xss === undefined)"), url
        assert dialogs == [], (url, dialogs)
    # The marker works: a script the page is allowed to run would have set it.
    page.goto(live_server.url + "/about/ranking")
    page.evaluate("() => { window.__xss = 1 }")
    assert page.evaluate("() => window.__xss === 1")
