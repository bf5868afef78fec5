"""Relevance evaluation: nDCG@10, recall@10 and top-3 hits per query class, for every retrieval mode
and two outside baselines measured in the same run.

The judged set (``relevance/queries.json``) names papers of the bundled sample by title; the sample
must be ingested (``dailypapers ingest sample``). Sample papers without vectors are embedded first.
The sample has no author names, so author-name queries are judged on 200 real arXiv records
(``data/arxiv_records_0704.0001-0200.jsonl``, named by arXiv id): their class is measured when those
records are in the database (``dailypapers ingest snapshot`` that file) and skipped, with a note
saying so, when they are not.

Queries come in the classes readers type (:data:`CLASSES`) and in two halves: ``dev`` (tune on it;
the 23 queries the fusion was first tuned on are there) and ``test`` (report it). Title and
title-prefix queries are generated from a fixed random subset of the sample's titles
(:func:`generated_title_queries`), author names from the records' own author lists
(:func:`generated_author_queries`); the others were written and judged by reading the abstracts.

Baselines: ``bm25s`` (the bm25s package over title + author names + abstract, English stop words removed and
Snowball-stemmed as its README recommends) and ``rrf`` (plain reciprocal rank fusion, k = 60, equal
weights, of bm25s and the backend's vector ranking). The backend is only called through its
public ``search`` method, so any backend can be evaluated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
from collections import defaultdict
from importlib import resources

from dailypapers.papers.models import Authorship, Paper, unaccented
from dailypapers.search.backends.base import MODES, SearchQuery
from dailypapers.search.fusion import reciprocal_rank_fusion

CUTOFF = 10
HIT_CUTOFF = 3
# The baselines take this many candidates from each ranking, as the hybrid does (FUSION_DEPTH).
BASELINE_DEPTH = 100
PLAIN_RRF_K = 60
BASELINES = ("bm25s", "rrf")
CLASSES = ("title", "title_prefix", "acronym", "keyword", "description", "author")
# Queries of this corpus name their relevant papers by arXiv id, and need the records ingested.
ARXIV_CORPUS = "arxiv"
ARXIV_RECORDS = "data/arxiv_records_0704.0001-0200.jsonl"
# Classes whose queries stand for one paper: their top-3 hit rate is reported too.
KNOWN_ITEM_CLASSES = ("title", "title_prefix")
SPLITS = ("dev", "test")
# The generated classes: how many titles each draws, from a random.Random of this seed.
GENERATED_PER_CLASS = 30
GENERATION_SEED = 14
PREFIX_WORDS = (3, 5)
# The title check (``index evaluate --titles``): every sample paper's exact title and its first
# 3, 4 and 5 words, each of which must find the paper in the top HIT_CUTOFF.
TITLE_CHECK_PREFIXES = (3, 4, 5)
TITLE_CHECK_MODES = ("hybrid", "lexical", "vector")
TITLE_CHECK_TARGET = 0.95


class RelevanceSetUnavailable(RuntimeError):
    pass


# -- the judged set -------------------------------------------------------------------------
def relevance_file():
    return resources.files("dailypapers.search").joinpath("relevance/queries.json")


def relevance_data() -> dict:
    return json.loads(relevance_file().read_text("utf-8"))


def relevance_set(split: str = "all") -> list[dict]:
    """The judged queries of ``split`` (``dev``, ``test`` or ``all``), relevant titles as paper ids."""
    from dailypapers.papers.identifiers import sample_paper_id

    if split not in (*SPLITS, "all"):
        raise ValueError(f"split must be one of {', '.join(SPLITS)} or all")
    return [
        {
            "query": q["query"],
            "class": q["class"],
            "split": q["split"],
            "corpus": q.get("corpus", "sample"),
            "relevant": set(q["relevant"]) if q.get("corpus") == ARXIV_CORPUS else {sample_paper_id(t) for t in q["relevant"]},
        }
        for q in relevance_data()["queries"]
        if split == "all" or q["split"] == split
    ]


def arxiv_records_file():
    return resources.files("dailypapers").joinpath(ARXIV_RECORDS)


def arxiv_records() -> list[dict]:
    return [json.loads(line) for line in arxiv_records_file().read_text("utf-8").splitlines() if line.strip()]


def _words(text: str) -> list[str]:
    return text.lower().split()


def generated_title_queries(titles: list[str], per_class: int = GENERATED_PER_CLASS, seed: int = GENERATION_SEED) -> list[dict]:
    """Exact-title and title-prefix queries over a seeded random subset of ``titles``.

    A prefix is the first 3-5 words (never the whole title); its relevant papers are every paper
    whose title starts with the same words, so "Towards a Unified View" counts two papers.
    """
    rng = random.Random(seed)
    queries = [{"query": t, "class": "title", "relevant": [t]} for t in rng.sample(sorted(titles), per_class)]
    long_titles = sorted(t for t in titles if len(t.split()) > PREFIX_WORDS[0])
    for title in rng.sample(long_titles, per_class):
        words = title.split()
        prefix = words[: min(rng.randint(*PREFIX_WORDS), len(words) - 1)]
        relevant = [t for t in titles if _words(t)[: len(prefix)] == _words(" ".join(prefix))]
        queries.append({"query": " ".join(prefix), "class": "title_prefix", "relevant": relevant})
    return queries


def _folded(text: str) -> str:
    return unaccented(text).lower()


def generated_author_queries(records: list[dict], per_form: int = GENERATED_PER_CLASS // 2, seed: int = GENERATION_SEED) -> list[dict]:
    """Author-name queries over real arXiv records (snapshot lines with ``authors_parsed``), in the
    two forms readers type: a surname without its accents ("Balazs"), relevant: every record with an
    author of that surname; and forenames and surname as arXiv spells them ("C. Balázs"), relevant:
    every record with that person (same surname and forenames, accents and case aside). Surnames
    and people are drawn from a random.Random of ``seed``; names of one letter are left out."""
    from dailypapers.ingest.arxiv_authors import tex_to_unicode

    by_surname: dict[str, set[str]] = defaultdict(set)
    by_person: dict[tuple[str, str], set[str]] = defaultdict(set)
    spelled: dict[tuple[str, str], str] = {}
    typed: dict[str, str] = {}
    for record in records:
        for surname, forenames, *_ in record.get("authors_parsed") or ():
            surname, forenames = tex_to_unicode(surname).strip(), tex_to_unicode(forenames).strip()
            if len(_folded(surname)) < 2 or not surname.replace("-", "").replace(" ", "").isalpha():
                continue
            by_surname[_folded(surname)].add(record["id"])
            typed.setdefault(_folded(surname), unaccented(surname))
            if forenames:
                person = (_folded(surname), _folded(forenames))
                by_person[person].add(record["id"])
                spelled.setdefault(person, f"{forenames} {surname}")
    rng = random.Random(seed)
    queries = [
        {"query": typed[surname], "class": "author", "corpus": ARXIV_CORPUS, "relevant": sorted(by_surname[surname])}
        for surname in rng.sample(sorted(by_surname), per_form)
    ]
    queries += [
        {"query": spelled[person], "class": "author", "corpus": ARXIV_CORPUS, "relevant": sorted(by_person[person])}
        for person in rng.sample(sorted(by_person), per_form)
    ]
    return queries


def assign_splits(queries: list[dict]) -> list[dict]:
    """Each query with its ``split``: per class, those marked ``tuned`` (queries the code was
    already tuned on) are dev; of the others, ordered by a hash of their text, the first half of
    the class's size goes to test and the rest to dev."""
    out = []
    for cls in CLASSES:
        members = [q for q in queries if q["class"] == cls]
        free = sorted((q for q in members if not q.get("tuned")), key=lambda q: hashlib.sha1(q["query"].encode()).hexdigest())
        test = {id(q) for q in free[: len(members) // 2]}
        out.extend({**q, "split": "test" if id(q) in test else "dev"} for q in members)
    return out


# -- metrics --------------------------------------------------------------------------------
def ndcg(ranked: list[str], relevant: set[str], k: int = CUTOFF) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, pid in enumerate(ranked[:k]) if pid in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def recall(ranked: list[str], relevant: set[str], k: int = CUTOFF) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def hit(ranked: list[str], relevant: set[str], k: int = HIT_CUTOFF) -> float:
    """1.0 when a relevant paper is among the first ``k``."""
    return 1.0 if set(ranked[:k]) & relevant else 0.0


# -- baselines ------------------------------------------------------------------------------
class BM25sBaseline:
    """bm25s over title, author names and abstract of every paper in the database (the corpus the
    backend sees; the author names are there for the author-name queries)."""

    def __init__(self, ids: list[str] | None = None, texts: list[str] | None = None):
        import bm25s
        import Stemmer

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each indexing step at debug
        self._bm25s = bm25s
        self.stemmer = Stemmer.Stemmer("english")
        if ids is None:
            names: dict[str, list[str]] = defaultdict(list)
            for pid, name in Authorship.objects.order_by("paper_id", "position").values_list("paper_id", "name").iterator():
                names[pid].append(name)
            ids, texts = [], []
            for pid, title, abstract in Paper.objects.order_by("pk").values_list("pk", "title", "abstract").iterator():
                ids.append(pid)
                texts.append(f"{title}\n{', '.join(names.get(pid, ()))}\n{abstract}")
        self.ids = list(ids)
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, show_progress=False), show_progress=False)

    @classmethod
    def from_texts(cls, ids: list[str], texts: list[str]) -> BM25sBaseline:
        """The same baseline over any corpus (``bench/public_ir.py``: public test collections)."""
        return cls(ids, texts)

    def search(self, text: str, k: int = BASELINE_DEPTH) -> list[str]:
        tokens = self._bm25s.tokenize([text], stopwords="en", stemmer=self.stemmer, show_progress=False, return_ids=False)
        if not tokens[0]:
            return []
        docs, scores = self.retriever.retrieve(tokens, k=min(k, len(self.ids)), show_progress=False)
        return [self.ids[int(d)] for d, s in zip(docs[0], scores[0]) if s > 0]


