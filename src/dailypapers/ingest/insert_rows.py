"""New papers as rows for the fast write paths (``sqlite_writes``' executemany, ``postgres_writes``'
COPY): the same values the ORM path writes (``writer.IngestPipeline._paper``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from dailypapers.ingest.records import PAPER_FIELDS, ValidatedItem
from dailypapers.papers.models import Organization, Paper

# In the order of the rows paper_rows builds.
PAPER_INSERT_COLUMNS = [
    "id", *(Paper._meta.get_field(name).column for name in PAPER_FIELDS), "member_upvotes", "num_comments",
    "keywords", "created_at", "modified_at",
]  # fmt: skip


def paper_rows(
    items: list[ValidatedItem], source: str, organization: Callable[[tuple[str, str] | None], Organization | None],
    adapt: Callable[[dt.datetime | None], object],
) -> list[tuple]:
    """The rows of these new papers in ``PAPER_INSERT_COLUMNS`` order, datetimes through ``adapt``."""
    now = adapt(timezone.now())
    rows = []
    for item in items:
        r = item.record
        org = organization(r.organization)
        rows.append((
            r.id, source, r.title, r.abstract, adapt(r.published_at), adapt(r.updated_at), r.version,
            # json.dumps' output: categories are plain ASCII (is_category), nothing to escape.
            '["' + '", "'.join(r.categories) + '"]' if r.categories else "[]", r.primary_category, r.doi, r.journal_ref,
            r.comments, r.license, r.report_no, adapt(r.withdrawn_at), r.github_repo, r.project_page, r.listed_author_count, r.imported_upvotes,
            org.pk if org else None, item.content_hash, 0, 0, "[]", now, now,  # keywords: enrichment's, later
        ))  # fmt: skip
    return rows
