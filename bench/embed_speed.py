"""Embedding speed of the shipped model and the candidates, in one run (same texts, same load):
documents per second (batch 32, the worker's threads), query-embedding latency (one thread, as a
search embeds its query) and the process's peak RSS after loading the model and embedding.

    .venv/bin/python bench/embed_speed.py --docs DATA/scifact --models shipped,minilm-l3 [--n 256]

Documents: the first ``--n`` SciFact abstracts (title + abstract, ~215 words, cut at 128 tokens);
queries: SciFact's test claims. Each model runs in a fresh subprocess so RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(model: str, docs_path: str, n: int) -> dict:
    sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "src")]
    import numpy as np
    import public_sets

    from dailypapers.search.embedder import Embedder, paper_text

    collection = public_sets.read("scifact", Path(docs_path))
    texts = [paper_text(d.title, d.text) for d in list(collection.docs.values())[:n]]
    queries = list(collection.queries["test"].values())[:100]
    if model == "shipped":
        emb = Embedder()
    else:
        import embed_candidates

        emb = embed_candidates.load(model)
    emb.embed(texts[:32])  # warm up
    start = time.perf_counter()
    emb.embed(texts)
    docs_per_s = len(texts) / (time.perf_counter() - start)
    times = []
    for q in queries:
        t = time.perf_counter()
        emb.embed_query(q)
        times.append((time.perf_counter() - t) * 1000)
    return {
        "model": model, "docs": len(texts), "docs_per_s": round(docs_per_s, 1),
        "query_p50_ms": round(float(np.percentile(times, 50)), 1), "query_p95_ms": round(float(np.percentile(times, 95)), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", required=True, help="the SciFact directory (bench/README.md)")
    parser.add_argument("--models", default="shipped,minilm-l3")
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.docs, args.n)))
        return
    print(" ".join(["bench/embed_speed.py", *(argv if argv is not None else sys.argv[1:])]), f"(load {os.getloadavg()[0]:.1f})")
    for model in args.models.split(","):
        out = subprocess.run([sys.executable, __file__, "--docs", args.docs, "--n", str(args.n), "--one", model],
                             capture_output=True, text=True, check=True)  # fmt: skip
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