def plain_rrf(*rankings: list[str]) -> list[str]:
    return [pid for pid, _ in reciprocal_rank_fusion([(r, 1.0) for r in rankings], k=PLAIN_RRF_K)]


# -- the title check -------------------------------------------------------------------------
def title_check_queries(titles: dict[str, str]) -> list[dict]:
    """For every paper (``{paper_id: title}``) its exact title (kind ``title``) and its first n
    words (kind ``first n words``, for each n of :data:`TITLE_CHECK_PREFIXES` shorter than the
    title), with ``same_start``: every paper whose title is, or starts with, the same words."""
    words = {pid: _words(title) for pid, title in titles.items()}
    queries = []
    for pid, title in sorted(titles.items()):
        queries.append({"kind": "title", "query": title, "paper": pid, "same_start": {p for p, w in words.items() if w == words[pid]}})
        for n in TITLE_CHECK_PREFIXES:
            if len(words[pid]) > n:
                start = words[pid][:n]
                same = {p for p, w in words.items() if w[:n] == start}
                queries.append({"kind": f"first {n} words", "query": " ".join(title.split()[:n]), "paper": pid, "same_start": same})
    return queries


def found_in_top(ranked: list[str], paper: str, same_start: set[str], k: int = HIT_CUTOFF) -> bool:
    """Whether ``paper`` is in the first ``k``, or those are all papers starting with the same words
    (more than ``k`` titles start "Towards a Unified View": no ranking can show them all)."""
    top = ranked[:k]
    return paper in top or (len(top) == k and set(top) <= same_start)


