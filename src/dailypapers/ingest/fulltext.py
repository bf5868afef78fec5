"""Full text from arXiv's HTML (LaTeXML) as clean markdown, when the operator turns it on.

arXiv serves most papers as HTML converted from their TeX by LaTeXML (``https://arxiv.org/html/<id>``;
every article's was regenerated in August 2026). :func:`html_to_markdown` turns one into markdown:

* the title (``# …``), the abstract and every section, subsection and paragraph heading at its
  depth (``## 1 Introduction``), their outline kept as ``sections`` (level, title, anchor);
* math kept as TeX, from each ``<math>``'s ``application/x-tex`` annotation (else its ``alttext``):
  ``$…$`` inline, ``$$…$$`` for display equations (with their number);
* figures as image links to arXiv (``![Figure 1: caption](https://arxiv.org/html/<id>v1/x1.png)``),
  tables as markdown tables with their caption, lists, code listings, footnotes (``[^1]``);
* the bibliography as ``## References``, each entry also kept in ``references`` (anchor, text);
* arXiv's page furniture (navigation, table of contents, footer, buttons) dropped; all text escaped
  for markdown, so a paper cannot inject markup.

:func:`fetch_full_text` downloads a paper's page through the site-wide arXiv slot and stores the
result (``papers.PaperFullText``): the markdown, or that arXiv has no HTML for the paper (404, or a
page without a LaTeXML document), with the paper's licence and version at that moment. The stored
copy is the cache: it is fetched again only for a newer version of the paper, or a day after a
failure. The worker's periodic job (:func:`fetch_recent_full_texts`) does the papers of the last
days' pages when ``DAILYPAPERS_FULL_TEXT`` is on.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
import requests
from django.conf import settings
from django.utils import timezone

from dailypapers.ingest.sources.arxiv_limit import wait_for_arxiv_slot

log = logging.getLogger(__name__)

MAX_HTML_BYTES = 30 * 1024 * 1024
RETRY_FAILED_AFTER = dt.timedelta(days=1)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9"

_SKIPPED_CLASSES = {"ltx_page_navbar", "ltx_TOC", "ltx_page_footer", "ltx_page_header", "ltx_authors", "ltx_dates",
                    "ltx_role_affiliation", "ltx_listing_data", "ltx_note_mark", "ltx_note_type", "ltx_tag_note", "ltx_tag_item"}  # fmt: skip
_SKIPPED_TAGS = {"script", "style", "nav", "footer", "header", "button", "noscript", "template", "head", "title", "meta", "link"}
_BLOCK_TAGS = {"section", "article", "div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "table", "ul", "ol", "dl",
               "blockquote", "pre", "figcaption", "main", "aside"}  # fmt: skip
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]$<])")
_SPACE = re.compile(r"\s+")


@dataclass
class Converted:
    title: str
    markdown: str
    sections: list[dict] = field(default_factory=list)
    references: list[dict] = field(default_factory=list)


class NoDocument(ValueError):
    """The page has no LaTeXML document (not arXiv's HTML of a paper)."""


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _tex(math) -> str:
    for annotation in math.iter("annotation"):
        if (annotation.get("encoding") or "").lower() == "application/x-tex" and (annotation.text or "").strip():
            return annotation.text.strip()
    return (math.get("alttext") or "").strip()


def _math_markdown(tex: str, display: bool) -> str:
    tex = " ".join(tex.replace("$", r"\$").split())  # one line; a dollar inside would end the math
    if not tex:
        return ""
    return f"$${tex}$$" if display else f"${tex}$"


class _Converter:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.sections: list[dict] = []
        self.references: list[dict] = []
        self.notes: list[str] = []
        self.title = ""

    # -- inline ------------------------------------------------------------------------------
    def inline(self, el) -> str:
        parts = [_escape(el.text or "")]
        for child in el:
            if isinstance(child.tag, str):
                parts.append(self.inline_element(child))
            parts.append(_escape(child.tail or ""))
        return "".join(parts)

    def inline_element(self, el) -> str:
        tag, classes = el.tag.lower(), _classes(el)
        if tag in _SKIPPED_TAGS or classes & _SKIPPED_CLASSES:
            return ""
        if tag == "math":
            return _math_markdown(_tex(el), el.get("display") == "block")
        if tag == "br":
            return " "
        if tag == "img":
            return self.image(el)
        if "ltx_note" in classes:
            return self.note(el)
        text = self.inline(el)
        if not text.strip():
            return text
        inner, lead, trail = text.strip(), text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        if tag in ("em", "i") or "ltx_font_italic" in classes:
            return f"{lead}*{inner}*{trail}"
        if tag in ("strong", "b") or "ltx_font_bold" in classes:
            return f"{lead}**{inner}**{trail}"
        if tag == "code" or "ltx_font_typewriter" in classes and tag != "a":
            return f"{lead}`{inner.replace('`', '')}`{trail}"
        if tag == "a":
            href = (el.get("href") or "").strip()
            if href.startswith(("http://", "https://")) and not self.same_document(href):
                return f"{lead}[{inner}]({href.replace(')', '%29').replace(' ', '%20')}){trail}"
        return text

    def same_document(self, href: str) -> bool:
        parts, base = urlsplit(href), urlsplit(self.base_url)
        return bool(parts.fragment) and parts.netloc == base.netloc and parts.path.rstrip("/").startswith(base.path.rstrip("/"))

    def image(self, el) -> str:
        src = (el.get("src") or "").strip()
        if not src or src.startswith("data:"):
            return ""
        alt = " ".join((el.get("alt") or "").split())
        alt = "" if alt.lower() in ("refer to caption", "[uncaptioned image]") else alt
        return f"![{_escape(alt) or 'figure'}]({urljoin(self.base_url, src).replace(')', '%29').replace(' ', '%20')})"

    def note(self, el) -> str:
        content = next((c for c in el.iter() if "ltx_note_content" in _classes(c)), None)
        text = _SPACE.sub(" ", self.inline(content)).strip() if content is not None else ""
        if not text:
            return ""
        self.notes.append(text)
        return f"[^{len(self.notes)}]"

    # -- blocks ------------------------------------------------------------------------------
    def blocks(self, el) -> list[str]:
        out: list[str] = []
        buffer = [_escape(el.text or "")]

        def flush():
            text = _SPACE.sub(" ", "".join(buffer)).strip()
            if text:
                out.append(text)
            buffer.clear()

        for child in el:
            if not isinstance(child.tag, str):
                buffer.append(_escape(child.tail or ""))
                continue
            tag, classes = child.tag.lower(), _classes(child)
            if tag in _SKIPPED_TAGS or classes & _SKIPPED_CLASSES:
                pass
            elif tag in _BLOCK_TAGS or (tag == "math" and child.get("display") == "block"):
                flush()
                out.extend(self.block(child))
            else:
                buffer.append(self.inline_element(child))
            buffer.append(_escape(child.tail or ""))
        flush()
        return out

    def block(self, el) -> list[str]:
        tag, classes = el.tag.lower(), _classes(el)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return self.heading(el, int(tag[1]))
        if tag == "math":
            return [_math_markdown(_tex(el), True)]
        if "ltx_bibliography" in classes:
            return self.bibliography(el)
        if tag == "table" and ("ltx_equation" in classes or "ltx_equationgroup" in classes or "ltx_eqn_table" in classes):
            return self.equations(el)
        if tag == "table":
            return self.table(el)
        if tag == "figure":
            return self.figure(el)
        if tag in ("ul", "ol"):
            return self.list(el, ordered=tag == "ol")
        if tag == "blockquote":
            return ["\n".join("> " + line for line in "\n\n".join(self.blocks(el)).splitlines())]
        if tag == "pre" or "ltx_listing" in classes:
            return self.code(el)
        return self.blocks(el)

    def heading(self, el, level: int) -> list[str]:
        text = _SPACE.sub(" ", self.inline(el)).strip()
        if not text:
            return []
        if level == 1 and not self.title:
            self.title = text
        if "ltx_title_abstract" in _classes(el):  # LaTeXML's <h6>: the abstract is a section like the others
            level = 2
        section = el.getparent()
        anchor = section.get("id", "") if section is not None and section.tag in ("section", "div") else ""
        if level > 1:
            self.sections.append({"level": level, "title": text, "anchor": anchor})
        return [f"{'#' * level} {text}"]

    def equations(self, el) -> list[str]:
        out = []
        for row in el.iter("tr"):
            tex = " ".join(_tex(m) for m in row.iter("math"))
            number = next((_SPACE.sub(" ", t.text_content()).strip() for t in row.iter()
                           if "ltx_tag_equation" in _classes(t)), "")  # fmt: skip
            if tex.strip():
                out.append(_math_markdown(tex, True) + (f" {_escape(number)}" if number else ""))
        return out

    def table(self, el) -> list[str]:
        rows = []
        for tr in el.iter("tr"):
            if tr.getparent() is not None and next(tr.iterancestors("table"), None) is not el:
                continue  # a table nested in a cell is flattened into that cell
            cells = [_SPACE.sub(" ", self.inline(td)).strip().replace("|", "\\|") for td in tr if isinstance(td.tag, str)
                     and td.tag.lower() in ("td", "th")]  # fmt: skip
            if any(cells):
                rows.append(cells)
        if not rows:
            return []
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return ["\n".join(lines)]

    def figure(self, el) -> list[str]:
        out, caption = [], ""
        for child in el:
            if not isinstance(child.tag, str):
                continue
            tag = child.tag.lower()
            if tag == "figcaption":
                caption = _SPACE.sub(" ", self.inline(child)).strip()
            elif tag == "img":
                out.append(self.image(child))
            elif tag in ("table", "figure", "div", "p", "span", "a"):
                if tag in ("table", "figure") or child.find(".//table") is not None:
                    out.extend(self.block(child))
                else:
                    out.extend(filter(None, (self.image(img) for img in child.iter("img"))))
        if caption:
            # The figure's own image link carries its caption (the alt arXiv writes is "Refer to caption").
            if out and out[0].startswith("![figure]("):
                out[0] = f"![{caption}]" + out[0][len("![figure]") :]
            else:
                out.append(f"*{caption}*")
        return out

    def list(self, el, ordered: bool) -> list[str]:
        lines = []
        for number, li in enumerate((c for c in el if isinstance(c.tag, str) and c.tag.lower() == "li"), start=1):
            body = self.blocks(li)
            if not body:
                continue
            marker = f"{number}." if ordered else "-"
            first, *rest = "\n\n".join(body).splitlines()
            # LaTeXML writes the bullet or number itself (<span class="ltx_tag_item">•</span>)
            first = re.sub(r"^(?:•|∙|–|-|\(?\d+[.)]|\([a-z]\))\s+", "", first)
            lines.append(f"{marker} {first}")
            lines += ["   " + line if line else "" for line in rest]
        return ["\n".join(lines)] if lines else []

    def code(self, el) -> list[str]:
        lines = [
            _SPACE.sub(" ", line.text_content()).rstrip() for line in el.iter() if "ltx_listingline" in _classes(line)
        ] or el.text_content().strip("\n").splitlines()
        body = "\n".join(lines).replace("```", "` ` `")
        return [f"```\n{body}\n```"] if body.strip() else []

    def bibliography(self, el) -> list[str]:
        items = []
        for li in el.iter("li"):
            if "ltx_bibitem" not in _classes(li):
                continue
            text = _SPACE.sub(" ", self.inline(li)).strip()
            if text:
                self.references.append({"anchor": li.get("id", ""), "text": text})
                items.append(f"- {text}")
        self.sections.append({"level": 2, "title": "References", "anchor": el.get("id", "")})
        return ["## References", "\n".join(items)] if items else ["## References"]


def html_to_markdown(html: bytes | str, base_url: str) -> Converted:
    """arXiv's LaTeXML page of a paper as markdown (see the module docstring); raises NoDocument."""
    root = lxml.html.document_fromstring(html)
    document = next(iter(root.xpath('//article[contains(concat(" ", @class, " "), " ltx_document ")]')), None)
    if document is None:
        raise NoDocument("the page has no LaTeXML document")
    base = root.find(".//base")
    base_url = urljoin(base_url, base.get("href")) if base is not None and base.get("href") else base_url
    converter = _Converter(base_url)
    blocks = converter.blocks(document)
    if converter.notes:
        blocks.append("\n".join(f"[^{i}]: {text}" for i, text in enumerate(converter.notes, start=1)))
    markdown = "\n\n".join(b for b in blocks if b.strip()) + "\n"
    return Converted(converter.title, markdown, converter.sections, converter.references)


# -- fetching ------------------------------------------------------------------------------------


def html_url(paper_id: str) -> str:
    return settings.DAILYPAPERS_ARXIV_HTML_URL.format(id=paper_id)


def needs_fetch(paper, stored) -> bool:
    """Whether ``paper``'s full text is to be fetched: none yet, an older version, or a failure a day old."""
    if stored is None:
        return True
    if stored.status == stored.Status.FAILED:
        return timezone.now() - stored.fetched_at >= RETRY_FAILED_AFTER
    return stored.version is not None and paper.version > stored.version


def fetch_full_text(paper, *, timeout: float | None = None):
    """Fetch, convert and store ``paper``'s full text; returns its ``PaperFullText``.

    404 (arXiv has no HTML for it) or a page without a document: status ``no_html``; a network or
    server error: ``failed`` with the reason (tried again a day later). Never raises for arXiv's
    answers.
    """
    from dailypapers.papers.models import PaperFullText

    url = html_url(paper.id)
    fields = {"source_url": url, "license": paper.license, "version": paper.version, "fetched_at": timezone.now(),
              "markdown": "", "sections": [], "references": [], "error": ""}  # fmt: skip
    wait_for_arxiv_slot()
    try:
        response = requests.get(url, timeout=timeout or settings.DAILYPAPERS_ARXIV_TIMEOUT, stream=True,
                                headers={"User-Agent": settings.DAILYPAPERS_ARXIV_USER_AGENT, "Accept": HTML_ACCEPT})  # fmt: skip
        with response:
            body = response.raw.read(MAX_HTML_BYTES + 1, decode_content=True) if response.status_code == 200 else b""
    except requests.RequestException as exc:
        fields.update(status=PaperFullText.Status.FAILED, error=f"no answer from arXiv ({type(exc).__name__})")
    else:
        if response.status_code == 404:
            fields.update(status=PaperFullText.Status.NO_HTML, error="arXiv has no HTML version of this paper")
        elif response.status_code != 200:
            fields.update(status=PaperFullText.Status.FAILED, error=f"arXiv answered HTTP {response.status_code}")
        elif len(body) > MAX_HTML_BYTES:
            fields.update(status=PaperFullText.Status.FAILED, error=f"the page is larger than {MAX_HTML_BYTES} bytes")
        else:
            try:
                converted = html_to_markdown(body, response.url or url)
            except (NoDocument, ValueError) as exc:  # lxml raises ParserError (a ValueError) on an empty page
                fields.update(status=PaperFullText.Status.NO_HTML, error=f"arXiv's page is not a paper: {exc}")
            else:
                fields.update(status=PaperFullText.Status.OK, markdown=converted.markdown,
                              sections=converted.sections, references=converted.references)  # fmt: skip
    full_text, _ = PaperFullText.objects.update_or_create(paper=paper, defaults=fields)
    return full_text


@dataclass
class FullTextRun:
    fetched: int = 0
    no_html: int = 0
    failed: int = 0

    def summary(self) -> str:
        return f"{self.fetched} full texts, {self.no_html} without HTML, {self.failed} failed"


def fetch_recent_full_texts(days: int, limit: int) -> FullTextRun:
    """The full texts of the arXiv papers on the last ``days`` days' pages that need one, at most ``limit``."""
    from dailypapers.papers.identifiers import is_arxiv_id
    from dailypapers.papers.models import DailyEntry, PaperFullText

    since = timezone.localdate() - dt.timedelta(days=days)
    run = FullTextRun()
    entries = DailyEntry.objects.filter(date__gte=since).select_related("paper").order_by("-date", "-submitted_at")
    stored = {f.paper_id: f for f in PaperFullText.objects.filter(paper__daily_entry__date__gte=since)}
    for entry in entries.iterator():
        if run.fetched + run.no_html + run.failed >= limit:
            break
        paper = entry.paper
        if not is_arxiv_id(paper.id) or not needs_fetch(paper, stored.get(paper.id)):
            continue
        status = fetch_full_text(paper).status
        if status == PaperFullText.Status.OK:
            run.fetched += 1
        elif status == PaperFullText.Status.NO_HTML:
            run.no_html += 1
        else:
            run.failed += 1
    return run
