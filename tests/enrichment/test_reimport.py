"""A re-import of a changed record keeps the shown code link until enrichment picks again (issue 26)."""

import pytest
from django.core.management import call_command

from dailypapers.ingest.pipeline import IngestPipeline, SourceItem
from dailypapers.papers.models import Paper

pytestmark = pytest.mark.django_db

ABSTRACT = "We release code at https://github.com/acme/fast-attention and a demo."


def ingest(**record):
    data = {"id": "2406.01234", "title": "Fast attention", "abstract": ABSTRACT, "published": "2024-06-03", **record}
    report = IngestPipeline("jsonl").run([SourceItem(location="record", data=data)])
    assert report.rejected == 0, report.rejections


def test_a_new_version_without_links_keeps_the_found_repository():
    ingest(version=1)
    call_command("enrich", "2406.01234", verbosity=0)
    assert Paper.objects.get(pk="2406.01234").github_repo == "https://github.com/acme/fast-attention"
    ingest(version=2, abstract=ABSTRACT + " Revised.")  # no github_repo in the record; the worker has not run
    paper = Paper.objects.get(pk="2406.01234")
    assert paper.version == 2 and paper.abstract.endswith("Revised.")
    assert paper.github_repo == "https://github.com/acme/fast-attention"
    ingest(version=2, abstract=ABSTRACT + " Revised.")  # the same record again changes nothing
    assert Paper.objects.get(pk="2406.01234").modified_at == paper.modified_at


def test_a_record_s_own_repository_is_still_written():
    ingest(version=1, github_repo="https://github.com/acme/old")
    ingest(version=2, github_repo="https://github.com/acme/new", project_page="https://acme.github.io/fa")
    paper = Paper.objects.get(pk="2406.01234")
    assert (paper.github_repo, paper.project_page) == ("https://github.com/acme/new", "https://acme.github.io/fa")