def title_check(backend, modes=TITLE_CHECK_MODES, paper_ids: list[str] | None = None) -> dict:
    """The share of title-check queries (:func:`title_check_queries` for every paper in the
    database, or those of ``paper_ids``) that find their paper in the top :data:`HIT_CUTOFF`, per
    kind and mode, and each mode's misses. Papers sharing a title's first words count for all."""
    backend.process_pending_updates()
    backend.embed_pending()
    titles = dict(Paper.objects.values_list("pk", "title"))
    checked = set(titles if paper_ids is None else paper_ids)
    queries = [q for q in title_check_queries(titles) if q["paper"] in checked]
    kinds = list(dict.fromkeys(q["kind"] for q in queries))
    found = {mode: [] for mode in modes}
    for mode in modes:
        for q in queries:
            ranked = [h.paper_id for h in backend.search(SearchQuery(q["query"], limit=HIT_CUTOFF, mode=mode)).hits]
            found[mode].append(found_in_top(ranked, q["paper"], q["same_start"]))
    report = {"papers": len(checked & set(titles)), "cutoff": HIT_CUTOFF, "target": TITLE_CHECK_TARGET, "kinds": {}, "misses": {}}
    for kind in kinds:
        members = [i for i, q in enumerate(queries) if q["kind"] == kind]
        report["kinds"][kind] = {"queries": len(members), "modes": {mode: _mean([float(found[mode][i]) for i in members]) for mode in modes}}
    for mode in modes:
        report["misses"][mode] = [{"kind": q["kind"], "query": q["query"], "paper": q["paper"]} for q, ok in zip(queries, found[mode]) if not ok]
    return report


def format_title_check(report: dict) -> str:
    modes = list(next(iter(report["kinds"].values()))["modes"]) if report["kinds"] else []
    header = f"{'query':<15} {'n':>5} " + " ".join(f"{m:>8}" for m in modes)
    lines = [
        f"title check: every paper's title and first words in the top {report['cutoff']} ({report['papers']} papers, target {report['target']:.0%})",
        header,
        "-" * len(header),
    ]
    for kind, entry in report["kinds"].items():
        lines.append(f"{kind:<15} {entry['queries']:>5} " + " ".join(f"{entry['modes'][m]:>7.1%} " for m in modes))
    if "hybrid" in report["misses"]:
        misses = report["misses"]["hybrid"]
        lines.append(f"hybrid misses: {len(misses)}" + "".join(f"\n  {m['kind']}: {m['query']!r} ({m['paper']})" for m in misses[:20]))
    return "\n".join(lines)


