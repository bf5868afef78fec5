"""Code, Hugging Face and project-page links found in a paper's text.

Authors announce code in the abstract ("Code is available at https://github.com/…") or in arXiv's
comments field ("Project page: https://….github.io/…"); the Hub's papers pages show them as the
paper's repository and project page. :func:`find_links` reads one text and classifies each URL:

- ``code``: a repository on GitHub, GitLab, Bitbucket or Codeberg (``owner/name``; a bare user or
  organization page is not a repository and counts for nothing);
- ``model`` / ``dataset`` / ``space``: a Hugging Face repository (``huggingface.co`` or ``hf.co``);
- ``project``: a ``*.github.io`` / ``*.gitlab.io`` site, or any other site the text introduces as a
  project page, homepage, website or demo. Other URLs (journals, data archives, DOIs) are not
  claimed as the paper's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# A URL with a scheme or "www.", or a bare code/Hub host ("github.com/owner/name"); stops at
# whitespace, quotes, braces (LaTeX's \url{…}) and backslashes.
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'{}\\|^`]+"
    r"|(?<![\w.@/-])(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|huggingface\.co|hf\.co)/[^\s<>\"'{}\\|^`]+",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\"*"
_CODE_HOSTS = {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"}
_HF_HOSTS = {"huggingface.co", "hf.co"}
# First path parts that are GitHub's own pages, not an owner.
_GITHUB_PAGES = {
    "about", "apps", "blog", "collections", "contact", "customer-stories", "enterprise", "events",
    "explore", "features", "login", "marketplace", "orgs", "pricing", "settings", "site", "sponsors",
    "topics", "trending", "users",
}  # fmt: skip
# First path parts of huggingface.co that are not a model's owner.
_HF_PAGES = {
    "papers", "docs", "blog", "learn", "collections", "models", "posts", "organizations", "settings", "join", "login",
    "tasks", "pricing", "chat",
}  # fmt: skip
# Words that, shortly before a URL, introduce it as the paper's own site.
_PROJECT_CUE = re.compile(r"(project|home|web)\s*(page|site)|website|webpage|demo|visit", re.IGNORECASE)
_NOT_PROJECT_HOSTS = {"arxiv.org", "doi.org", "dx.doi.org", "creativecommons.org", "youtube.com", "youtu.be", "twitter.com", "x.com"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class FoundLink:
    kind: str  # a PaperLink.Kind value
    url: str  # canonical: https, no query, no trailing slash; repositories reduced to owner/name
    repo_id: str  # "owner/name"; "" for project pages


def _trim(url: str) -> str:
    """``url`` without the sentence punctuation and unbalanced closing brackets that follow it in text."""
    while url:
        if url[-1] in _TRAILING:
            url = url[:-1]
        elif url[-1] in ")]" and url.count(url[-1]) > url.count("(" if url[-1] == ")" else "["):
            url = url[:-1]
        else:
            break
    return url


def _repo_name(part: str) -> str:
    return part[:-4] if part.lower().endswith(".git") else part


def classify(raw: str, *, introduced_as_project: bool = False) -> FoundLink | None:
    """What ``raw`` (a URL as found in text) links to, or None when it is not the paper's own."""
    url = _trim(raw)
    if not re.match(r"https?://", url, re.IGNORECASE):
        url = "https://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = [p for p in parts.path.split("/") if p]
    if not host or "." not in host:
        return None
    if host in _CODE_HOSTS:
        if len(path) < 2 or not all(_NAME.match(p) for p in path[:2]):
            return None
        if host == "github.com" and path[0].lower() in _GITHUB_PAGES:
            return None
        if host == "gitlab.com":  # groups nest: the project path ends where GitLab's own "/-/" begins
            path = path[: path.index("-")] if "-" in path else path
            path = [p for p in path if _NAME.match(p)][:4]
            if len(path) < 2:
                return None
            repo_id = "/".join([*path[:-1], _repo_name(path[-1])])
        else:
            repo_id = f"{path[0]}/{_repo_name(path[1])}"
        return FoundLink("code", f"https://{host}/{repo_id}", repo_id)
    if host in _HF_HOSTS:
        kind = {"datasets": "dataset", "spaces": "space"}.get(path[0].lower() if path else "", "model")
        names = path[1:3] if kind != "model" else path[:2]
        if len(names) < 2 or not all(_NAME.match(p) for p in names) or (kind == "model" and path[0].lower() in _HF_PAGES):
            return None
        repo_id = "/".join(names)
        prefix = {"model": "", "dataset": "datasets/", "space": "spaces/"}[kind]
        return FoundLink(kind, f"https://huggingface.co/{prefix}{repo_id}", repo_id)
    pages = host.endswith((".github.io", ".gitlab.io"))
    if pages or (introduced_as_project and host not in _NOT_PROJECT_HOSTS and not parts.path.lower().endswith(".pdf")):
        clean = f"https://{host}{parts.path.rstrip('/')}"
        return FoundLink("project", clean, "")
    return None


def find_links(text: str) -> list[FoundLink]:
    """The links of :func:`classify` in ``text``, in order of appearance, each once."""
    found: dict[tuple[str, str], FoundLink] = {}
    for match in _URL.finditer(text or ""):
        before = text[max(0, match.start() - 40) : match.start()]
        link = classify(match.group(0), introduced_as_project=bool(_PROJECT_CUE.search(before)))
        if link is not None:
            found.setdefault((link.kind, link.url.lower()), link)
    return list(found.values())
