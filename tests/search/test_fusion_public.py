"""The fusion on recorded halves of a public test collection (Cranfield; origin and licence in the
fixture's ``origin``): the judged queries rank better fused than by either half, and surnames keep
the keyword half's quality. Fails with a fusion that follows one half, or with the name rule off."""

import gzip
import json
import math
from pathlib import Path

from dailypapers.search import fusion
from dailypapers.search.evaluation import plain_rrf

FIXTURE = Path(__file__).parent / "data" / "cranfield_halves.json.gz"


def ranking(packed: dict) -> list[tuple[str, float]]:
    """The recorded list at its length: its first entries, padding at the last entry's score (they
    scale to 0 in ``fusion.combine``, as the unrecorded middle of a full list would at most), its last."""
    top = [(d, s) for d, s in packed["top"]]
    if "last" not in packed:
        return top
    last_id, last = packed["last"]
    return top + [(f"pad{i}", last) for i in range(packed["length"] - len(top) - 1)] + [(last_id, last)]


def ndcg(ranked: list[str], gains: dict[str, int], k: int = 10) -> float:
    dcg = sum(gains.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(gains.values(), reverse=True)[:k]))
    return dcg / ideal


def scores(cls: str) -> dict[str, float]:
    queries = [q for q in json.loads(gzip.decompress(FIXTURE.read_bytes()))["queries"] if q["class"] == cls]
    out = {"hybrid": [], "lexical": [], "vector": [], "rrf": []}
    for q in queries:
        lexical, vector = ranking(q["lexical"]), ranking(q["vector"])
        ids = {"lexical": [d for d, _ in lexical], "vector": [d for d, _ in vector]}
        ids["rrf"] = plain_rrf(ids["lexical"], ids["vector"])
        ids["hybrid"] = [d for d, _ in fusion.hybrid(lexical, vector, q["terms"], lambda _: {}, q["person"])]
        for name, ranked in ids.items():
            out[name].append(ndcg(ranked, q["relevant"]))
    return {name: sum(v) / len(v) for name, v in out.items()}


def test_judged_cranfield_queries_rank_better_fused_than_by_either_half():
    s = scores("judged")
    assert s["hybrid"] > max(s["lexical"], s["vector"]) + 0.015, s
    assert s["hybrid"] >= s["rrf"] - 0.005, s


def test_cranfield_surnames_keep_the_keyword_halfs_quality():
    s = scores("surname")
    assert s["hybrid"] >= s["lexical"] - 0.005 and s["vector"] < 0.1, s
