"""Relevance evaluation: nDCG@10 and recall@10 of each retrieval mode on the judged query set.

The set (``relevance/queries.json``) names papers of the bundled sample by title; the sample must
be ingested (``dailypapers ingest sample``). Sample papers without vectors are embedded first.
"""

from __future__ import annotations

import json
import math
from importlib import resources

from dailypapers.papers.models import Paper
from dailypapers.search.backends.base import MODES, SearchQuery

CUTOFF = 10


class RelevanceSetUnavailable(RuntimeError):
    pass


def relevance_set() -> list[dict]:
    from dailypapers.papers.identifiers import sample_paper_id

    data = json.loads(resources.files("dailypapers.search").joinpath("relevance/queries.json").read_text("utf-8"))
    return [{"query": q["query"], "relevant": {sample_paper_id(t) for t in q["relevant"]}} for q in data["queries"]]


def ndcg(ranked: list[str], relevant: set[str], k: int = CUTOFF) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, pid in enumerate(ranked[:k]) if pid in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def recall(ranked: list[str], relevant: set[str], k: int = CUTOFF) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def evaluate(backend, modes=MODES) -> dict:
    queries = relevance_set()
    needed = set().union(*(q["relevant"] for q in queries))
    present = set(Paper.objects.filter(pk__in=needed).values_list("pk", flat=True))
    if present != needed:
        raise RelevanceSetUnavailable(
            f"{len(needed - present)} judged sample papers are not in the database; run `dailypapers ingest sample`"
        )
    if hasattr(backend, "embed_pending"):
        backend.process_pending_updates()
        backend.embed_pending()
    report = {"queries": len(queries), "cutoff": CUTOFF, "modes": {}}
    for mode in modes:
        per_query = []
        for q in queries:
            results = backend.search(SearchQuery(q["query"], limit=CUTOFF, mode=mode))
            ranked = [h.paper_id for h in results.hits]
            per_query.append((ndcg(ranked, q["relevant"]), recall(ranked, q["relevant"])))
        report["modes"][mode] = {
            f"ndcg@{CUTOFF}": round(sum(n for n, _ in per_query) / len(per_query), 4),
            f"recall@{CUTOFF}": round(sum(r for _, r in per_query) / len(per_query), 4),
        }
    return report


def format_report(report: dict) -> str:
    lines = [f"{report['queries']} queries, cutoff {report['cutoff']}", f"{'mode':<8} {'nDCG@10':>8} {'recall@10':>10}"]
    for mode, scores in report["modes"].items():
        lines.append(f"{mode:<8} {scores['ndcg@10']:>8.3f} {scores['recall@10']:>10.3f}")
    return "\n".join(lines)
