"""schemathesis against the generated OpenAPI document: no 5xx, every response as documented.

Requests go through the real WSGI application (whole middleware stack) with a member's token, so
writes (upvotes, submissions, collections) are exercised too. Examples per operation are bounded.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dailypapers.accounts.models import ApiToken

EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def wsgi_app_keeping_the_test_database_open():
    """The real WSGI handler, minus closing the DB connection after each response (as Django's
    test client does), so requests see the test database and its transaction."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    handler = WSGIHandler()

    def app(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = handler(environ, start_response)
            body = b"".join(response)
            response.close()
            return [body]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return app


@pytest.fixture
def bearer(member):
    # identity: schemathesis' WSGI transport does not decode the gzip the site sends when asked.
    return {"Authorization": f"Bearer {ApiToken.issue(member, 'fuzz')[1]}", "Accept-Encoding": "identity"}


def test_api_conforms_to_its_openapi_document(catalog, bearer):
    # Operations are driven one by one with hypothesis directly (not schemathesis' pytest plugin,
    # which does not run under pytest 9), so each failure names its operation and example.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app_keeping_the_test_database_open())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
        def conforms(case):
            case.call_and_validate(headers=bearer, checks=CHECKS)

        try:
            conforms()
        except Exception as exc:
            raise AssertionError(f"{operation.label}: {exc}") from exc
