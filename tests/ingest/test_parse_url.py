"""Record URLs are parsed (``urlsplit``), not matched by a loose regex."""

import pytest

from dailypapers.ingest.pipeline import RecordRejected, parse_url


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/deepseek-ai/DeepSeek-V3",
        "https://github.com/huggingface/transformers/tree/main/src",
        "https://gitlab.com:8443/group/sub.group/repo?ref=v1#readme",
        "http://example.org/~user/project_page/",
        "HTTPS://Example.COM",
        "http://[2001:db8::1]:8080/x",
        "https://huggingface.co/spaces/org/demo-app",
    ],
)
def test_real_repository_and_project_urls_are_accepted(url):
    assert parse_url(url, "github_repo") == url


@pytest.mark.parametrize(
    "url",
    [
        "https://x)[evil](javascript:alert(1))",  # markdown link smuggled into the host
        "https://x)evil(javascript:alert(1))",
        "https://<script>/",
        "javascript:alert(1)",
        "ftp://example.org/file",
        "https://",
        "https:///path-only",
        "https://exa mple.org/",
        "https://example.org/a\tb",
        "https://example.org:99999/",
        "https://example.org:port/",
        "https://[::1/",
        "//example.org/no-scheme",
    ],
)
def test_what_urlsplit_or_the_host_rule_rejects_is_rejected(url):
    with pytest.raises(RecordRejected, match="not an http"):
        parse_url(url, "github_repo")


def test_empty_url_means_none():
    assert parse_url(None, "project_page") == ""
    assert parse_url("", "project_page") == ""
