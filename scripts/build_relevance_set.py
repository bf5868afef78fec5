"""Rewrite src/dailypapers/search/relevance/queries.json: keep the hand-judged queries, regenerate
the title and title-prefix queries from the sample's titles and the author-name queries from the
bundled real arXiv records, and assign every query its split.

    PYTHONPATH=src python scripts/build_relevance_set.py

Deterministic: running it again without changes to the sample or the hand-judged queries changes
nothing (the test suite checks the stored file against it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import os  # noqa: E402

import django  # noqa: E402

from dailypapers.lib.datadir import prepare_data_dir  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
prepare_data_dir()
django.setup()  # evaluation imports the papers models

from dailypapers.search.evaluation import arxiv_records, assign_splits, generated_author_queries, generated_title_queries  # noqa: E402

QUERIES = ROOT / "src/dailypapers/search/relevance/queries.json"
SAMPLE = ROOT / "src/dailypapers/data/sample_papers.jsonl"


def build(data: dict, titles: list[str], records: list[dict]) -> dict:
    hand = [{k: v for k, v in q.items() if k != "split"} for q in data["queries"] if not q.get("generated")]
    generated = [{**q, "generated": True} for q in generated_title_queries(titles) + generated_author_queries(records)]
    return {**data, "queries": assign_splits(hand + generated)}


def sample_titles() -> list[str]:
    return [json.loads(line)["title"] for line in SAMPLE.read_text("utf-8").splitlines() if line.strip()]


def main() -> None:
    data = build(json.loads(QUERIES.read_text("utf-8")), sample_titles(), arxiv_records())
    QUERIES.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")
    counts = {}
    for q in data["queries"]:
        counts[(q["class"], q["split"])] = counts.get((q["class"], q["split"]), 0) + 1
    print(len(data["queries"]), "queries:", ", ".join(f"{c}/{s} {n}" for (c, s), n in sorted(counts.items())))


if __name__ == "__main__":
    main()
