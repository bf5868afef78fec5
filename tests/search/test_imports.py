"""The search room's modules import in any order (no import circle) and never pull in rooms above it."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from django.test import Client

from dailypapers.search import MAX_QUERY_CHARS

# One fresh interpreter: after Django's set-up, each search module in turn is imported first, with
# every search module not loaded by the set-up forgotten before it, then all the others after it.
PROBE = textwrap.dedent(
    """
    import json, pkgutil, sys
    import django
    django.setup()
    import dailypapers.search as search

    names = sorted(
        m.name for m in pkgutil.walk_packages(search.__path__, "dailypapers.search.")
        if ".migrations" not in m.name
    )
    loaded_by_setup = set(sys.modules)
    failures, above = {}, set()
    for first in names:
        for name in [n for n in sys.modules if n.startswith("dailypapers.search.") and n not in loaded_by_setup]:
            del sys.modules[name]
        try:
            for name in [first] + [n for n in names if n != first]:
                __import__(name)
        except Exception as exc:
            failures[first] = f"{type(exc).__name__}: {exc}"
        above |= {n for n in sys.modules if n.startswith(("dailypapers.api.", "dailypapers.digests."))} - loaded_by_setup
    print(json.dumps({"modules": names, "failures": failures, "above": sorted(above)}))
    """
)


def test_search_modules_import_in_any_order_and_never_import_higher_rooms():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tests.settings")}
    out = subprocess.run([sys.executable, "-c", PROBE], check=False, capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert "dailypapers.search.backends.local" in report["modules"] and "dailypapers.search.tasks" in report["modules"]
    assert report["failures"] == {}
    assert report["above"] == []


@pytest.mark.django_db
def test_one_query_length_limit_everywhere(client: Client):
    longest, too_long = "a" * MAX_QUERY_CHARS, "a" * (MAX_QUERY_CHARS + 1)
    for url in ("/api/papers/search", "/api/v1/search", "/feeds/search.rss"):
        assert client.get(url, {"q": longest}).status_code == 200, url
    assert client.get("/api/papers/search", {"q": too_long}).status_code == 400
    assert client.get("/api/v1/search", {"q": too_long}).status_code == 422
    assert client.get("/feeds/search.rss", {"q": too_long}).status_code == 404
    # Pages cut longer input at the limit (people paste abstracts) and say so in their boxes.
    page = client.get("/search", {"q": too_long}).content.decode()
    assert f'value="{longest}"' in page and f'maxlength="{MAX_QUERY_CHARS}"' in page
