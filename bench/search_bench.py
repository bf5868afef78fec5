"""Search benchmark: the embedded backend's halves against a naive baseline, in one run.

    .venv/bin/python bench/search_bench.py --papers 1000000        # ~15 min on 2 cores
    .venv/bin/python bench/search_bench.py --papers 100000         # quick look

Corpus: ``bench/synthetic.py`` records (arXiv-shaped titles/abstracts/authors, sample vocabulary).
Lexical: the production ``LexicalIndex`` (tantivy) vs SQLite FTS5 ``bm25()`` over the same text.
Vectors: the production index choice (``vectors.make_index``: faiss IVF-SQ8) vs numpy brute-force
cosine. Embedding 1M papers with a transformer on 2 CPU cores takes days, so the ANN half runs on
*clustered synthetic* 384-d unit vectors (4,096 Gaussian clusters; graph/IVF recall collapses on
uniform noise, clustered data behaves like real embeddings); queries are perturbed corpus vectors.
The real model's throughput and per-query latency are measured on sample papers and added to
give the "with query embedding" figures. Hybrid = lexical top-100 + ANN top-100 + ``fusion.combine`` +
``fusion.titles_first`` (with its primary-key lookup of <= 20 titles in SQLite), as served.
Serving RSS is measured in a fresh process that loads both saved indexes and answers queries.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
os.environ.setdefault("DAILYPAPERS_DATA_DIR", tempfile.mkdtemp(prefix="search-bench-"))

import django  # noqa: E402

from dailypapers.lib.datadir import prepare_data_dir  # noqa: E402

prepare_data_dir()
django.setup()

import faiss  # noqa: E402

from dailypapers.lib.progress import progress_bar  # noqa: E402
from dailypapers.search import lexical as lexical_module  # noqa: E402
from dailypapers.search.backends.base import SearchFilters  # noqa: E402
from dailypapers.search.backends.common import FUSION_DEPTH  # noqa: E402
from dailypapers.search.backends.local import in_parallel  # noqa: E402
from dailypapers.search.embedder import Embedder, paper_text  # noqa: E402
from dailypapers.search.fusion import TITLE_START_MIN_TERMS, combine, title_start_candidates, titles_first  # noqa: E402
from dailypapers.search.lexical import SCHEMA_VERSION, LexicalDoc, LexicalIndex  # noqa: E402
from dailypapers.search.query import query_terms  # noqa: E402
from dailypapers.search.vectors import IVF_NPROBE, make_index  # noqa: E402

DIM = 384
K = 10
DEPTH = FUSION_DEPTH


def pct(values, q):
    return float(np.percentile(np.asarray(values) * 1000, q))


def timed(fn, items):
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - start)
    return out


def summary(times):
    return {"p50_ms": round(pct(times, 50), 2), "p95_ms": round(pct(times, 95), 2)}


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clustered_vectors(n: int, seed: int, clusters: int = 4096) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, DIM)).astype(np.float32)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        block = centres[rng.integers(0, clusters, m)] + 0.6 * rng.standard_normal((m, DIM)).astype(np.float32)
        out[start : start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def queries_from_sample(count: int, seed: int) -> list[str]:
    from dailypapers.ingest.sources.sample import sample_rows
    from dailypapers.search.evaluation import relevance_set

    rng = np.random.default_rng(seed)
    texts = [q["query"] for q in relevance_set()]
    words = [r["title"] for r in sample_rows()]
    while len(texts) < count:
        title = words[rng.integers(len(words))].split()
        start = rng.integers(0, max(1, len(title) - 3))
        texts.append(" ".join(title[start : start + rng.integers(2, 5)]))
    return texts[:count]


def build_corpus(n: int, seed: int, work: Path, baseline_n: int):
    """tantivy over ``n`` synthetic papers and FTS5 over the first ``baseline_n`` of them, or the
    ones an earlier run left in ``work`` for the same arguments (FTS5 indexes ~3,000 papers/s here,
    so a 3M baseline alone would take ~20 min; a smaller one only understates our advantage)."""
    from synthetic import generate_snapshot_records

    stamp_path = work / "corpus.json"
    stamp = {"papers": n, "seed": seed, "lexical_schema": SCHEMA_VERSION, "baseline_papers": baseline_n, "titles_table": 1}
    if stamp_path.exists():
        built = json.loads(stamp_path.read_text())
        if {k: built.get(k) for k in stamp} == stamp:
            print(f"reusing the indexes built in {work}", file=sys.stderr)
            return LexicalIndex(work / "lexical"), sqlite3.connect(work / "fts.sqlite3"), built["build"]
    for stale in ("lexical", "fts.sqlite3", "titles.sqlite3"):
        path = work / stale
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    lexical = LexicalIndex(work / "lexical")
    fts = sqlite3.connect(work / "fts.sqlite3")
    fts.execute("CREATE VIRTUAL TABLE papers USING fts5(pid UNINDEXED, title, abstract, authors, tokenize='porter')")
    # The papers table's titles by primary key: what the hybrid's title-start rule looks up.
    titles = sqlite3.connect(work / "titles.sqlite3")
    titles.execute("CREATE TABLE titles (id TEXT PRIMARY KEY, title TEXT NOT NULL) WITHOUT ROWID")
    lexical_s = fts_s = 0.0
    batch, rows, title_rows = [], [], []
    with progress_bar("indexing synthetic papers", n, unit="papers") as update:
        for i, rec in enumerate(generate_snapshot_records(n, seed), 1):
            title, abstract = " ".join(rec["title"].split()), " ".join(rec["abstract"].split())
            cats = rec["categories"].split()
            batch.append(LexicalDoc(rec["id"], title, abstract, rec["authors"].split(", "), cats, [], False, None))
            title_rows.append((rec["id"], title))
            if i <= baseline_n:
                rows.append((rec["id"], title, abstract, rec["authors"]))
            if len(batch) == 10_000 or i == n:
                t = time.perf_counter()
                lexical.upsert(batch)
                lexical_s += time.perf_counter() - t
                t = time.perf_counter()
                fts.executemany("INSERT INTO papers VALUES (?, ?, ?, ?)", rows)
                fts_s += time.perf_counter() - t
                titles.executemany("INSERT OR REPLACE INTO titles VALUES (?, ?)", title_rows)
                batch, rows, title_rows = [], [], []
                update(i)
    t = time.perf_counter()
    lexical.commit()
    lexical_s += time.perf_counter() - t
    t = time.perf_counter()
    fts.commit()
    fts_s += time.perf_counter() - t
    titles.commit()
    titles.close()
    build = {"tantivy_docs_per_s": round(n / lexical_s), "fts5_docs_per_s": round(baseline_n / fts_s)}
    stamp_path.write_text(json.dumps({**stamp, "build": build}))
    return lexical, fts, build


def v1_lexical_search(lexical: LexicalIndex, terms: list[str]) -> list[str]:
    """The lexical query as first shipped, for a same-run comparison: every word (stop words too)
    through the query parser over the three fields, and every match counted."""
    query = lexical.index.parse_query(" ".join(terms), ["title", "abstract", "authors"], field_boosts={"title": 3.0, "authors": 1.5})
    searcher = lexical.searcher()
    result = searcher.search(query, limit=DEPTH, count=True)
    return [searcher.doc(address)["paper_id"][0] for _, address in result.hits]


def served_hybrid(lexical, index, embedder, titles_db, text, terms, query_vector, *, embed=True, parallel=True, title_start=True):
    """One hybrid query as the backend serves it: both halves at once (``in_parallel``), fusion, and
    the titles-first lookup by primary key. ANN ids stand in for paper ids; with ``embed`` the real
    model embeds the query text (its vector cannot search the synthetic index, which gets
    ``query_vector``)."""

    def vector_half():
        if embed:
            embedder.embed_query(text)
        return index.search(query_vector.reshape(1, -1), DEPTH)[1][0]

    def lexical_half():
        return lexical.search(terms, SearchFilters(), DEPTH)

    lex, ids = in_parallel(lexical_half, vector_half) if parallel else (lexical_half(), vector_half())
    scores = np.linspace(0.6, 0.3, len(ids))  # stand-in cosines: the combination only scales them to their list
    ranked = combine(lex.hits, list(zip(map(str, ids), scores)))
    if title_start and len(terms) >= TITLE_START_MIN_TERMS:
        candidates = title_start_candidates(lex.hits)
        sql = f"SELECT id, title FROM titles WHERE id IN ({', '.join('?' * len(candidates))})"
        titles_first(ranked, dict(titles_db.execute(sql, candidates).fetchall()), terms)


def serve_rss(work: Path, queries_file: Path) -> dict:
    """Runs in a fresh process, as a web process serves: load the saved indexes and the model,
    answer the queries (one untimed pass, then timed), report latency and RSS. The build steps
    before it leave the measuring process with gigabytes allocated and freed and BLAS/OpenMP pools
    warm; at 3M the same hybrid timed there came out 1.5-2x slower than here."""
    base = rss_mb()
    lexical = LexicalIndex(work / "lexical")
    index = faiss.read_index(str(work / "ann.faiss"))
    if isinstance(index, faiss.IndexIVF):
        index.nprobe = IVF_NPROBE
    qv = np.load(queries_file)
    texts = json.loads((work / "queries.json").read_text())
    term_lists = [query_terms(text) for text in texts]
    titles_db = sqlite3.connect(work / "titles.sqlite3", check_same_thread=False)
    embedder = Embedder()

    def hybrid(i, embed=True):
        served_hybrid(lexical, index, embedder, titles_db, texts[i], term_lists[i], qv[i % len(qv)], embed=embed)

    queries = range(len(texts))
    for i in queries:
        hybrid(i)
    return {
        "rss_mb_after_queries": round(rss_mb()), "python_django_baseline_mb": round(base),
        "lexical": summary(timed(lambda i: lexical.search(term_lists[i], SearchFilters(), DEPTH), queries)),
        "hybrid": summary(timed(lambda i: hybrid(i, embed=False), queries)),
        "hybrid_with_query_embedding": summary(timed(hybrid, queries)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline-papers", type=int, default=None, help="FTS5 baseline over only the first N papers (default: all)")
    parser.add_argument("--baseline-queries", type=int, default=1_000, help="queries for the (slow) FTS5 and numpy baselines")
    parser.add_argument("--work", type=Path, default=None, help="directory for index files (default: temp)")
    parser.add_argument("--build-only", action="store_true", help="build (or keep) the lexical indexes in --work and stop")
    parser.add_argument("--serve-rss", type=Path, default=None,
                        help="only the serving step, in this process, over the indexes an earlier run left in this --work dir")
    parser.add_argument("--frequent-term-share", type=float, default=None,
                        help="override lexical.FREQUENT_TERM_SHARE, to compare settings over the same indexes")
    args = parser.parse_args(argv)
    if args.frequent_term_share is not None:
        lexical_module.FREQUENT_TERM_SHARE = args.frequent_term_share
    if args.serve_rss:
        print(json.dumps(serve_rss(args.serve_rss, args.serve_rss / "qv.npy")))
        return 0
    faiss.omp_set_num_threads(2)
    work = args.work or Path(tempfile.mkdtemp(prefix="search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    report = {"papers": args.papers, "cpu_cores": os.cpu_count(), "queries": args.queries}
    texts = queries_from_sample(args.queries, args.seed)
    (work / "queries.json").write_text(json.dumps(texts))

    # Embedding model: throughput on sample papers, per-query latency on short queries.
    from dailypapers.ingest.sources.sample import sample_rows

    embedder = Embedder()
    docs = [paper_text(r["title"], r["abstract"]) for r in sample_rows()[:128]]
    embedder.embed(docs[:8])
    t = time.perf_counter()
    embedder.embed(docs)
    report["embedding"] = {"model": embedder.name, "device": embedder.device, "docs_per_s": round(len(docs) / (time.perf_counter() - t), 1)}
    embedder.embed_query(texts[0])
    embed_times = timed(embedder.embed_query, texts)
    report["query_embedding"] = summary(embed_times)
    # Before: a query through the bulk session (all cores, behind the bulk lock).
    report["query_embedding_bulk_session"] = summary(timed(lambda q: embedder.embed([q]), texts))

    # Lexical: tantivy (as served, and the query form used before) vs FTS5.
    baseline_papers = min(args.baseline_papers or args.papers, args.papers)
    report["baseline_papers"] = baseline_papers
    lexical, fts, build = build_corpus(args.papers, args.seed, work, baseline_papers)
    if args.build_only:
        print(json.dumps(build))
        return 0
    report["lexical_build"] = build
    term_lists = [query_terms(q) for q in texts]
    # One untimed pass of each form first: a fresh index's postings are still on disk, and
    # whichever form ran first would pay for reading them into the page cache.
    for terms in term_lists:
        lexical.search(terms, SearchFilters(), DEPTH)
        v1_lexical_search(lexical, terms)
    lex_times = timed(lambda terms: lexical.search(terms, SearchFilters(), DEPTH), term_lists)
    # The same queries without the title-phrase clause (issue 14), to see what it costs.
    with_phrase = lexical_module.TITLE_PHRASE_MAX_TERMS
    lexical_module.TITLE_PHRASE_MAX_TERMS = 0
    no_phrase_times = timed(lambda terms: lexical.search(terms, SearchFilters(), DEPTH), term_lists)
    lexical_module.TITLE_PHRASE_MAX_TERMS = with_phrase
    v1_times = timed(lambda terms: v1_lexical_search(lexical, terms), term_lists)
    # FTS5 ranks every match: seconds per query at millions of papers, so a bounded number.
    baseline_n = min(args.baseline_queries, len(texts))
    fts_sql = "SELECT pid FROM papers WHERE papers MATCH ? ORDER BY bm25(papers, 0, 3.0, 1.0, 1.5) LIMIT 100"
    fts_times = timed(lambda terms: fts.execute(fts_sql, (" OR ".join(f'"{t}"' for t in terms),)).fetchall(), term_lists[:baseline_n])
    report["lexical"] = summary(lex_times)
    report["lexical_without_title_phrase"] = summary(no_phrase_times)
    report["lexical_v1_query_form"] = summary(v1_times)
    report["baseline_fts5"] = {**summary(fts_times), "queries": baseline_n}
    fts.close()

    # Vectors: production index kind vs numpy brute force.
    vectors = clustered_vectors(args.papers, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    qv = vectors[rng.integers(0, args.papers, args.queries)] + 0.05 * rng.standard_normal((args.queries, DIM)).astype(np.float32)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)
    np.save(work / "qv.npy", qv)
    t = time.perf_counter()
    sample = vectors[rng.choice(args.papers, min(args.papers, 100_000), replace=False)]
    index = make_index(DIM, args.papers, sample)
    for start in range(0, args.papers, 100_000):
        index.add_with_ids(vectors[start : start + 100_000], np.arange(start, min(args.papers, start + 100_000), dtype=np.int64))
    report["vector_build"] = {"kind": type(index).__name__, "s": round(time.perf_counter() - t, 1),
                              "vectors_per_s": round(args.papers / (time.perf_counter() - t))}
    faiss.write_index(index, str(work / "ann.faiss"))
    ann_times, ann_ids = [], []
    for q in qv:
        start = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), DEPTH)
        ann_times.append(time.perf_counter() - start)
        ann_ids.append(ids[0])
    brute_times, recalls = [], []
    for q, found in zip(qv[:baseline_n], ann_ids):
        start = time.perf_counter()
        scores = vectors @ q
        top = np.argpartition(-scores, K)[:K]
        brute_times.append(time.perf_counter() - start)
        recalls.append(len(set(top.tolist()) & set(found[:K].tolist())) / K)
    report["vector"] = {**summary(ann_times), f"recall@10_vs_exact_{baseline_n}_queries": round(float(np.mean(recalls)), 3)}
    report["baseline_numpy_bruteforce"] = {**summary(brute_times), "queries": baseline_n}
    del vectors
    gc.collect()

    # Hybrid as served: both halves at once (the backend's in_parallel) + fusion. ANN ids stand in
    # for paper ids; the DB lookup of the 10-20 hits shown is common to every method and left out.
    # With the query embedding, the real model embeds the query text (its vector cannot search the
    # synthetic ANN index, which gets the synthetic query vector).
    titles_db = sqlite3.connect(work / "titles.sqlite3", check_same_thread=False)

    def hybrid(i, embed=False, parallel=True, title_start=True):
        served_hybrid(lexical, index, embedder, titles_db, texts[i], term_lists[i], qv[i], embed=embed, parallel=parallel,
                      title_start=title_start)  # fmt: skip

    queries = range(len(texts))
    report["hybrid"] = summary(timed(hybrid, queries))
    # The same without the titles-first step (its one primary-key lookup of <= 20 titles), to see what it costs.
    report["hybrid_without_title_start"] = summary(timed(lambda i: hybrid(i, title_start=False), queries))
    report["hybrid_with_query_embedding"] = summary(timed(lambda i: hybrid(i, embed=True), queries))
    report["hybrid_with_query_embedding_sequential"] = summary(timed(lambda i: hybrid(i, embed=True, parallel=False), queries))
    report["vector_with_query_embedding"] = summary([a + e for a, e in zip(ann_times, embed_times)])
    baseline_hybrid = [a + b for a, b in zip(fts_times, brute_times)]
    report["baseline_hybrid"] = {**summary(baseline_hybrid), "queries": len(baseline_hybrid)}
    report["ratios_baseline_over_ours_p95"] = {
        "lexical": round(pct(fts_times, 95) / pct(lex_times, 95), 1),
        "lexical_v1_over_now": round(pct(v1_times, 95) / pct(lex_times, 95), 2),
        "vector": round(pct(brute_times, 95) / pct(ann_times, 95), 1),
        "hybrid": round(pct(baseline_hybrid, 95) / report["hybrid"]["p95_ms"], 1),
    }
    report["index_sizes_mb"] = {
        "tantivy": round(sum(f.stat().st_size for f in (work / "lexical").iterdir()) / 2**20),
        "faiss": round((work / "ann.faiss").stat().st_size / 2**20),
        "fts5": round((work / "fts.sqlite3").stat().st_size / 2**20),
    }
    titles_db.close()
    index = lexical = None  # free them before measuring memory (a del would unbind the closures above)
    gc.collect()
    served = subprocess.run([sys.executable, __file__, "--serve-rss", str(work)], capture_output=True, text=True, check=True)
    report["serving"] = json.loads(served.stdout.strip().splitlines()[-1])
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
