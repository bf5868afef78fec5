"""arXiv's record formats mapped onto the pipeline's import shape (README, "Import format").

Pure functions with no Django imports, so benchmarks and tools can use them without settings:
the metadata snapshot (Kaggle-style JSON lines). (arXiv ids and URLs: ``papers.identifiers``.)
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from typing import Any

from dailypapers.ingest.arxiv_authors import author_names, tex_to_unicode

_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}
# "Mon, 2 Apr 2007 19:18:42 GMT", the date format of the snapshot's ``versions[].created``.
_RFC2822 = re.compile(r"^\w{3}, (\d{1,2}) (\w{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$")
# The snapshot has no withdrawal flag: arXiv's withdrawal notice is the last version's comments,
# "This paper has been withdrawn by the author(s) ..." (0704.0156 in the committed real sample).
_WITHDRAWN = re.compile(r"^\W*this\s+(?:paper|article|manuscript|submission|preprint|work|note)\s+has\s+been\s+withdrawn\b", re.IGNORECASE)

def parse_rfc2822(value: str) -> str | None:
    """ISO 8601 for the snapshot's version dates; None when there is none or it is unreadable."""
    if not value:
        return None
    m = _RFC2822.match(value)
    if m and m.group(2) in _MONTHS:
        day, month, year, hh, mm, ss = m.groups()
        return f"{year}-{_MONTHS[month]:02d}-{int(day):02d}T{hh}:{mm}:{ss}+00:00"
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return value  # let the pipeline reject it with its own message
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.isoformat()


def parsed_author_names(parsed: list) -> list[str]:
    """The snapshot's ``authors_parsed`` as names in order: :func:`author_name` of each, the empty ones left out."""
    names = []
    for parts in parsed:
        if type(parts) is list and len(parts) == 3 and parts[2] == "":  # nearly every author: inline
            last, first, _ = parts
            if type(last) is str and type(first) is str and last and first and last.strip() == last and first.strip() == first:
                name = f"{first} {last}"
                if "\\" not in name and "{" not in name:  # TeX: converted by author_name
                    names.append(name)
                    continue
        name = author_name(parts)
        if name:
            names.append(name)
    return names


def author_name(parts: Any) -> str:
    """``["Vaswani", "Ashish", ""]`` (last, first, suffix) -> ``"Ashish Vaswani"``."""
    if type(parts) is list and len(parts) == 3 and parts[2] == "":  # nearly every author: a shortcut
        last, first, _ = parts
        if (
            type(last) is str and type(first) is str and last and first and last.strip() == last and first.strip() == first
            and "\\" not in last and "\\" not in first and "{" not in last and "{" not in first  # TeX: converted below
        ):  # fmt: skip
            return f"{first} {last}"
    if not isinstance(parts, list) or not parts:
        return ""
    last = parts[0] if isinstance(parts[0], str) else ""
    first = parts[1] if len(parts) > 1 and isinstance(parts[1], str) else ""
    suffix = parts[2] if len(parts) > 2 and isinstance(parts[2], str) else ""
    name = " ".join(p for p in (first.strip(), last.strip(), suffix.strip()) if p)
    if "\\" in name or "{" in name:  # TeX left in (rare): the same Unicode as the author-string parser
        name = tex_to_unicode(name)
    return name if any(ch.isalnum() for ch in name) else ""


def snapshot_to_import(record: dict[str, Any]) -> dict[str, Any]:
    """Map one arXiv metadata-snapshot record onto the pipeline's import shape.

    Nothing is validated here: malformed values pass through for the pipeline to reject with a
    reason, so every problem is reported in one place.
    """
    versions = record.get("versions")
    if not isinstance(versions, list):
        versions = []
    created = [v.get("created") for v in versions if isinstance(v, dict)]
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        authors: Any = parsed_author_names(parsed)
    elif isinstance(record.get("authors"), str):
        authors = author_names(record["authors"])  # the raw line, split as arXiv's own parser would
    else:
        authors = record.get("authors")
    last_version = versions[-1].get("version") if versions and isinstance(versions[-1], dict) else None
    version = None
    if isinstance(last_version, str) and last_version[1:].isdigit():
        version = int(last_version[1:])
    categories = record.get("categories")
    comments = record.get("comments")
    if created:
        published = parse_rfc2822(created[0])
        updated = published if len(created) == 1 else parse_rfc2822(created[-1])  # most papers: one version
    else:
        published = updated = record.get("update_date")
    return {
        "id": record.get("id"),
        "title": record.get("title"),
        "abstract": record.get("abstract"),
        "authors": authors,
        "categories": categories,
        # The snapshot lists the primary category first.
        "primary_category": categories.split(None, 1)[0] if isinstance(categories, str) and not categories.isspace() and categories else None,
        "published": published,
        "updated": updated,
        "version": version,
        "doi": record.get("doi"),
        "journal_ref": record.get("journal-ref"),
        "comments": comments,
        "license": record.get("license"),
        "report_no": record.get("report-no"),
        "withdrawn": type(comments) is str and _WITHDRAWN.match(comments) is not None,
    }
