"""HTML character references become the characters they stand for, in every source and every text
field (issue 29: the bundled sample read "componentsx2013such": a listing scraped from HTML had lost
the ``&#`` and ``;`` of ``&#x2013;``). One rule, in ``normalize.clean_text``, which every field passes."""

import json

import pytest
from django.core.management import call_command

from dailypapers.ingest.normalize import decode_character_references, normalize_record
from dailypapers.papers.models import Paper


@pytest.mark.parametrize("raw, text", [
    ("components&#x2013;such as", "components–such as"),
    ("Llama-2 (7B)&#8212;a model", "Llama-2 (7B)—a model"),
    ("R&amp;D &lt;b&gt; &mdash; ok", "R&D <b> — ok"),
    ("componentsx2013such as", "components–such as"),  # the references' &# and ; lost on the way
    ("(7B)x2014a model", "(7B)—a model"),
    # Text that only looks a little like one stays as it is.
    ("AT&T and R&D; a & b", "AT&T and R&D; a & b"),
    ("the register 0x2013 and max2014 and x2013", "the register 0x2013 and max2014 and x2013"),
    ("&notareference; &#xZZ;", "&notareference; &#xZZ;"),
])
def test_references_decode_and_look_alikes_stay(raw, text):
    assert decode_character_references(raw) == text


def test_every_text_field_of_a_record_is_decoded():
    record = normalize_record({
        "id": "2401.00001", "title": "Fast &amp; Small", "abstract": "We stack componentsx2013such as layers.",
        "comments": "10 pages &ndash; code at https://github.com/a/b", "journal_ref": "J. Q&amp;A 3",
        "authors": ["Jos&eacute; Garc&#237;a"], "organization": "acme Acme &amp; Co",
    })
    assert record.title == "Fast & Small"
    assert record.abstract == "We stack components–such as layers."
    assert record.comments == "10 pages – code at https://github.com/a/b"
    assert record.journal_ref == "J. Q&A 3"
    assert record.authors == ("José García",)
    assert record.organization == ("acme", "Acme & Co")


def test_the_bundled_sample_has_no_mangled_reference_after_import(db):
    call_command("ingest", "sample", verbosity=0)
    paper = Paper.objects.get(title__startswith="Low-Precision Training of Large Language Models")
    assert "components–such as" in paper.abstract
    for text in Paper.objects.values_list("abstract", flat=True):
        assert "x2013" not in text and "x2014" not in text and "&#" not in text


def test_a_jsonl_import_decodes_too(db, tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_text(json.dumps({"id": "2401.00002", "title": "Q&amp;A at scale"}) + "\n")
    call_command("ingest", "jsonl", str(path), verbosity=0)
    assert Paper.objects.get(pk="2401.00002").title == "Q&A at scale"
