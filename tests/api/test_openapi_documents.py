"""Every OpenAPI document the site publishes is valid OpenAPI (openapi-spec-validator; before,
/api/v1/openapi.json had 6 errors), and the Hugging Face–compatible API has one too: it names
every route of ``api.hf``, and a fuzzer reading it finds no server error."""

import pytest
import schemathesis
from django.urls import resolve
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from dailypapers.api import hf
from tests.api.test_openapi_fuzz import wsgi_app_keeping_the_test_database_open

pytestmark = pytest.mark.django_db


def openapi_urls(routes) -> list[str]:
    return [r.url for r in routes if r.url.endswith("openapi.json")]


def test_every_openapi_document_is_valid(client, routed_site):
    urls = openapi_urls(routed_site["routes"])
    assert {"/api/v1/openapi.json", "/api/openapi.json"} <= set(urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        validate(response.json())  # raises with every error it finds


def test_the_hf_document_names_every_hf_route(client, routed_site):
    document = client.get("/api/openapi.json").json()
    samples = {"{paper_id}": "2401.00001", "{comment_id}": "1"}
    documented = set()
    for path in document["paths"]:
        for name, value in samples.items():
            path = path.replace(name, value)
        documented.add(resolve(path).func)
    served = {r.callback for r in routed_site["routes"] if getattr(r.callback, "__module__", "") == hf.__name__
              and r.callback is not hf.api_not_found}
    unwrapped = {getattr(f, "__wrapped__", f) for f in documented}
    assert {getattr(f, "__wrapped__", f) for f in served} <= unwrapped | documented


def test_the_hf_document_states_formats_years_and_the_nul_rule(client):
    document = client.get("/api/openapi.json").json()
    daily = {p["name"]: p["schema"] for p in document["paths"]["/api/daily_papers"]["get"]["parameters"]}
    assert daily["date"]["format"] == "date" and daily["date"]["pattern"].startswith("^(?:19|2[0-9])")
    comment = document["paths"]["/api/papers/{paper_id}/comment"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert comment["properties"]["comment"]["pattern"] == r"^[^\x00]*$"
    assert "2504.07952" in str(document["paths"]["/api/papers/{paper_id}"]["get"]["parameters"])


def test_a_fuzzer_reading_the_hf_document_finds_no_server_error(catalog, member):
    from dailypapers.accounts.models import ApiToken

    headers = {"Authorization": f"Bearer {ApiToken.issue(member, 'fuzz-hf')[1]}", "Accept-Encoding": "identity"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app_keeping_the_test_database_open())
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
        def conforms(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error, status_code_conformance, content_type_conformance])  # noqa: B023

        try:
            conforms()
        except Exception as exc:  # noqa: BLE001 (each operation's failure is collected)
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)


def test_every_string_parameter_and_field_states_the_nul_rule_or_a_format(client):
    """NUL is refused in any parameter or text; a string the schemas leave open would be a
    schema-valid request the site refuses (schemathesis found ``organization=%00``)."""
    open_strings = []

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("type") == "string" and not {"pattern", "enum", "const", "format"} & node.keys():
                open_strings.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    for url in ("/api/v1/openapi.json", "/api/openapi.json"):
        document = client.get(url).json()
        for part in ("paths", "components"):
            walk(document.get(part, {}), url + "#/" + part)
    inputs = [w for w in open_strings if "/parameters/" in w or "In/" in w or "requestBody" in w]
    assert not inputs, "\n".join(inputs[:20])
