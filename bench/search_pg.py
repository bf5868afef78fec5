"""Search benchmark: the PostgreSQL backend against the embedded one, same corpus, same run.

    bash scripts/with-postgres.sh .venv/bin/python bench/search_pg.py --papers 100000

Needs a throw-away PostgreSQL with pgvector (``DATABASE_URL``; scripts/with-postgres.sh starts one);
it migrates that database and fills it. Corpus: ``bench/synthetic.py`` records, written straight
into the papers table; the keyword documents through the backend's own upsert, the vectors as
clustered synthetic 384-d unit vectors (as ``bench/search_bench.py``: a transformer would need days
to embed millions of papers on 2 cores) into ``search_paperembedding``, then copied by the backend's
rebuild (HNSW built once at the end). The embedded backend gets the same papers and vectors
(tantivy + ``vectors.make_index``).

Timed per query, p50/p95 in ms (the query embedding, the same for both, is measured apart and
added in ``*_with_query_embedding``):
* lexical: the keyword half as a hybrid search runs it (top 100, total estimated) and as the
  keyword mode runs it (with the capped exact count), and its first statements apart (document
  frequencies, whether the words read as a person's name): where the time goes;
* vector: the nearest 100 (HNSW, ``hnsw.ef_search`` as served) vs faiss;
* hybrid: both halves + ``fusion.hybrid`` as served (without the title-start lookup) (PostgreSQL: the embedding overlaps the keyword SQL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
os.environ.setdefault("DAILYPAPERS_DATA_DIR", tempfile.mkdtemp(prefix="search-pg-bench-"))
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    raise SystemExit("needs DATABASE_URL of a throw-away PostgreSQL (bash scripts/with-postgres.sh ...)")

import django  # noqa: E402

from dailypapers.lib.datadir import prepare_data_dir  # noqa: E402

prepare_data_dir()
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from search_bench import clustered_vectors, queries_from_sample, summary, timed  # noqa: E402
from synthetic import generate_snapshot_records  # noqa: E402

from dailypapers.ingest.postgres_writes import copy_rows  # noqa: E402
from dailypapers.papers.models import Paper  # noqa: E402
from dailypapers.search.backends import postgres as pg  # noqa: E402
from dailypapers.search.backends.base import SearchFilters  # noqa: E402
from dailypapers.search.backends.common import FUSION_DEPTH  # noqa: E402
from dailypapers.search.backends.local import in_parallel  # noqa: E402
from dailypapers.search.embedder import Embedder, get_embedder  # noqa: E402
from dailypapers.search.fusion import hybrid  # noqa: E402
from dailypapers.search.lexical import LexicalDoc, LexicalIndex  # noqa: E402
from dailypapers.search.query import keywords, query_terms  # noqa: E402
from dailypapers.search.vectors import make_index  # noqa: E402

DEPTH = FUSION_DEPTH
CHUNK = 10_000


def load_corpus(n: int, seed: int, vectors: np.ndarray, lexical: LexicalIndex, backend) -> dict:
    """Papers, documents and embeddings into PostgreSQL, the same papers into tantivy."""
    now = dt.datetime.now(dt.UTC)
    model = get_embedder().name
    paper_cols = ["id", "source", "title", "abstract", "published_at", "version", "categories", "primary_category", "doi",
                  "journal_ref", "comments", "license", "report_no", "github_repo", "project_page", "imported_upvotes",
                  "member_upvotes", "num_comments", "content_hash", "created_at", "modified_at"]  # fmt: skip
    timings = {"papers_s": 0.0, "pg_documents_s": 0.0, "tantivy_s": 0.0, "embeddings_copy_s": 0.0}
    papers, docs = [], []
    row = 0
    for i, rec in enumerate(generate_snapshot_records(n, seed), 1):
        title, abstract = " ".join(rec["title"].split()), " ".join(rec["abstract"].split())
        cats = rec["categories"].split()
        published = now - dt.timedelta(days=i % 3650)
        papers.append((rec["id"], "arxiv", title, abstract, published, 1, json.dumps(cats), cats[0], *[""] * 7, 0, 0, 0, "", now, now))
        docs.append(LexicalDoc(rec["id"], title, abstract, rec["authors"].split(", "), cats, [], False, published.date()))
        if len(papers) == CHUNK or i == n:
            t = time.perf_counter()
            copy_rows("papers_paper", paper_cols, papers)
            timings["papers_s"] += time.perf_counter() - t
            t = time.perf_counter()
            with connection.cursor() as cursor:
                backend._write_documents(cursor, docs)
            timings["pg_documents_s"] += time.perf_counter() - t
            t = time.perf_counter()
            lexical.upsert(docs)
            timings["tantivy_s"] += time.perf_counter() - t
            t = time.perf_counter()
            copy_rows(
                "search_paperembedding", ["id", "paper_id", "model", "text_hash", "vector", "created_at"],
                [(row + j + 1, p[0], model, "", vectors[row + j].astype(np.float16).tobytes(), now) for j, p in enumerate(papers)],
            )  # fmt: skip
            timings["embeddings_copy_s"] += time.perf_counter() - t
            row += len(papers)
            papers, docs = [], []
            print(f"  {i:,} papers", file=sys.stderr)
    t = time.perf_counter()
    lexical.commit()
    timings["tantivy_s"] += time.perf_counter() - t
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {pg.DOCUMENTS}")
        cursor.execute("ANALYZE papers_paper")
        cursor.execute("SELECT setval(pg_get_serial_sequence('search_paperembedding', 'id'), %s)", [n])
    t = time.perf_counter()
    backend._rebuild_vectors(None)
    timings["pg_vectors_copy_and_hnsw_s"] = time.perf_counter() - t
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {pg.VECTORS}")
        cursor.execute(
            "SELECT pg_total_relation_size(%s), pg_total_relation_size(%s), pg_relation_size(%s)",
            [pg.DOCUMENTS, pg.VECTORS, f"{pg.VECTORS}_hnsw"],
        )
        sizes = cursor.fetchone()
    return {**{k: round(v, 1) for k, v in timings.items()},
            "sizes_mb": {"pg_documents_with_gin": round(sizes[0] / 2**20), "pg_vectors_with_hnsw": round(sizes[1] / 2**20),
                         "hnsw_index": round(sizes[2] / 2**20)}}  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--load-only", action="store_true", help="fill the database and stop (to experiment on it)")
    parser.add_argument("--work", type=Path, help="keep the tantivy index here; with a database an earlier run filled "
                        "(same --papers and --seed, e.g. a cluster kept running), measure without loading again")
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0)
    work = args.work or Path(tempfile.mkdtemp(prefix="search-pg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    stamp = {"papers": args.papers, "seed": args.seed}
    backend = pg.PostgresSearchBackend()
    assert backend.vectors_available(), "pgvector is missing"
    report = {"papers": args.papers, "cpu_cores": os.cpu_count(), "queries": args.queries}
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), (SELECT extversion FROM pg_extension WHERE extname = 'vector')")
        report["postgres_version"], report["pgvector_version"] = cursor.fetchone()
    vectors = clustered_vectors(args.papers, args.seed)
    stamp_path = work / "loaded.json"
    loaded = json.loads(stamp_path.read_text()) if stamp_path.exists() else {}
    if {k: loaded.get(k) for k in stamp} == stamp and Paper.objects.count() == args.papers:
        print(f"reusing the corpus loaded earlier ({work}, the database)", file=sys.stderr)
        lexical = LexicalIndex(work / "lexical")
        report["build"] = loaded["build"]
    else:
        shutil.rmtree(work / "lexical", ignore_errors=True)
        lexical = LexicalIndex(work / "lexical")
        t = time.perf_counter()
        report["build"] = load_corpus(args.papers, args.seed, vectors, lexical, backend)
        report["build"]["total_s"] = round(time.perf_counter() - t, 1)
        stamp_path.write_text(json.dumps({**stamp, "build": report["build"]}))
    if args.load_only:
        print(json.dumps(report, indent=2))
        return 0
    t = time.perf_counter()
    ann = make_index(384, args.papers, vectors[np.random.default_rng(args.seed).choice(args.papers, min(args.papers, 100_000), replace=False)])
    ann.add_with_ids(vectors, np.arange(args.papers, dtype=np.int64))
    report["build"]["faiss_s"] = round(time.perf_counter() - t, 1)

    texts = queries_from_sample(args.queries, args.seed)
    term_lists = [query_terms(q) for q in texts]
    rng = np.random.default_rng(args.seed + 1)
    qv = vectors[rng.integers(0, args.papers, args.queries)] + 0.05 * rng.standard_normal((args.queries, 384)).astype(np.float32)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)
    del vectors
    none, cs_lg = SearchFilters(), SearchFilters(category="cs.LG")
    embedder = Embedder()
    embedder.embed_query(texts[0])
    report["query_embedding"] = summary(timed(embedder.embed_query, texts))

    # One untimed pass first: the first touch of each index page reads it into the cache.
    for i, terms in enumerate(term_lists):
        backend._lexical_ranking(terms, none, DEPTH, False)
        backend._vector_ranking(qv[i], none, DEPTH)
        lexical.search(terms, none, DEPTH)

    def pg_frequencies(terms):
        with connection.cursor() as cursor:
            backend._document_frequencies(cursor, keywords(terms), *backend._corpus_statistics(cursor))

    with connection.cursor() as cursor:
        word_frequencies = [backend._document_frequencies(cursor, keywords(t), *backend._corpus_statistics(cursor)) for t in term_lists]

    def pg_name_check(i):
        with connection.cursor() as cursor:
            backend._reads_as_a_name(cursor, keywords(term_lists[i]), word_frequencies[i])

    pg_lex = timed(lambda terms: backend._lexical_ranking(terms, none, DEPTH, False), term_lists)
    report["postgres"] = {
        "lexical": summary(pg_lex),
        "lexical_mode_with_count": summary(timed(lambda terms: backend._lexical_ranking(terms, none, DEPTH, True), term_lists)),
        "lexical_document_frequencies_only": summary(timed(pg_frequencies, term_lists)),
        "lexical_name_check_only": summary(timed(pg_name_check, range(args.queries))),
        "lexical_filtered_cs_lg": summary(timed(lambda terms: backend._lexical_ranking(terms, cs_lg, DEPTH, False), term_lists)),
        "vector": summary(timed(lambda i: backend._vector_ranking(qv[i], none, DEPTH), range(args.queries))),
        "vector_filtered_cs_lg": summary(timed(lambda i: backend._vector_ranking(qv[i], cs_lg, DEPTH), range(args.queries))),
    }

    def pg_hybrid(i, embed):
        terms = term_lists[i]
        future = pg._EMBEDDING.submit(embedder.embed_query, texts[i]) if embed else None
        matches = backend._lexical_ranking(terms, none, DEPTH, False)
        lex, person = matches.hits, matches.person
        if future is not None:
            future.result()  # the synthetic vector searches: the model's cannot find synthetic papers
        ranked, _ = backend._vector_ranking(qv[i], none, DEPTH)
        return hybrid(lex, ranked, terms, lambda ids: {}, person)

    report["postgres"]["hybrid"] = summary(timed(lambda i: pg_hybrid(i, False), range(args.queries)))
    report["postgres"]["hybrid_with_query_embedding"] = summary(timed(lambda i: pg_hybrid(i, True), range(args.queries)))

    def local_hybrid(i, embed):
        terms = term_lists[i]

        def vector_half():
            if embed:
                embedder.embed_query(texts[i])
            return ann.search(qv[i].reshape(1, -1), DEPTH)

        lex, (scores, ids) = in_parallel(lambda: lexical.search(terms, none, DEPTH), vector_half)
        return hybrid(lex.hits, list(zip(map(str, ids[0]), scores[0])), terms, lambda ids: {}, lex.person)

    report["local"] = {
        "lexical": summary(timed(lambda terms: lexical.search(terms, none, DEPTH), term_lists)),
        "vector": summary(timed(lambda i: ann.search(qv[i].reshape(1, -1), DEPTH), range(args.queries))),
        "hybrid": summary(timed(lambda i: local_hybrid(i, False), range(args.queries))),
        "hybrid_with_query_embedding": summary(timed(lambda i: local_hybrid(i, True), range(args.queries))),
    }
    # How many rows the keyword half ranked: bounded by 3 tiers x CANDIDATES_PER_TIER whatever the size.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {pg.DOCUMENTS} d WHERE d.document @@ websearch_to_tsquery('english', %s)", ["model or learning"])
        report["postgres"]["matches_of_model_or_learning"] = cursor.fetchone()[0]
    report["candidate_bound"] = 3 * pg.CANDIDATES_PER_TIER
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
