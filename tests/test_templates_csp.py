"""Every template and every piece of HTML the Python code writes works under the site's
Content-Security-Policy (script-src 'self', no 'unsafe-inline', no 'unsafe-eval'): no inline event
handler (``onchange=…``, the date picker the policy silently broke), no ``javascript:`` URL, no inline
``<script>`` body, and none of htmx's features that evaluate strings (``hx-on``, ``js:`` values,
``hx-trigger`` filters). The browser walk (tests/browser/test_every_page.py) checks the same live."""

import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "dailypapers"

RULES = {
    "inline event handler": re.compile(r"""<[^>]*\son[a-z]+\s*=\s*["']""", re.I | re.S),
    "javascript: URL": re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I),
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.I),
    "htmx evaluates a string": re.compile(r"""hx-on|hx-vals\s*=\s*["']\s*js:|hx-trigger\s*=\s*["'][^"']*\[""", re.I),
}


def _sources():
    templates = [p for p in SRC.rglob("*.html") if "/static/" not in str(p)]
    python = [p for p in SRC.rglob("*.py") if "/migrations/" not in str(p)]
    return templates + python


def _violations(text: str) -> list[str]:
    return [f"{name}: {m.group(0)[:80]!r}" for name, rule in RULES.items() for m in rule.finditer(text)]


@pytest.mark.parametrize("text", [
    '<input type="date" onchange="this.form.submit()">',
    '<a href="javascript:void(0)">x</a>',
    "<script>window.x = 1</script>",
    '<button hx-on:click="alert(1)">',
    '<form hx-trigger="keyup[key==\'Enter\']">',
])
def test_the_audit_catches_each_kind(text):
    assert _violations(text)


@pytest.mark.parametrize("text", [
    '<input type="date" data-autosubmit>',
    '<script src="/static/dailypapers/site.js" defer></script>',
    '<a href="https://example.org/javascript">js</a>',
    '<p>Read the conditions on arXiv</p>',
])
def test_the_audit_passes_what_the_policy_allows(text):
    assert not _violations(text)


def test_no_template_or_python_html_needs_what_the_policy_blocks():
    found = {}
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            # Python code: only string literals that look like markup, not the sanitizer's own rules.
            if path.name in {"images.py", "markdown.py"}:
                continue
        bad = _violations(text)
        if bad:
            found[str(path.relative_to(SRC))] = bad
    assert found == {}


def test_the_site_script_is_loaded_on_every_page(client, db):
    body = client.get("/about/ranking").content.decode()
    assert re.search(r'<script src="/static/dailypapers/site\.js[^"]*" defer>', body)
