"""The hybrid ranking: both halves' scores, each normalised over its own list, in one convex combination
(:func:`hybrid`); reciprocal rank fusion for the plain-RRF baseline."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dailypapers.search.query import keywords, query_terms

# "No good match": below this best cosine, and with no paper holding every keyword, a query is
# about nothing in the corpus. Calibrated on the judged set against nonsense and off-topic queries
# (`zxqv wplmt grbbq`, "protein folding", "banana bread recipe", "tax law reform in brazil", ...):
# those reach at most 0.252; of the 170 judged queries, every one without a paper holding all its
# keywords (descriptions, mostly) has a best cosine of at least 0.263. Queries below it that do have
# such a paper (title prefixes, acronyms: 0.17-0.25) are untouched, so the evaluation is unchanged.
NO_MATCH_COSINE = 0.26


def reciprocal_rank_fusion(rankings: Sequence[tuple[Sequence[str], float]], k: int = 60) -> list[tuple[str, float]]:
    """``rankings`` are (ids best first, weight); returns (id, fused score) best first.

    Ties keep the order in which ids were first seen, so the result is deterministic.
    """
    scores: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


# -- the hybrid ranking ----------------------------------------------------------------------
# Chosen on public test collections, never on this project's own queries (bench/README.md,
# docs/benchmarks.md "Search quality on public test collections"): every parameter was fit on
# SciFact's 809 training claims only and is reported on SciFact's 300 test claims, Medline,
# Cranfield, CISI and CACM. Replaces a stack of query-shape rules (keyword counts, stop-word counts,
# a confidence cosine, a single-keyword weight, a BM25 standout ratio, RRF k = 30) that was tuned on
# the project's judged set and lost to a plain RRF of its own halves on readers' descriptions.
#
# The lexical half's share of the combined score (``combine``). Grid 0.05-0.95 on SciFact train:
# nDCG@10 0.698 / 0.706 / 0.711 / 0.705 / 0.702 at 0.45 / 0.5 / 0.55 / 0.6 / 0.65 (plain RRF k=60
# 0.678, the best weighted RRF, k=5 w=0.5, 0.695); flat within 0.01 over 0.45-0.65.
LEXICAL_WEIGHT = 0.55
# A list shorter than this holds every paper that half matched (the backends ask each half for
# ``backends.common.FUSION_DEPTH`` papers), so the papers missing from it score 0 there, not
# "below the last one": a surname matched by two papers keeps both above the vectors' guesses.
# Measured with the weight fit as above: surname queries CACM 0.774 -> 0.931, CISI 0.849 -> 0.976,
# Cranfield 0.752 -> 0.956; the judged queries of every set within 0.002.
FULL_LIST = 100


def combine(
    lexical: Sequence[tuple[str, float]], vector: Sequence[tuple[str, float]], lexical_weight: float = LEXICAL_WEIGHT
) -> list[tuple[str, float]]:
    """Convex combination of the halves' normalised scores, best first:
    ``w * bm25' + (1 - w) * cosine'``, each half scaled to [0, 1] by its best score and its floor: the
    last score of a full list (:data:`FULL_LIST`), 0 for a list that holds every match. A paper
    missing from a list scores 0 there. Only the halves' own scores are compared, so neither scale
    has to match the other's. Ties keep first-seen order."""
    scores: dict[str, float] = {}
    for weight, ranking in ((lexical_weight, lexical), (1.0 - lexical_weight, vector)):
        if not ranking:
            continue
        high = ranking[0][1]
        low = ranking[-1][1] if len(ranking) >= FULL_LIST else min(0.0, ranking[-1][1])
        span = (high - low) or 1.0
        for pid, score in ranking:
            scores[pid] = scores.get(pid, 0.0) + weight * (score - low) / span
    return sorted(scores.items(), key=lambda pair: -pair[1])


