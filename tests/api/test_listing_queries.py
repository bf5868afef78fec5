"""Listing paths run a fixed number of queries, however many papers they list: an N+1 (a query
per paper for its authors, organization or entry) fails here. Counts measured on the catalogue,
which lists at least two papers on each path."""

import pytest

from dailypapers.lib.pagecache import bump_content_version

LISTINGS = [
    ("/", 6),  # the latest day's page (+ the filter's organization names and facets, each cached per change)
    # the ranking, the filter's organization names and facets (cached per change), the page of entries, their authors
    ("/papers/trending", 5),
    ("/organizations/google", 4),  # the organization, its papers and their authors, its members
    ("/api/daily_papers", 2),
    ("/api/daily_papers?sort=trending", 2),
    ("/api/papers/search", 3),  # with the search rate counter (in the database, shared by all processes)
    ("/api/v1/days/latest", 3),
    ("/api/v1/papers", 3),
    ("/api/v1/trending", 2),
    ("/api/v1/organizations/google/papers", 4),
    ("/feeds/daily.rss", 3),
    ("/feeds/trending.rss", 2),
    ("/feeds/organizations/google.atom", 3),  # the papers come with their entries (with_entry): one query fewer than attaching them
    ("/feeds/categories/cs.CL.rss", 2),
]


@pytest.mark.parametrize(("url", "queries"), LISTINGS)
def test_listings_run_a_fixed_number_of_queries(client, catalog, django_assert_num_queries, url, queries):
    client.get(url)  # first request warms per-process caches (content types, settings lookups)
    bump_content_version()  # so the next one renders (a miss of the page cache), as after a vote
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert b"1706.03762" in response.content or b"LoRA" in response.content
    with django_assert_num_queries(0 if "search" not in url else queries):  # search is never cached
        again = client.get(url)
    assert again.content == response.content or b"csrfmiddlewaretoken" in again.content
