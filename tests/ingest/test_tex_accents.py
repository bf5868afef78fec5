"""A TeX accent written over a letter that is already accented (``G\\ábor``, as arXiv's own server
emits from some records) keeps the letter: the stray backslash goes, the rest of the name stays."""

from pathlib import Path

import pytest
from lxml import etree

from dailypapers.ingest.arxiv_authors import author_names, structured_author_name, tex_to_unicode
from dailypapers.ingest.pipeline import IngestPipeline
from dailypapers.ingest.sources.arxiv_oai import record_to_item
from dailypapers.papers.models import Paper

REAL = Path(__file__).parent / "fixtures" / "real"


@pytest.mark.parametrize(
    ("tex", "name"),
    [
        ("G\\ábor Sz\\ékelyhidi", "Gábor Székelyhidi"),  # the outside check's case: was "GSz"
        ("Jos\\'e Mu\\~noz", "José Muñoz"),  # a real accent command still works
        ("\\Ärger {\\o}stergaard", "Ärger østergaard"),
        ("J\\\"org M\\\"uller", "Jörg Müller"),
    ],
)
def test_accent_on_an_accented_letter_keeps_the_name(tex, name):
    assert tex_to_unicode(tex) == name


def test_author_lines_and_structured_names_keep_both_authors():
    assert author_names("G\\ábor Sz\\ékelyhidi and L\\ászl\\ó Sz\\'ekelyhidi") == ["Gábor Székelyhidi", "László Székelyhidi"]
    assert structured_author_name("Sz\\ékelyhidi", "G\\ábor") == "Gábor Székelyhidi"


@pytest.mark.django_db
def test_a_real_arxivraw_record_with_the_stray_backslash_is_stored_with_the_names():
    # arXiv's recorded GetRecord answer, its author line as arXiv emits it for such a record.
    text = (REAL / "export_arxiv_oai2_getrecord_arxivraw_1302.2146.xml").read_text(encoding="utf-8")
    text = text.replace("Joshua Berger, Maxim Perelstein", "G\\ábor Sz\\ékelyhidi, Maxim Perelstein")
    record = next(etree.fromstring(text.encode()).iter("{http://www.openarchives.org/OAI/2.0/}record"))
    assert IngestPipeline("arxiv-oai").run([record_to_item(record)]).created == 1
    names = [a.name for a in Paper.objects.get(pk="1302.2146").ordered_authors()]
    assert names[:2] == ["Gábor Székelyhidi", "Maxim Perelstein"]
