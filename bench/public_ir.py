"""Search quality on public retrieval test collections of scientific text: nDCG@10 per collection
and query class for bm25s, our lexical half, our vector half, a plain RRF (k = 60) of our two
halves, and our hybrid as served — measured in one run on the same corpus.

    .venv/bin/python bench/public_ir.py \\
        --set scifact=scifact:/data/scifact --set med=med:/data/med --set cran=cran:/data/cran \\
        --set cisi=cisi:/data/cisi --set cacm=cacm:/data/cacm --work /tmp/public-ir

``--set NAME=KIND:PATH`` (KIND: see ``bench/public_sets.py``; where to get each copy: bench/README.md).
Nothing is downloaded. Document and query vectors are cached in ``--work`` (embedding is the slow
part: ~12k documents take 10-20 minutes on 2 cores), so later runs only search.

The halves are the production ones, called without Django's database: the lexical half is
``LexicalIndex.search`` over a tantivy index of the collection (title, text and author names as
paper title, abstract and authors), the vector half exact cosine over the embedder's vectors of
``paper_text(title, text)`` (what the embedded backend serves below 50k papers), the query text as
the backends pass it (its terms joined by spaces). ``hybrid`` is ``fusion.no_good_match`` then
``fusion.hybrid``, as ``IndexedSearchBackend.search`` runs them. Every query's two halves are saved
(``--work``/halves-*.pkl) so fusions can be replayed and fit without searching again
(``bench/fit_fusion.py``).

Query classes: ``judged`` (the collection's own queries and judgements; SciFact has a ``train`` split
for fitting and a ``test`` split), and known-item queries drawn from each collection's own titles and
authors (``public_sets.known_item_queries``): ``title``, ``title_prefix``, ``author``. nDCG@10 uses
the judgements' graded gains (linear, as BEIR's pytrec_eval).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
os.environ.setdefault("DAILYPAPERS_DATA_DIR", tempfile.mkdtemp(prefix="public-ir-"))

import django  # noqa: E402

from dailypapers.lib.datadir import prepare_data_dir  # noqa: E402

prepare_data_dir()
django.setup()

import public_sets  # noqa: E402

from dailypapers.search import fusion  # noqa: E402
from dailypapers.search.backends.base import SearchFilters  # noqa: E402
from dailypapers.search.backends.common import FUSION_DEPTH  # noqa: E402
from dailypapers.search.embedder import paper_text  # noqa: E402
from dailypapers.search.evaluation import BM25sBaseline, plain_rrf  # noqa: E402
from dailypapers.search.lexical import LexicalDoc, LexicalIndex  # noqa: E402
from dailypapers.search.query import query_terms  # noqa: E402

CUTOFF = 10
SYSTEMS = ("bm25s", "lexical", "vector", "rrf", "hybrid")


# -- embedding models ------------------------------------------------------------------------
def embedder(model: str):
    """The model under test: ``shipped`` is the project's ``Embedder``; others are candidates
    (bench/embed_candidates.py) measured with the same harness."""
    if model == "shipped":
        from dailypapers.search.embedder import Embedder

        return Embedder(threads=int(os.environ.get("EMBED_THREADS", "0")) or None)
    import embed_candidates

    return embed_candidates.load(model)


def cached_vectors(work: Path, model: str, kind: str, texts: list[str], embed) -> np.ndarray:
    """``embed(texts)``, cached in ``work`` by model and text content."""
    key = hashlib.sha1(("\x00".join([model, kind, *texts])).encode()).hexdigest()[:16]
    file = work / f"vectors-{model}-{kind}-{key}.npy"
    if file.exists():
        return np.load(file)
    start = time.perf_counter()
    vectors = np.asarray(embed(texts), dtype=np.float32)
    seconds = time.perf_counter() - start
    np.save(file, vectors)
    (work / f"vectors-{model}-{kind}-{key}.json").write_text(json.dumps({"texts": len(texts), "seconds": round(seconds, 1)}))
    print(f"  embedded {len(texts)} {kind} texts with {model} in {seconds:.0f} s ({len(texts) / max(seconds, 1e-9):.1f}/s)", flush=True)
    return vectors


# -- metrics ---------------------------------------------------------------------------------
def ndcg(ranked: list[str], gains: dict[str, int], k: int = CUTOFF) -> float:
    dcg = sum(gains.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(gains.values(), reverse=True)[:k]))
    return dcg / ideal if ideal else 0.0


# -- one collection --------------------------------------------------------------------------
def query_sets(collection: public_sets.Collection) -> dict[str, list[dict]]:
    """{split-and-class: [{query, relevant}]}: ``judged-<split>`` and the known-item classes."""
    out = {}
    for split in collection.queries:
        judged = collection.judged(split)
        if judged:
            out[f"judged-{split}"] = [{"query": text, "relevant": rel} for _, text, rel in judged]
    for q in public_sets.known_item_queries(collection):
        out.setdefault(q["class"], []).append(q)
    return out


def halves(collection: public_sets.Collection, work: Path, model: str) -> dict:
    """Both halves of every query of :func:`query_sets`, searched once and saved for replay."""
    sets = query_sets(collection)
    ids = sorted(collection.docs)
    docs = [collection.docs[d] for d in ids]
    index_dir = work / f"lexical-{collection.name}"
    index = LexicalIndex(index_dir)
    if index.num_docs() != len(ids):
        index.delete_all()
        index.upsert([
            LexicalDoc(paper_id=d, title=doc.title, abstract=doc.text, authors=doc.authors, categories=[], organizations=[],
                       has_code=False, published=None)
            for d, doc in zip(ids, docs)
        ])  # fmt: skip
        index.commit()
    emb = embedder(model)
    doc_vectors = cached_vectors(work, model, f"{collection.name}-docs", [paper_text(doc.title, doc.text) for doc in docs], emb.embed)
    all_queries = [q for qs in sets.values() for q in qs]
    # The backends embed the query's terms joined by spaces (``IndexedSearchBackend.search``).
    query_texts = [" ".join(query_terms(q["query"])) for q in all_queries]
    query_vectors = cached_vectors(work, model, f"{collection.name}-queries", query_texts, lambda t: np.stack([emb.embed_query(x) for x in t]))
    bm25 = BM25sBaseline.from_texts(ids, [f"{doc.title}\n{', '.join(doc.authors)}\n{doc.text}" for doc in docs])
    rows = []
    for q, qv in zip(all_queries, query_vectors):
        terms = query_terms(q["query"])
        lexical = index.search(terms, SearchFilters(), FUSION_DEPTH)
        cosines = doc_vectors @ qv
        top = np.argsort(-cosines)[:FUSION_DEPTH]
        rows.append({
            "terms": terms, "lexical": lexical.hits, "person": lexical.person,
            "vector": [(ids[i], float(cosines[i])) for i in top],
            "matches_all": index.matches_all(terms, SearchFilters()), "bm25s": bm25.search(q["query"], FUSION_DEPTH),
        })  # fmt: skip
    index.close()
    out, i = {}, 0
    for name, qs in sets.items():
        out[name] = [{**q, **row} for q, row in zip(qs, rows[i : i + len(qs)])]
        i += len(qs)
    return {"titles": {d: doc.title for d, doc in zip(ids, docs)}, "sets": out}


def served_hybrid(row: dict, titles: dict[str, str], module=fusion) -> list[str]:
    """The hybrid ranking ``IndexedSearchBackend.search`` serves for these halves (``module``: the
    fusion module, or an older one to compare)."""
    if row.get("no_good_match"):
        return []
    best = row["vector"][0][1] if row["vector"] else 0.0
    if module.no_good_match(best, lambda: row["matches_all"]):
        return []
    return [d for d, _ in module.hybrid(row["lexical"], row["vector"], row["terms"], lambda ids: {d: titles[d] for d in ids}, row["person"])]


def rankings(row: dict, titles: dict[str, str]) -> dict[str, list[str]]:
    lexical, vector = [d for d, _ in row["lexical"]], [d for d, _ in row["vector"]]
    return {
        "bm25s": row["bm25s"], "lexical": lexical, "vector": vector, "rrf": plain_rrf(lexical, vector),
        "hybrid": served_hybrid(row, titles),
    }  # fmt: skip


def score(data: dict, systems=SYSTEMS, rank=rankings) -> dict[str, dict[str, float]]:
    """{query set: {system: mean nDCG@10}} (plus ``n``)."""
    out = {}
    for name, rows in data["sets"].items():
        per_system = {s: [] for s in systems}
        for row in rows:
            ranked = rank(row, data["titles"])
            for s in systems:
                per_system[s].append(ndcg(ranked[s], row["relevant"]))
        out[name] = {"n": len(rows), **{s: round(float(np.mean(v)), 4) for s, v in per_system.items()}}
    return out


def format_table(results: dict[str, dict[str, dict[str, float]]], systems=SYSTEMS) -> str:
    header = f"{'collection':<10} {'queries':<18} {'n':>4} " + " ".join(f"{s:>8}" for s in systems)
    lines = [header, "-" * len(header)]
    for collection, sets in results.items():
        for name, scores in sets.items():
            best = max(scores[s] for s in systems)
            cells = " ".join(f"{scores[s]:>7.3f}{'*' if scores[s] == best else ' '}" for s in systems)
            lines.append(f"{collection:<10} {name:<18} {scores['n']:>4} {cells}")
    lines.append("nDCG@10; * best of the row; bm25s and rrf (k = 60, our two halves, equal weights) are baselines of the same run")
    return "\n".join(lines)


def project_halves() -> dict:
    """The project's own judged set (``search/relevance``), replayable like the public sets: every
    query searched once through the configured backend's hybrid mode, capturing what it hands to
    ``fusion.hybrid`` (a query judged "no good match" keeps no halves and ranks nothing in every
    fusion). Needs the sample and the arXiv records ingested and embedded in DAILYPAPERS_DATA_DIR
    (``dailypapers index evaluate`` says how)."""
    from dailypapers.search import get_backend
    from dailypapers.search.backends.base import SearchQuery
    from dailypapers.search.backends.common import paper_titles
    from dailypapers.search.evaluation import relevance_set

    backend = get_backend()
    captured = []
    served = fusion.hybrid

    def capture(lexical, vector, terms, titles_of, person=False):
        captured.append({"lexical": list(lexical), "vector": list(vector), "terms": list(terms), "person": person})
        return served(lexical, vector, terms, titles_of, person)

    sets: dict[str, list[dict]] = {}
    titles: dict[str, str] = {}
    fusion.hybrid = capture
    try:
        for q in relevance_set("all"):
            captured.clear()
            backend.search(SearchQuery(q["query"], limit=CUTOFF, mode="hybrid"))
            row = captured[0] if captured else {"lexical": [], "vector": [], "terms": [], "person": False}
            row = {**row, "query": q["query"], "relevant": {d: 1 for d in q["relevant"]}, "matches_all": True,
                   "bm25s": [], "no_good_match": not captured}  # fmt: skip
            titles.update(paper_titles([d for d, _ in row["lexical"][: fusion.TITLE_START_CANDIDATES]]))
            sets.setdefault(f"{q['split']}-{q['class']}", []).append(row)
    finally:
        fusion.hybrid = served
    return {"titles": titles, "sets": sets}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=KIND:PATH", help="a collection (repeatable)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "public-ir", help="cache of vectors, indexes, halves")
    parser.add_argument("--model", default="shipped", help="embedding model: shipped, or a bench/embed_candidates.py name")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--project", action="store_true", help="also save the project's judged set for bench/fit_fusion.py")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    print(" ".join(["bench/public_ir.py", *(argv if argv is not None else sys.argv[1:])]), flush=True)
    results = {}
    for spec in args.set:
        name, _, rest = spec.partition("=")
        kind, _, path = rest.partition(":")
        collection = public_sets.read(kind, Path(path), name)
        print(f"{name}: {len(collection.docs)} documents", flush=True)
        cache = args.work / f"halves-{name}-{args.model}.pkl"
        if cache.exists():
            data = pickle.loads(cache.read_bytes())
        else:
            data = halves(collection, args.work, args.model)
            cache.write_bytes(pickle.dumps(data))
        results[name] = score(data)
    if args.project:
        (args.work / f"halves-project-{args.model}.pkl").write_bytes(pickle.dumps(project_halves()))
    print(format_table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
