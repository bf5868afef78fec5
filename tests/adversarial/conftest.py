import pytest
from django.utils import timezone

from dailypapers.accounts.models import ApiToken
from dailypapers.community.services import post_comment
from dailypapers.papers.models import Collection, CollectionItem, Organization, Paper
from tests.adversarial.urlwalk import all_routes, sample_values
from tests.api.conftest import catalog, search_index_dir  # noqa: F401  (the shared catalogue)


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Thousands of requests from one member: rate limits would answer most of them with 429."""
    settings.DAILYPAPERS_SEARCH_RATE_PER_MINUTE = 1_000_000
    settings.DAILYPAPERS_WRITE_RATE_PER_MINUTE = 1_000_000


@pytest.fixture
def intruder(django_user_model):
    return django_user_model.objects.create_user(username="mallory", email="m@example.org", password="correct-horse-9")


@pytest.fixture
def owned(catalog, member):  # noqa: F811
    """The member's token, a private collection holding one paper and a comment on it."""
    token, raw = ApiToken.issue(member, "own")
    comment = post_comment(member, Paper.objects.get(pk="1706.03762"), "A comment of *mine*")
    collection = Collection.objects.create(owner=member, name="Reading list", description="mine")
    CollectionItem.objects.create(collection=collection, paper=Paper.objects.get(pk="1706.03762"), note="keep")
    return {"token": token, "raw": raw, "collection": collection, "comment": comment}


@pytest.fixture
def samples(owned):
    return sample_values(
        paper_id="1706.03762",
        today=timezone.localdate(),
        org_slug=Organization.objects.order_by("pk").first().slug,
        token_id=owned["token"].pk,
        collection_id=owned["collection"].pk,
        comment_id=owned["comment"].pk,
    )


@pytest.fixture
def routes(samples):
    return all_routes(samples)
