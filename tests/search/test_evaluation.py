import importlib.util
import json
import math
import re
import unicodedata
from pathlib import Path

import pytest
from django.core.management import call_command

from dailypapers.ingest.arxiv_authors import tex_to_unicode
from dailypapers.ingest.sources.sample import sample_rows
from dailypapers.search.evaluation import (
    CLASSES,
    arxiv_records,
    assign_splits,
    generated_author_queries,
    generated_title_queries,
    hit,
    ndcg,
    plain_rrf,
    recall,
    relevance_data,
    relevance_set,
)

ROOT = Path(__file__).resolve().parents[2]


def _build_script():
    spec = importlib.util.spec_from_file_location("build_relevance_set", ROOT / "scripts/build_relevance_set.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the judged set -------------------------------------------------------------------------
def test_the_set_has_every_class_in_both_halves():
    queries = relevance_data()["queries"]
    assert len(queries) >= 150
    for cls in CLASSES:
        members = [q for q in queries if q["class"] == cls]
        assert len(members) >= 20, cls
        dev = sum(q["split"] == "dev" for q in members)
        test = sum(q["split"] == "test" for q in members)
        assert dev >= 10 and test >= 10 and abs(dev - test) <= 1 or cls == "description", (cls, dev, test)
    assert {q["split"] for q in queries} == {"dev", "test"}
    # The queries the fusion was first tuned on never reach the test half.
    tuned = [q for q in queries if q.get("tuned")]
    assert len(tuned) == 23 and all(q["split"] == "dev" for q in tuned)
    assert len({(q["class"], q["query"]) for q in queries}) == len(queries)


def test_every_relevant_title_is_a_sample_paper():
    titles = {row["title"] for row in sample_rows()}
    for q in relevance_data()["queries"]:
        assert q["relevant"], q["query"]
        if q.get("corpus") == "arxiv":
            continue
        missing = [t for t in q["relevant"] if t not in titles]
        assert not missing, (q["query"], missing)


def test_topical_queries_have_several_relevant_papers_on_average():
    queries = relevance_data()["queries"]
    for cls in ("keyword", "description"):
        sizes = [len(q["relevant"]) for q in queries if q["class"] == cls]
        assert sum(sizes) / len(sizes) >= 2.5, cls


def test_stored_set_is_what_the_build_script_makes():
    """Generated title queries and splits are reproducible, so nobody edits them by hand."""
    build = _build_script()
    stored = relevance_data()
    assert build.build(stored, build.sample_titles(), build.arxiv_records()) == stored


def test_title_prefixes_count_every_paper_starting_the_same():
    titles = ["Towards a Unified View of Large Language Model Post-Training",
              "Towards a Unified View of Parameter-Efficient Transfer Learning",
              "Pointer Networks", "Dataset Quantization", "Anchored Supervised Fine-Tuning"]  # fmt: skip
    queries = generated_title_queries(titles, per_class=2, seed=0)
    assert [q["class"] for q in queries] == ["title", "title", "title_prefix", "title_prefix"]
    for q in queries[2:]:
        words = q["query"].split()
        assert 3 <= len(words) <= 5
        assert q["relevant"] == [t for t in titles if t.lower().startswith(q["query"].lower())]
        assert q["query"] not in titles  # a prefix, never the whole title
    assert generated_title_queries(titles, per_class=2, seed=0) == queries


def test_splits_pin_tuned_queries_to_dev_and_halve_each_class():
    queries = [{"query": f"q{i}", "class": "keyword"} for i in range(9)]
    queries += [{"query": f"d{i}", "class": "description", "tuned": i < 4} for i in range(6)]
    split = assign_splits(queries)
    keyword = [q["split"] for q in split if q["class"] == "keyword"]
    assert keyword.count("test") == 4 and keyword.count("dev") == 5
    description = {q["query"]: q["split"] for q in split if q["class"] == "description"}
    assert all(description[f"d{i}"] == "dev" for i in range(4))
    assert description["d4"] == description["d5"] == "test"
    # The split depends on the queries' text, not on their order in the file.
    reordered = {q["query"]: q["split"] for q in assign_splits(list(reversed(queries)))}
    assert reordered == {q["query"]: q["split"] for q in split}


def test_relevance_set_filters_by_split():
    dev, test, everything = relevance_set("dev"), relevance_set("test"), relevance_set()
    assert len(dev) + len(test) == len(everything)
    assert {q["split"] for q in dev} == {"dev"} and {q["split"] for q in test} == {"test"}
    with pytest.raises(ValueError):
        relevance_set("train")


# -- metrics, on examples computed by hand --------------------------------------------------
def test_ndcg_on_hand_computed_examples():
    assert ndcg(["a", "b", "c"], {"a"}) == 1.0
    assert ndcg(["x", "a"], {"a"}) == pytest.approx(1 / math.log2(3))  # 0.6309
    # Relevant at ranks 1 and 3 of 2 relevant: (1 + 1/log2(4)) / (1 + 1/log2(3)) = 1.5 / 1.6309
    assert ndcg(["a", "x", "b"], {"a", "b"}) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert ndcg(["x"] * 10 + ["a"], {"a"}) == 0.0  # past the cutoff
    # More relevant papers than the cutoff: the ideal is ten hits.
    relevant = {f"r{i}" for i in range(12)}
    assert ndcg([f"r{i}" for i in range(10)], relevant) == pytest.approx(1.0)
    assert ndcg([], {"a"}) == 0.0 and ndcg(["a"], set()) == 0.0


def test_recall_and_hit_on_hand_computed_examples():
    assert recall(["a", "x", "b"], {"a", "b", "c", "d"}) == 0.5
    assert recall(["x"] * 10 + ["a"], {"a"}) == 0.0
    assert recall(["a"], set()) == 0.0
    assert hit(["x", "y", "a"], {"a"}) == 1.0
    assert hit(["x", "y", "z", "a"], {"a"}) == 0.0


def test_plain_rrf_uses_k_60_and_equal_weights():
    # a: 1/61 + 1/63, b: 1/62 + 1/61, c: 1/63 + 1/62.
    fused = plain_rrf(["a", "b", "c"], ["b", "c", "a"])
    scores = {"a": 1 / 61 + 1 / 63, "b": 1 / 62 + 1 / 61, "c": 1 / 63 + 1 / 62}
    assert fused == sorted(scores, key=lambda pid: -scores[pid])
    assert plain_rrf(["a"], []) == ["a"]


# -- the command on the ingested sample (needs the embedding model, which ships in the venv) --
def unaccented(text):
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def test_author_queries_name_real_records_by_surname_and_by_person():
    records = arxiv_records()
    queries = generated_author_queries(records, per_form=20, seed=0)
    assert [q["class"] for q in queries] == ["author"] * 40 and all(q["corpus"] == "arxiv" for q in queries)
    ids = {r["id"] for r in records}
    surnames, people = queries[:20], queries[20:]
    for q in queries:
        assert q["relevant"] and set(q["relevant"]) <= ids
        assert all(ord(ch) < 128 for ch in q["query"]) or q in people  # surnames typed without accents
    # Each surname's papers name it in the records' raw author strings too (arXiv's own TeX, read
    # independently of the parsed lists the queries came from).
    for q in surnames:
        raw = {r["id"] for r in records if re.search(rf"\b{re.escape(q['query'])}\b", unaccented(tex_to_unicode(r["authors"])), re.I)}
        assert set(q["relevant"]) <= raw, q
    assert any(" " in q["query"] and "." in q["query"] for q in people)  # "C. Balázs": initials as arXiv gives them
    assert generated_author_queries(records, per_form=20, seed=0) == queries


def test_index_evaluate_without_the_arxiv_records_skips_the_author_class_and_says_how(sample_papers, capsys):
    call_command("index", "evaluate", "--split", "dev", "--json")
    report = json.loads(capsys.readouterr().out)
    assert "author" not in report["classes"] and "dailypapers ingest snapshot" in report["skipped"]["author"]
    assert report["queries"] == len([q for q in relevance_set("dev") if q["class"] != "author"])


def test_index_evaluate_prints_the_table_per_class(sample_papers, arxiv_records, capsys):
    call_command("index", "evaluate")
    out = capsys.readouterr().out
    assert out.startswith("split test: ")
    header = next(line for line in out.splitlines() if line.startswith("class"))
    assert header.split()[3:] == ["hybrid", "lexical", "vector", "bm25s", "rrf"]
    for cls in CLASSES:
        assert any(line.startswith(cls + " ") for line in out.splitlines()), cls
    assert "hit@3" in out and "recall@10" in out and out.count("ndcg@10") == len(CLASSES) + 1

    call_command("index", "evaluate", "--split", "dev", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["split"] == "dev" and report["queries"] == len(relevance_set("dev"))
    assert set(report["classes"]) == set(CLASSES) and report["skipped"] == {}
    assert set(report["modes"]) == {"hybrid", "lexical", "vector", "bm25s", "rrf"}
    # Exact titles are the easiest class: every mode and baseline finds each paper first.
    assert all(scores["hit@3"] == 1.0 for scores in report["classes"]["title"]["modes"].values())
    # Descriptions are paraphrases: the vectors carry the hybrid well above the keyword half.
    descriptions = report["classes"]["description"]["modes"]
    assert descriptions["hybrid"]["ndcg@10"] > descriptions["lexical"]["ndcg@10"] + 0.05
    assert len(report["per_query"]) == report["queries"]


@pytest.mark.django_db
def test_index_evaluate_without_the_sample_says_what_to_run():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="dailypapers ingest sample"):
        call_command("index", "evaluate")


def test_the_bm25s_baseline_takes_any_corpus():
    """bench/public_ir.py judges public test collections with the same baseline as the judged set."""
    from dailypapers.search.evaluation import BM25sBaseline

    baseline = BM25sBaseline.from_texts(
        ["a", "b", "c"], ["wing flutter at supersonic speed", "boundary layer transition", "flutter of panels in supersonic flow"]
    )
    assert baseline.search("supersonic flutter")[:2] == ["a", "c"] or baseline.search("supersonic flutter")[:2] == ["c", "a"]
    assert "b" not in baseline.search("supersonic flutter") and baseline.search("the of") == []
