import pytest
from django.core.management import call_command


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
