"""Thumbnails from arXiv: the worker downloads a paper's PDF (the site-wide arXiv request slot,
``sources.arxiv_limit``) and renders its first page (``papers.thumbnails``).

Off unless ``DAILYPAPERS_THUMBNAILS`` is on: every thumbnail is one PDF download from arXiv. The
papers are those of the last ``DAILYPAPERS_THUMBNAIL_DAYS`` days' pages without a thumbnail, most
upvoted first; one whose PDF failed waits a week before the next try.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from dailypapers.ingest.sources.arxiv_limit import wait_for_arxiv_slot
from dailypapers.papers.models import Paper
from dailypapers.papers.thumbnails import MAX_PDF_BYTES, ThumbnailError, mark_failed, render_first_page, store_thumbnail

log = logging.getLogger(__name__)
RETRY_FAILED_AFTER = dt.timedelta(days=7)


class PdfUnavailable(Exception):
    """arXiv did not give the PDF (network, HTTP error, too large); tried again on a later run."""


def fetch_pdf(paper_id: str) -> bytes:
    url = settings.DAILYPAPERS_ARXIV_PDF_URL.format(id=paper_id)
    wait_for_arxiv_slot()
    request = urllib.request.Request(url, headers={"User-Agent": settings.DAILYPAPERS_ARXIV_USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=settings.DAILYPAPERS_ARXIV_TIMEOUT) as response:  # noqa: S310 - the configured arXiv URL
            data = response.read(MAX_PDF_BYTES + 1)
    except (urllib.error.URLError, OSError) as exc:
        raise PdfUnavailable(f"{url}: {exc}") from exc
    if len(data) > MAX_PDF_BYTES:
        raise PdfUnavailable(f"{url}: larger than {MAX_PDF_BYTES // (1024 * 1024)} MB")
    return data


def papers_needing_thumbnails(days: int, limit: int, now: dt.datetime | None = None):
    now = now or timezone.now()
    since = timezone.localdate(now) - dt.timedelta(days=days)
    return (
        Paper.objects.filter(thumbnail="", daily_entry__date__gte=since)
        .filter(Q(thumbnail_failed_at__isnull=True) | Q(thumbnail_failed_at__lt=now - RETRY_FAILED_AFTER))
        .order_by("-upvotes", "-daily_entry__date", "id")[: max(limit, 0)]
    )


@dataclass
class ThumbnailRun:
    rendered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # paper id -> why (bad PDF: waits a week)
    unavailable: dict[str, str] = field(default_factory=dict)  # paper id -> why (tried next run)

    def summary(self) -> str:
        return f"{len(self.rendered)} rendered, {len(self.failed)} not renderable, {len(self.unavailable)} unavailable"


def make_thumbnails(days: int, limit: int, fetch=fetch_pdf) -> ThumbnailRun:
    run = ThumbnailRun()
    for paper in papers_needing_thumbnails(days, limit):
        if not paper.is_arxiv:
            continue  # no PDF to fetch (sample listings, other sources)
        try:
            store_thumbnail(paper, render_first_page(fetch(paper.pk)))
            run.rendered.append(paper.pk)
        except PdfUnavailable as exc:
            run.unavailable[paper.pk] = str(exc)
            log.warning("thumbnail of %s: %s", paper.pk, exc)
        except ThumbnailError as exc:
            mark_failed(paper)
            run.failed[paper.pk] = str(exc)
            log.warning("thumbnail of %s not rendered: %s", paper.pk, exc)
    return run
