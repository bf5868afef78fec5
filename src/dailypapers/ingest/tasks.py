"""Background tasks of the ingest room, run by ``dailypapers worker``."""

from __future__ import annotations

import logging

from django.conf import settings
from django_tasks import task

log = logging.getLogger(__name__)


@task()
def harvest_arxiv(period_key: str) -> dict:
    """The daily harvest: every configured set, from where its last harvest stopped.

    ``period_key`` (the day the run fell due) only names the run; each set's checkpoint decides
    what is fetched, so a late or repeated run neither skips nor re-fetches anything. A set never
    harvested before starts at the previous day.
    """
    import datetime as dt

    from dailypapers.ingest.pipeline import IngestPipeline
    from dailypapers.ingest.sources.arxiv_oai import SOURCE, HarvestError, OaiHarvest

    summaries = {}
    for set_spec in settings.DAILYPAPERS_HARVEST_SETS:
        try:
            try:
                harvest = OaiHarvest(set_spec, metadata_prefix=settings.DAILYPAPERS_HARVEST_FORMAT)
            except HarvestError:  # first harvest of this set: start with the day before
                start = dt.date.fromisoformat(period_key) - dt.timedelta(days=1)
                harvest = OaiHarvest(set_spec, from_date=start, metadata_prefix=settings.DAILYPAPERS_HARVEST_FORMAT)
            report = IngestPipeline(SOURCE, detail=harvest.detail).run(harvest.items())
            summaries[set_spec] = report.summary()
            log.info("harvest %s (%s): %s", set_spec, period_key, report.summary())
        except HarvestError as exc:  # one set failing must not stop the others; its checkpoint is kept
            summaries[set_spec] = f"failed: {exc}"
            log.error("harvest %s (%s) failed: %s", set_spec, period_key, exc)
    return summaries
