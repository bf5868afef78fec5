"""Edge inputs for every GET route and every query parameter it reads: never a 500, JSON on /api/.

Routes come from the URLconf walk; query parameters from the OpenAPI document (native API) and
from watching which ones each view reads from ``request.GET`` on a plain request, so a parameter
added to a view is fuzzed without anyone listing it.
"""

import contextlib

import pytest
from django.http import QueryDict
from django.test import Client

from tests.adversarial.urlwalk import all_routes

EDGE_VALUES = [
    "%00", "%01", "a%00b", "%1b%5b31m", "%0d%0aSet-Cookie:%20x=1", "%ff", "%ed%a0%80", "%e2%80%ae",
    "x" * 10240, "-1", "0", "-99999999999999999999", "99999999999999999999", "1e308", "NaN",
    "0001-01-01", "9999-12-31", "9999-W52", "9999-W53", "0000-00", "0000-W00", "2026-02-30", "2026-13",
    "", "%20", "[]", "%7B%7D",
]
# Path parameter values: the same, minus the ones no route pattern could match anyway.
PATH_EDGE_VALUES = [v for v in EDGE_VALUES if v not in ("", "%20")]
# Admin routes only with a few values (Django's own code), as a superuser.
ADMIN_VALUES = ["%00", "%ff", "x" * 10240, "-1", "99999999999999999999", "9999-12-31"]
ADMIN_QUERY_PARAMS = ["q", "o", "p", "all", "e", "_changelist_filters"]


@contextlib.contextmanager
def recording_query_reads():
    read: set[str] = set()
    originals = {name: getattr(QueryDict, name) for name in ("get", "getlist", "__getitem__", "__contains__")}

    def recorder(name):
        original = originals[name]

        def wrapped(self, key, *args, **kwargs):
            read.add(key)
            return original(self, key, *args, **kwargs)

        return wrapped

    for name in originals:
        setattr(QueryDict, name, recorder(name))
    try:
        yield read
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)


def openapi_query_params(client) -> dict[str, list[str]]:
    document = client.get("/api/v1/openapi.json").json()
    return {
        path: [p["name"] for op in item.values() if isinstance(op, dict) for p in op.get("parameters", []) if p["in"] == "query"]
        for path, item in document["paths"].items()
    }


def check(client, url, query_string, failures):
    response = client.get(url, QUERY_STRING=query_string)
    if response.status_code >= 500:
        failures.append(f"GET {url}?{query_string[:80]} -> {response.status_code}")
    elif url.startswith("/api/") and response.status_code != 200 or url.startswith("/api/v1/") and not url.endswith("/docs"):
        content_type = response.get("Content-Type", "")
        if url.startswith("/api/") and not url.endswith("/docs") and not content_type.startswith("application/json"):
            failures.append(f"GET {url}?{query_string[:80]} -> {response.status_code} {content_type} (not JSON)")
    return response


def get_routes(routes):
    return [r for r in routes if not r.pattern.startswith("admin/")]


@pytest.fixture
def member_client(member, owned):
    client = Client(raise_request_exception=False)
    client.force_login(member)
    return client


def test_every_query_parameter_survives_edge_values(routes, member_client):
    query_params = openapi_query_params(member_client)
    failures, fuzzed = [], 0
    for route in get_routes(routes):
        with recording_query_reads() as read:
            member_client.get(route.url)
        template = route.pattern.replace("<paperid:", "{").replace("<int:", "{").replace("<", "{").replace(">", "}")
        params = read | set(query_params.get("/" + template, []))
        params.discard("csrfmiddlewaretoken")
        for name in sorted(params):
            fuzzed += 1
            for value in EDGE_VALUES:
                check(member_client, route.url, f"{name}={value}", failures)
            check(member_client, route.url, f"{name}=1&{name}=%00", failures)  # repeated
        check(member_client, route.url, "%ff=%ff&" + "a=b&" * 2000, failures)  # odd names, many pairs
    assert fuzzed >= 40, fuzzed
    assert not failures, "\n".join(failures)


def test_every_path_parameter_survives_edge_values(samples, member_client):
    failures, seen = [], set()
    for value in PATH_EDGE_VALUES:
        edged = {name: value for name in samples}
        for route in get_routes(all_routes(edged)):
            if route.url not in seen:
                seen.add(route.url)
                check(member_client, route.url, "", failures)
    assert len(seen) > 300
    assert not failures, "\n".join(failures)


def test_admin_survives_edge_values(samples, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "correct-horse-9")
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    failures = []
    for value in ADMIN_VALUES:
        for route in all_routes({**samples, "object_id": value, "id": value, "content_type_id": value}):
            if route.pattern.startswith("admin/") and route.pattern.endswith(("/change/", "/history/", "/delete/")):
                check(client, route.url, "", failures)
        for route in all_routes(samples):
            if route.name and route.name.endswith("_changelist"):
                for name in ADMIN_QUERY_PARAMS:
                    check(client, route.url, f"{name}={value}", failures)
    assert not failures, "\n".join(failures)


def test_deeply_nested_json_is_a_400_on_every_api_write(routes, owned):
    """``[[[[…]]]]`` made the JSON decoder raise RecursionError (a 500 on the HF-compatible writes).
    Every API route, every write method: a 4xx in its JSON error shape, never a 500."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {owned['raw']}")
    deep = "[" * 100_000 + "]" * 100_000
    bodies = [deep, '{"comment": ' + deep + ', "text": ' + deep + "}", '{"x": ' + '{"a": ' * 5000 + "1" + "}" * 5001]
    failures, refused = [], 0
    for route in routes:
        if not route.url.startswith("/api/"):
            continue
        for method in ("post", "put", "patch"):
            for body in bodies:
                response = getattr(client, method)(route.url, body, content_type="application/json")
                is_json = response["Content-Type"].startswith("application/json")
                if response.status_code >= 500 or (response.status_code >= 400 and not is_json):
                    failures.append(f"{method.upper()} {route.url}: {response.status_code} {response.content[:100]!r}")
                elif response.status_code == 400:
                    refused += 1
    assert not failures, "\n".join(failures)
    assert refused >= 20  # the write endpoints read the body and refuse it (not merely a 404/405)
