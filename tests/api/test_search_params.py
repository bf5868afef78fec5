"""One reading of search parameters (``search.params``) behind the page, the native API, the
Hugging Face–compatible API and the search feed: the same filters mean the same, the same bad
value gets the same message, and each surface's limits are the ones it declares."""

import datetime as dt

import feedparser
import pytest
from django.utils import timezone

from dailypapers.search.params import FEED, HF_API, NATIVE_API, PAGE, SUGGESTIONS, InvalidSearch, SearchParams


def feed_ids(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return [e.link.rsplit("/papers/", 1)[1] for e in feedparser.parse(response.content).entries]


def test_the_search_feed_honours_the_date_filters(client, catalog):
    # LoRA was published three days ago, BERT nine: the page's from/to narrow the feed the same way.
    today = timezone.localdate()
    everything = feed_ids(client, "/feeds/search.rss?q=language+models+transformer+pre-training&mode=lexical")
    assert {"2106.09685", "1810.04805"} <= set(everything)
    since = (today - dt.timedelta(days=5)).isoformat()
    recent = feed_ids(client, f"/feeds/search.rss?q=language+models+transformer+pre-training&mode=lexical&from={since}")
    assert "2106.09685" in recent and "1810.04805" not in recent
    older = feed_ids(client, f"/feeds/search.atom?q=language+models+transformer+pre-training&mode=lexical&to={since}")
    assert "1810.04805" in older and "2106.09685" not in older
    page = client.get("/search", {"q": "language models transformer pre-training", "mode": "lexical", "from": since}).content.decode()
    assert "/papers/2106.09685" in page and "/papers/1810.04805" not in page


@pytest.mark.parametrize("params, message", [
    ({"from": "yesterday"}, "from must be a date as YYYY-MM-DD in the years 1900–2999"),
    ({"from": "2024-05-01", "to": "2024-01-01"}, "from must not be after to"),
    ({"category": "cs.CL<x>"}, "category must look like cs.CL"),
    ({"has_code": "maybe"}, "has_code must be true or false"),
    ({"mode": "psychic"}, "mode must be one of hybrid, lexical, vector"),
])  # fmt: skip
def test_page_and_feed_refuse_a_bad_value_with_the_same_message(client, catalog, params, message):
    page = client.get("/search", {"q": "attention", **params})
    assert page.status_code == 400 and message in page.content.decode()
    feed = client.get("/feeds/search.rss", {"q": "attention", **params})
    assert feed.status_code == 400 and feed.content.decode().strip() == message


def test_the_native_api_reads_its_filters_through_the_same_parser(client, catalog):
    bad = client.get("/api/v1/search", {"q": "attention", "published_from": "2024-05-01", "published_to": "2024-01-01"})
    assert bad.status_code == 400 and bad.json()["detail"] == "published_from must not be after published_to"
    # The category's form is in the schema, so a malformed one is a validation error (422) there.
    assert client.get("/api/v1/search", {"q": "attention", "category": "cs.CL<x>"}).status_code == 422
    assert client.get("/api/v1/search", {"q": "   "}).json()["detail"] == "q must not be blank"
    assert client.get("/api/v1/search", {"q": "attention", "limit": str(NATIVE_API.max_limit + 1)}).status_code == 422
    found = client.get("/api/v1/search", {"q": "attention  transformer ", "limit": "2"}).json()
    assert found["query"] == "attention transformer" and len(found["items"]) <= 2


def test_the_hf_api_keeps_its_limits_and_messages(client, catalog):
    over = client.get("/api/papers/search", {"q": "attention", "limit": str(HF_API.max_limit + 1)})
    assert over.status_code == 400 and over.json()["error"] == f"limit must be between 1 and {HF_API.max_limit}"
    long = client.get("/api/papers/search", {"q": "x" * 251})
    assert long.status_code == 400 and long.json()["error"] == "q must be at most 250 characters"
    # Filters are not part of the Hugging Face API: they are ignored, not refused.
    assert client.get("/api/papers/search", {"q": "attention", "category": "cs.CL<x>"}).status_code == 200


def test_each_surface_declares_its_limits():
    assert PAGE.parse({"q": "a"}).limit == 20 and PAGE.parse({"q": "a", "limit": "120"}).limit == 120
    assert PAGE.parse({"q": "x" * 300}).text == "x" * 250  # pages cut pasted text
    assert SUGGESTIONS.parse({"q": "a", "limit": "100"}).limit == 6
    assert HF_API.parse({"q": "a"}).limit == 50 and HF_API.parse({"q": "a", "offset": "40"}).offset == 0
    assert FEED.parse({"q": "a", "limit": "3", "offset": "9"}).limit == 50
    assert PAGE.parse({"q": "a", "limit": "10", "page": "3"}).offset == 20
    with pytest.raises(InvalidSearch) as refused:
        FEED.parse({"q": "x" * 251})
    assert refused.value.parameter == "q"
    with pytest.raises(ValueError):
        SearchParams(default_limit=50, max_limit=20)
