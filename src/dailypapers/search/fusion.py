"""Reciprocal rank fusion: combine rankings by rank, not by their incomparable scores."""

from __future__ import annotations

from collections.abc import Sequence

# Tuned on the relevance set (README, "Search quality"): on queries phrased in other words than
# the papers the vector ranking is much the stronger, so BM25 mostly re-orders what both halves
# found (k=30, BM25 at 0.2 gave nDCG@10 0.59 vs 0.56 for plain k=60 equal weights). The surface was
# flat within ±0.01 around these values, so they are not a knife-edge fit to 23 queries.
RRF_K = 30
LEXICAL_WEIGHT = 0.2
VECTOR_WEIGHT = 1.0
# When even the best vector is this far from the query, the model did not understand it (an
# author's name scores ~0.18 on the sample, the judged queries 0.30-0.64): BM25 leads instead.
VECTOR_CONFIDENT_COSINE = 0.25


def hybrid_weights(best_cosine: float) -> tuple[float, float]:
    """(lexical weight, vector weight) for a query whose closest paper vector has ``best_cosine``."""
    if best_cosine < VECTOR_CONFIDENT_COSINE:
        return VECTOR_WEIGHT, LEXICAL_WEIGHT
    return LEXICAL_WEIGHT, VECTOR_WEIGHT


def reciprocal_rank_fusion(rankings: Sequence[tuple[Sequence[str], float]], k: int = RRF_K) -> list[tuple[str, float]]:
    """``rankings`` are (ids best first, weight); returns (id, fused score) best first.

    Ties keep the order in which ids were first seen, so the result is deterministic.
    """
    scores: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


# -- prototype (issue 14): fusion that reads the query's shape; not wired into the backends yet ---
# Tuned on the dev half of the judged set only (README, "Search quality"; `index evaluate --split dev`).
# A query of at most this many keywords is a keyword/name query: BM25 is as good as the vectors
# there, so both count equally; longer queries describe a topic and the vectors lead as above.
SHORT_QUERY_KEYWORDS = 3
SHORT_QUERY_LEXICAL_WEIGHT = 1.0
LONG_QUERY_LEXICAL_WEIGHT = 0.5
SHAPED_RRF_K = 10
# When the best BM25 score is this many times the second, one paper's words stand out from all
# others (an exact title, a title's first words, a model name only it uses): that paper is what
# the reader typed, and it goes first whatever the vectors say. On the dev half titles and
# prefixes have ratios >= 1.13 (median 2.7), keywords and descriptions a median of 1.1. The same
# holds for the first two or three papers above such a gap ("Towards a Unified View" starts two
# titles).
STANDOUT_SCORE_RATIO = 1.5
MAX_STANDOUTS = 3


def fuse(
    lexical: Sequence[tuple[str, float]], vector: Sequence[tuple[str, float]], keyword_count: int
) -> list[tuple[str, float]]:
    """Hybrid ranking from both halves' (id, score) lists, best first, and the number of keywords
    in the query (``search.query.keywords``). BM25 scores are only compared with each other, and
    cosines with the confidence threshold, so neither scale has to match the other's."""
    lexical_weight = SHORT_QUERY_LEXICAL_WEIGHT if keyword_count <= SHORT_QUERY_KEYWORDS else LONG_QUERY_LEXICAL_WEIGHT
    best_cosine = vector[0][1] if vector else 0.0
    weights = (VECTOR_WEIGHT, lexical_weight) if best_cosine < VECTOR_CONFIDENT_COSINE else (lexical_weight, VECTOR_WEIGHT)
    fused = reciprocal_rank_fusion(
        [([pid for pid, _ in lexical], weights[0]), ([pid for pid, _ in vector], weights[1])], k=SHAPED_RRF_K
    )
    leaders = standouts(lexical)
    if leaders:
        top = fused[0][1] if fused else 0.0
        fused = [(pid, top + 1.0 + i) for i, pid in reversed(list(enumerate(reversed(leaders))))] + [
            (pid, score) for pid, score in fused if pid not in leaders
        ]
    return fused


def standouts(lexical: Sequence[tuple[str, float]]) -> list[str]:
    """The first 1..MAX_STANDOUTS ids whose BM25 scores stand above a gap to the rest, or none."""
    for count in range(1, MAX_STANDOUTS + 1):
        if len(lexical) == count == 1:  # the only paper with these words
            return [lexical[0][0]]
        if len(lexical) > count and lexical[count - 1][1] >= STANDOUT_SCORE_RATIO * lexical[count][1]:
            return [pid for pid, _ in lexical[:count]]
    return []
