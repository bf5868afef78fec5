"""Reciprocal rank fusion: combine rankings by rank, not by their incomparable scores."""

from __future__ import annotations

from collections.abc import Sequence

# k=60 is the value from Cormack et al. (2009). The weights were tuned on the relevance set
# (``dailypapers index evaluate --sweep``): the vector ranking is the stronger of the two on
# paraphrased queries, BM25 the more precise when the words do match.
RRF_K = 60
LEXICAL_WEIGHT = 1.0
VECTOR_WEIGHT = 1.0


def reciprocal_rank_fusion(rankings: Sequence[tuple[Sequence[str], float]], k: int = RRF_K) -> list[tuple[str, float]]:
    """``rankings`` are (ids best first, weight); returns (id, fused score) best first.

    Ties keep the order in which ids were first seen, so the result is deterministic.
    """
    scores: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
