"""The Content-Security-Policy blocks injected scripts and nothing the site itself needs."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def collect_violations(page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def test_api_docs_render_offline_under_the_policy(live_server, page, artifacts):
    violations = collect_violations(page)
    page.goto(live_server.url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Daily Papers")
    page.screenshot(path=str(artifacts / "api-docs.png"))
    assert violations == []


def test_an_injected_inline_script_does_not_run(live_server, page, sample_papers):
    violations = collect_violations(page)
    page.goto(live_server.url + "/")
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__injected = true';
        document.body.appendChild(s);
    }""")
    assert page.evaluate("() => window.__injected === undefined")
    assert any("script-src" in v for v in violations)
