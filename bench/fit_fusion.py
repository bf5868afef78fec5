"""Fit the hybrid fusion on ONE collection's training split, then score every fusion on the others.

    .venv/bin/python bench/fit_fusion.py --work /tmp/public-ir [--model shipped] [--fit scifact:judged-train]

Reads the halves ``bench/public_ir.py`` saved (``--work``/halves-*.pkl: every query's BM25 and
cosine lists), so nothing is searched again. Fusions compared:

- ``rrf60``: plain reciprocal rank fusion, k = 60, equal weights (the baseline);
- ``wrrf``: weighted RRF, ``w / (k + lexical rank) + (1 - w) / (k + vector rank)``: two parameters;
- ``cc``: convex combination of min-max normalised scores, ``a * bm25' + (1 - a) * cosine'``
  (``fusion.combine``): one parameter;
- ``cc+titles``, ``cc+person``: the chosen combination with one extra rule each (titles that start
  with the query first; a person's name keeps BM25's order), to see whether a rule helps on data it
  was not chosen on;
- ``served``: ``fusion.hybrid`` as it is now, and ``before``: an older ``fusion.py`` (``--before``).

Every grid point is scored on the fit split only; the best is then reported on every other set.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "src")]

from public_ir import ndcg, served_hybrid  # noqa: E402

from dailypapers.search import fusion  # noqa: E402
from dailypapers.search.evaluation import plain_rrf  # noqa: E402

ALPHAS = [round(a, 2) for a in np.arange(0.0, 1.0001, 0.05)]
RRF_KS = (5, 10, 20, 30, 60, 100)
RRF_WEIGHTS = [round(w, 2) for w in np.arange(0.1, 0.91, 0.1)]


def ids(pairs):
    return [d for d, _ in pairs]


def wrrf(row, k, w):
    return [d for d, _ in fusion.reciprocal_rank_fusion([(ids(row["lexical"]), w), (ids(row["vector"]), 1 - w)], k=k)]


def cc(row, alpha):
    return ids(fusion.combine(row["lexical"], row["vector"], alpha))


def mean_ndcg(rows, rank) -> float:
    return float(np.mean([ndcg(rank(row), row["relevant"]) for row in rows])) if rows else 0.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--model", default="shipped")
    parser.add_argument("--fit", default="scifact:judged-train", help="COLLECTION:QUERY_SET the parameters are chosen on")
    parser.add_argument("--before", type=Path, help="an older fusion.py to score beside (column 'before')")
    args = parser.parse_args(argv)
    data = {}
    for file in sorted(args.work.glob(f"halves-*-{args.model}.pkl")):
        name = file.name[len("halves-") : -len(f"-{args.model}.pkl")]
        data[name] = pickle.loads(file.read_bytes())
    fit_collection, fit_set = args.fit.split(":")
    fit_rows = data[fit_collection]["sets"][fit_set]
    print(f"fit on {args.fit}: {len(fit_rows)} queries")
    grid_cc = {a: mean_ndcg(fit_rows, lambda r, a=a: cc(r, a)) for a in ALPHAS}
    grid_wrrf = {(k, w): mean_ndcg(fit_rows, lambda r, k=k, w=w: wrrf(r, k, w)) for k, w in itertools.product(RRF_KS, RRF_WEIGHTS)}
    best_a = max(grid_cc, key=grid_cc.get)
    best_kw = max(grid_wrrf, key=grid_wrrf.get)
    print("cc grid (alpha: nDCG@10): " + ", ".join(f"{a}: {v:.4f}" for a, v in grid_cc.items()))
    print(f"cc best alpha {best_a}: {grid_cc[best_a]:.4f}; wrrf best k={best_kw[0]} w={best_kw[1]}: {grid_wrrf[best_kw]:.4f}; "
          f"rrf60 {mean_ndcg(fit_rows, lambda r: plain_rrf(ids(r['lexical']), ids(r['vector']))):.4f}")
    systems = {
        "bm25s": lambda r, t: r["bm25s"],
        "lexical": lambda r, t: ids(r["lexical"]),
        "vector": lambda r, t: ids(r["vector"]),
        "rrf60": lambda r, t: plain_rrf(ids(r["lexical"]), ids(r["vector"])),
        "served": lambda r, t: served_hybrid(r, t),
        **({"before": lambda r, t: served_hybrid(r, t, before)} if (before := older_fusion(args.before)) else {}),
        f"wrrf{best_kw[0]},{best_kw[1]}": lambda r, t: wrrf(r, *best_kw),
        f"cc{best_a}": lambda r, t: cc(r, best_a),
    }
    systems["cc+titles"] = lambda r, t: ids(rule_applied(fusion.combine(r["lexical"], r["vector"], best_a), r, t, "titles"))
    systems["cc+person"] = lambda r, t: ids(rule_applied(fusion.combine(r["lexical"], r["vector"], best_a), r, t, "person"))
    names = list(systems)
    header = f"{'collection':<10} {'queries':<16} {'n':>4} " + " ".join(f"{s:>11}" for s in names)
    print(header)
    print("-" * len(header))
    for collection, d in data.items():
        for set_name, rows in d["sets"].items():
            scores = [mean_ndcg(rows, lambda r, f=f: f(r, d["titles"])) for f in systems.values()]
            best = max(scores)
            mark = " (fit)" if (collection, set_name) == (fit_collection, fit_set) else ""
            print(f"{collection:<10} {set_name + mark:<16} {len(rows):>4} " + " ".join(f"{s:>10.3f}{'*' if s == best else ' '}" for s in scores))


def older_fusion(path: Path | None):
    if path is None:
        return None
    import importlib.util

    spec = importlib.util.spec_from_file_location("fusion_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rule_applied(fused, row, titles, rule):
    terms = row["terms"]
    if rule == "titles" and len(terms) >= fusion.TITLE_START_MIN_TERMS:
        return fusion.titles_first(fused, {d: titles[d] for d in fusion.title_start_candidates(row["lexical"])}, terms)
    if rule == "person" and row["person"]:
        return fusion.put_first(fused, ids(row["lexical"]))
    return fused


if __name__ == "__main__":
    main()
