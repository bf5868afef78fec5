"""Title queries (issue 14): a paper's exact title and its first 3, 4 or 5 words find it in the top 3,
checked for every paper (``index evaluate --titles``), not only for the judged queries."""

import json

import pytest
from django.core.management import call_command

from dailypapers.papers.models import Paper
from dailypapers.search import SearchQuery, evaluation, get_backend
from dailypapers.search.evaluation import TITLE_CHECK_TARGET, format_title_check, found_in_top, title_check, title_check_queries
from tests.search.conftest import run_index_tasks
from tests.search.test_search import ingest, record

pytestmark = pytest.mark.django_db

# Titles made of the corpus's commonest words, and abstracts that repeat them more often than the
# titles do: a title's first words only find it through the title (phrase and field), not by counts.
LLM_ABSTRACT = "Large language models are large. Language models of large size model language at large scale."
CORPUS = [
    record("2501.00001", "Large Language Models Can Self-Improve", "We fine-tune a model on its own reasoning traces."),
    record("2501.00002", "Large Language Models are Zero-Shot Reasoners", "Adding a sentence to the prompt elicits step-by-step answers."),
    record("2501.00003", "Language Models are Few-Shot Learners", "A 175B-parameter autoregressive network learns tasks from examples."),
    record("2501.00004", "Scaling Data for Language Models", LLM_ABSTRACT),
    record("2501.00005", "Efficient Inference at Scale", LLM_ABSTRACT + " We make serving cheaper."),
    record("2501.00006", "Towards a Unified View of Parameter-Efficient Transfer Learning", "Adapters, prefixes and LoRA are one family."),
    record("2501.00007", "Towards a Unified View of Large Language Model Post-Training", "Supervised and reinforcement fine-tuning compared."),
]


def test_every_title_and_its_first_words_are_checked():
    titles = {"a": "Pointer Networks", "b": "Towards a Unified View of X", "c": "Towards a Unified View of Y", "d": "Towards Everything"}
    queries = title_check_queries(titles)
    assert [(q["kind"], q["query"]) for q in queries if q["paper"] == "b"] == [
        ("title", "Towards a Unified View of X"),
        ("first 3 words", "Towards a Unified"),
        ("first 4 words", "Towards a Unified View"),
        ("first 5 words", "Towards a Unified View of"),
    ]
    # A two-word title has no prefix shorter than itself to check.
    assert [q["kind"] for q in queries if q["paper"] == "a"] == ["title"]
    prefix = next(q for q in queries if q["paper"] == "b" and q["kind"] == "first 4 words")
    assert prefix["same_start"] == {"b", "c"}


def test_a_paper_counts_as_found_in_the_top_3_or_behind_papers_starting_the_same():
    assert found_in_top(["x", "y", "a"], "a", {"a"})
    assert not found_in_top(["x", "y", "z", "a"], "a", {"a"})
    # Four titles start "Towards a Unified View": three of them filling the top 3 is a success.
    assert found_in_top(["b", "c", "d", "a"], "a", {"a", "b", "c", "d"})
    assert not found_in_top(["b", "x", "c", "a"], "a", {"a", "b", "c", "d"})
    assert not found_in_top(["b", "c"], "a", {"a", "b", "c"})


def test_title_prefixes_of_common_words_find_their_paper_in_the_top_3():
    ingest(CORPUS)
    backend = run_index_tasks()
    for text in ("Large Language Models are", "Large Language Models Can", "Language Models are Few-Shot", "Towards a Unified View of Large"):
        for mode in ("hybrid", "lexical"):
            top = [h.paper_id for h in backend.search(SearchQuery(text, mode=mode, limit=3)).hits]
            wanted = next(r["id"] for r in CORPUS if r["title"].startswith(text))
            assert wanted in top, (text, mode, top)
    report = title_check(backend, modes=("hybrid", "lexical"))
    assert report["papers"] == len(CORPUS)
    assert {kind: entry["queries"] for kind, entry in report["kinds"].items()} == {
        "title": 7, "first 3 words": 7, "first 4 words": 6, "first 5 words": 3,
    }  # fmt: skip
    assert all(share == 1.0 for entry in report["kinds"].values() for share in entry["modes"].values()), report["misses"]
    assert report["misses"] == {"hybrid": [], "lexical": []}
    table = format_title_check(report)
    assert "first 3 words" in table and "100.0%" in table and "hybrid misses: 0" in table


def test_index_evaluate_titles_adds_the_check(monkeypatch, capsys):
    ingest(CORPUS)
    run_index_tasks()
    # The judged set needs the bundled sample; the title check runs on whatever papers there are.
    monkeypatch.setattr(evaluation, "evaluate", lambda backend, split: {"split": split})
    monkeypatch.setattr(evaluation, "format_report", lambda report: f"judged set of {report['split']}")
    call_command("index", "evaluate", "--titles")
    out = capsys.readouterr().out
    assert out.startswith("judged set of test") and "title check: " in out and "first 5 words" in out
    call_command("index", "evaluate", "--split", "dev", "--titles", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["split"] == "dev" and set(report["title_check"]["kinds"]) == {"title", "first 3 words", "first 4 words", "first 5 words"}
    call_command("index", "evaluate")
    assert "title check" not in capsys.readouterr().out


def test_on_the_sample_titles_and_prefixes_find_their_paper_for_95_percent(sample_papers):
    # Every fifth sample paper (~250 searches): `index evaluate --titles` checks all of them.
    paper_ids = sorted(Paper.objects.values_list("pk", flat=True))[::5]
    report = title_check(get_backend(), modes=("hybrid",), paper_ids=paper_ids)
    assert report["papers"] == len(paper_ids) >= 60
    for kind, entry in report["kinds"].items():
        assert entry["modes"]["hybrid"] >= TITLE_CHECK_TARGET, (kind, entry, report["misses"]["hybrid"][:5])
