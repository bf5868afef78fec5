from pathlib import Path

import pytest
from django.core.management import call_command

TESTS = Path(__file__).resolve().parent

# The ``slow`` marker: `pytest -m "not slow"` is a developer's inner loop (the fast two-thirds of
# the tests, in about a tenth of the time); CI runs everything. These modules took 8 s or more in a
# full run with --durations=0 (2026-12-07, 2 cores under load: 34 modules, a third of the tests and
# seven eighths of the time); every browser test is slow too (a real chromium). A new module
# measured at 8 s or more belongs here; a test module can also mark single tests with
# @pytest.mark.slow.
SLOW_MODULES = {
    "accounts/test_claims.py", "accounts/test_profiles.py", "adversarial/test_csrf_and_authz.py",
    "adversarial/test_edge_inputs.py", "adversarial/test_faults.py", "adversarial/test_schemathesis_all_checks.py",
    "adversarial/test_xss_corpus.py", "api/test_export.py", "api/test_hf_client.py", "api/test_hf_own_cases.py",
    "api/test_native.py", "api/test_openapi_fuzz.py", "digests/test_crash_resume.py", "discovery/test_api.py",
    "enrichment/test_links_and_keywords.py", "enrichment/test_pages.py", "ingest/test_arxiv_api_and_submit.py",
    "ingest/test_bootstrap.py", "ingest/test_demo_data.py", "ingest/test_line_reader.py",
    "ingest/test_real_recorded_pages.py", "papers/test_page_costs.py", "scheduling/test_scheduler.py",
    "search/test_backend_contract.py", "search/test_evaluation.py", "search/test_search.py",
    "search/test_title_check.py", "test_cli.py", "test_http_edges.py",
}  # fmt: skip


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = Path(item.fspath).resolve().relative_to(TESTS).as_posix()
        if module in SLOW_MODULES or module.startswith("browser/") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; user ids repeat across tests, so start each one clean."""
    from django.core.cache import cache

    from dailypapers.lib.pagecache import local_pages
    from dailypapers.papers.templatetags.paper_tags import card_cache

    cache.clear()
    local_pages.clear()  # each web process's copies of pages, in front of the cache
    card_cache.clear()
    yield


@pytest.fixture
def sample_papers(db):
    """The bundled sample dataset, ingested through the real pipeline."""
    call_command("ingest", "sample", verbosity=0)


@pytest.fixture
def arxiv_records(db):
    """The 200 real arXiv records the evaluation's author-name queries are judged on."""
    from dailypapers.search.evaluation import arxiv_records_file

    call_command("ingest", "snapshot", str(arxiv_records_file()), verbosity=0)


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user(username="ada", email="ada@example.org", password="correct-horse-9")


@pytest.fixture
def routed_site(member):
    """A small site with one of everything the URL walk (tests.adversarial.urlwalk) fills routes from:
    a paper, an organization, the member's token, comment and collection; and every route as a URL."""
    from django.utils import timezone

    from dailypapers.accounts.models import ApiToken
    from dailypapers.community.services import post_comment
    from dailypapers.papers.models import Collection, Organization, Paper
    from tests.adversarial.urlwalk import all_routes, sample_values

    paper = Paper.objects.create(id="2401.00001", title="Attention again", abstract="We attend.", published_at=timezone.now())
    org = Organization.objects.create(slug="lab", name="The Lab")
    token, raw = ApiToken.issue(member, "nul")
    comment = post_comment(member, paper, "Mine")
    collection = Collection.objects.create(owner=member, name="Reading")
    samples = sample_values(paper.pk, timezone.localdate(), org.slug, token.pk, collection.pk, comment.pk)
    return {"paper": paper, "raw": raw, "routes": all_routes(samples)}