# A title's first words typed as a query ("Large Language Models", "Towards a Unified View"): the
# papers whose titles start with them go first, in their fused order. Kept because it helps on
# data it was not chosen on: title-prefix queries drawn from each public collection's own titles
# (30 per set), nDCG@10 with / without it: CACM 1.000 / 0.977, Cranfield 1.000 / 0.970, SciFact
# 1.000 / 0.981, CISI and Medline 1.000 / 1.000 and 0.997; the judged queries unchanged. Only BM25's
# first TITLE_START_CANDIDATES are looked at, so the backend fetches at most that many titles.
TITLE_START_MIN_TERMS = 2
TITLE_START_CANDIDATES = 20
# A name query keeps BM25's order, the vectors only adding papers after it: a query the lexical
# half read as a person's name ("F. R. Ferraro", "Haibin Su": ``LexicalMatches.person``), or a
# single keyword (a surname, a model or method name: "Perlis", "LoRA"). The vectors know names not
# at all (nDCG@10 0.00-0.05 on every set's author queries). Kept because it helps on data it was
# not chosen on, with the weight above: surnames drawn from each collection's authors, CACM 0.931
# -> 0.983, CISI 0.976 -> 1.000, Cranfield 0.956 -> 0.987; full names ("A. J. Perlis") CISI 0.942
# -> 0.975, CACM and Cranfield unchanged; no judged query of any set is one keyword or a name.
NAME_QUERY_KEYWORDS = 1


def put_first(fused: list[tuple[str, float]], leaders: Sequence[str]) -> list[tuple[str, float]]:
    """``fused`` with ``leaders`` first, in their order, scored above every other paper."""
    if not leaders:
        return fused
    top = fused[0][1] if fused else 0.0
    lead = set(leaders)
    return [(pid, top + len(leaders) - i) for i, pid in enumerate(leaders)] + [(pid, score) for pid, score in fused if pid not in lead]


def title_start_candidates(lexical: Sequence[tuple[str, float]]) -> list[str]:
    """The papers whose titles :func:`titles_first` looks at: BM25's first ones (a title that
    starts with every word of the query is among them, through the title phrase clause)."""
    return [pid for pid, _ in lexical[:TITLE_START_CANDIDATES]]


def starts_with_query(title: str, terms: Sequence[str]) -> bool:
    """Whether ``title``'s words begin with the query's ``terms`` (``search.query.query_terms``),
    a query of at least :data:`TITLE_START_MIN_TERMS` words."""
    return len(terms) >= TITLE_START_MIN_TERMS and query_terms(title)[: len(terms)] == list(terms)


def titles_first(fused: list[tuple[str, float]], titles: dict[str, str], terms: Sequence[str]) -> list[tuple[str, float]]:
    """``fused`` with the papers of ``titles`` (``{id: title}`` of the :func:`title_start_candidates`)
    whose title starts with the query first, in their fused order."""
    starting = {pid for pid, title in titles.items() if starts_with_query(title, terms)}
    return put_first(fused, [pid for pid, _ in fused if pid in starting])


def hybrid(
    lexical: Sequence[tuple[str, float]], vector: Sequence[tuple[str, float]], terms: Sequence[str],
    titles_of: Callable[[list[str]], dict[str, str]], person: bool = False,
) -> list[tuple[str, float]]:
    """What every backend's hybrid mode ranks: :func:`combine`, then titles that start with the
    query first (``titles_of`` fetches the few candidates' titles). ``person``: the lexical half
    read the query as a person's name (see :data:`NAME_QUERY_KEYWORDS`)."""
    ranked = combine(lexical, vector)
    if person or len(keywords(terms)) == NAME_QUERY_KEYWORDS:
        return put_first(ranked, [pid for pid, _ in lexical])
    if len(terms) >= TITLE_START_MIN_TERMS:
        ranked = titles_first(ranked, titles_of(title_start_candidates(lexical)), terms)
    return ranked


def no_good_match(best_cosine: float, every_keyword_matches: Callable[[], bool]) -> bool:
    """Whether a vector or hybrid search found nothing worth showing: the closest paper vector is
    below :data:`NO_MATCH_COSINE` and no paper has every keyword of the query (asked only then)."""
    return best_cosine < NO_MATCH_COSINE and not every_keyword_matches()
