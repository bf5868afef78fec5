"""Background work of the enrichment room, run by ``dailypapers worker``."""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)

# Papers per back-catalogue task: ~40 s of keyword extraction on one core, so other tasks get the worker between.
CATALOGUE_SLICE = 5000


@task()
def enrich_papers(paper_ids: list[str]) -> dict:
    """Links and keywords of papers that just arrived or changed."""
    from dailypapers.enrichment.services import enrich

    report = enrich(paper_ids)
    return {"papers": report.papers, "keywords": report.keywords, "links": report.links}


@task()
def enrich_catalogue(after: str = "") -> dict:
    """The back catalogue after a bulk load, a slice per run, each run queueing the next."""
    from dailypapers.enrichment.services import enrich_catalogue as enrich_slice

    report, last = enrich_slice(after, CATALOGUE_SLICE, missing_only=True)
    if last:
        enrich_catalogue.enqueue(last)
    log.info("enrichment of the back catalogue after %r: %s papers, next after %r", after, report.papers, last)
    return {"papers": report.papers, "keywords": report.keywords, "links": report.links, "next": last}