# -- the run --------------------------------------------------------------------------------
def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _scores(rows: list[tuple[dict, list[str]]], known_item: bool) -> dict:
    scores = {
        f"ndcg@{CUTOFF}": _mean([ndcg(r, q["relevant"]) for q, r in rows]),
        f"recall@{CUTOFF}": _mean([recall(r, q["relevant"]) for q, r in rows]),
    }
    if known_item:
        scores[f"hit@{HIT_CUTOFF}"] = _mean([hit(r, q["relevant"]) for q, r in rows])
    return scores


def rankings(backend, queries: list[dict], modes=MODES, baselines=BASELINES) -> dict[str, list[list[str]]]:
    """For each mode and baseline, the ranked paper ids of each query (in ``queries`` order)."""
    out: dict[str, list[list[str]]] = {}

    def backend_ranking(text: str, mode: str, limit: int) -> list[str]:
        return [h.paper_id for h in backend.search(SearchQuery(text, limit=limit, mode=mode)).hits]

    for mode in modes:
        out[mode] = [backend_ranking(q["query"], mode, CUTOFF) for q in queries]
    if baselines:
        bm25 = BM25sBaseline()
        out["bm25s"] = [bm25.search(q["query"]) for q in queries]
        if "rrf" in baselines:
            vectors = [backend_ranking(q["query"], "vector", BASELINE_DEPTH) for q in queries]
            out["rrf"] = [plain_rrf(lexical, vector) for lexical, vector in zip(out["bm25s"], vectors)]
        if "bm25s" not in baselines:
            del out["bm25s"]
    return out


def evaluate(backend, modes=MODES, split: str = "all", baselines=BASELINES) -> dict:
    queries = relevance_set(split)
    skipped = {}
    for corpus in ("sample", ARXIV_CORPUS):
        needed = set().union(*(q["relevant"] for q in queries if q["corpus"] == corpus))
        missing = needed - set(Paper.objects.filter(pk__in=needed).values_list("pk", flat=True))
        if missing and corpus == "sample":
            raise RelevanceSetUnavailable(f"{len(missing)} judged sample papers are not in the database; run `dailypapers ingest sample`")
        if missing:
            classes = sorted({q["class"] for q in queries if q["corpus"] == corpus})
            for cls in classes:
                skipped[cls] = (
                    f"judged on real arXiv records, {len(missing)} of which are not in the database; "
                    f"add them with `dailypapers ingest snapshot {arxiv_records_file()}`"
                )
            queries = [q for q in queries if q["corpus"] != corpus]
    backend.process_pending_updates()
    backend.embed_pending()
    ranked = rankings(backend, queries, modes, baselines)
    report = {"split": split, "queries": len(queries), "cutoff": CUTOFF, "modes": {}, "classes": {}, "skipped": skipped, "per_query": []}
    for mode, lists in ranked.items():
        report["modes"][mode] = _scores(list(zip(queries, lists)), known_item=False)
    for cls in CLASSES:
        members = [i for i, q in enumerate(queries) if q["class"] == cls]
        if not members:
            continue
        report["classes"][cls] = {
            "queries": len(members),
            "modes": {
                mode: _scores([(queries[i], lists[i]) for i in members], known_item=cls in KNOWN_ITEM_CLASSES)
                for mode, lists in ranked.items()
            },
        }
    for i, q in enumerate(queries):
        report["per_query"].append(
            {
                "query": q["query"],
                "class": q["class"],
                "split": q["split"],
                f"ndcg@{CUTOFF}": {mode: round(ndcg(lists[i], q["relevant"]), 4) for mode, lists in ranked.items()},
            }
        )
    return report


def format_report(report: dict) -> str:
    """The report as a table: one row per class and metric, one column per mode."""
    modes = list(report["modes"])
    width = max(8, *(len(m) for m in modes))
    header = f"{'class':<13} {'n':>4} {'metric':<10} " + " ".join(f"{m:>{width}}" for m in modes)
    lines = [f"split {report['split']}: {report['queries']} queries, cutoff {report['cutoff']}", header, "-" * len(header)]

    def rows(label: str, n: int, scores_by_mode: dict) -> None:
        metrics = list(next(iter(scores_by_mode.values())))
        for j, metric in enumerate(metrics):
            values = [scores_by_mode[m][metric] for m in modes]
            best = max(values)
            cells = " ".join(f"{v:>{width - 1}.3f}{'*' if v == best else ' '}" for v in values)
            lines.append(f"{label if j == 0 else '':<13} {n if j == 0 else '':>4} {metric:<10} {cells}")

    for cls, entry in report["classes"].items():
        rows(cls, entry["queries"], entry["modes"])
    lines.append("-" * len(header))
    rows("all", report["queries"], report["modes"])
    lines.append("* best of the row; bm25s and rrf (k = 60, equal weights) are baselines measured in the same run")
    lines.extend(f"{cls}: skipped, {why}" for cls, why in report.get("skipped", {}).items())
    return "\n".join(lines)
