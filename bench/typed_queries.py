"""Queries as people type them (issue 24): typos, "Surname et al.", years, "arxiv <id>", questions,
keyboard mash — measured on queries this project did not write, against the words spelled right.

    PYTHONPATH=src .venv/bin/python bench/typed_queries.py [--vectors /tmp/typed-vectors.npy] [--json out.json]

Corpus: the bundled sample listings (``ingest sample``, the judged set's papers) plus the 3,032
real arXiv records of ``data/demo_arxiv_records.jsonl.gz`` (those whose title is a listing's are
left out: one paper, one id), in a fresh SQLite data directory, indexed and embedded by the
configured model (``--vectors`` keeps the vectors between runs: embedding takes minutes here).

Query sets, each drawn by a ``random.Random`` of :data:`SEED` from data, none written here:
* ``title``: 100 real record titles, each with its paper; ``title typos``: the same with typos;
* ``topic``/``topic typos``: the judged set's keyword and description queries
  (``search/relevance/queries.json``, judged on the sample) and the same with typos;
* typos: every word of 4+ letters (stop words aside) gets, with probability 0.5 (at least one word
  per query), one edit of the kinds people make: a letter dropped, doubled, swapped with the next,
  or replaced by a neighbouring key (7+ letters: a second edit with probability 0.25);
* ``question``: the judged descriptions inside question templates people type ("which paper …?",
  "how do I …?", "is there a method for …?"), judged as the descriptions;
* ``et al``/``et al year``/``surname year``: a record's first author's surname + "et al." (relevant:
  every record with that first-author surname), + its year (those of that year), surname + year
  (every record of that year with the surname among its authors);
* ``arxiv id``: "arxiv <id>" and "arXiv:<id>v2", the record itself;
* ``mash``: keyboard runs ("sdfghjkl" from a random key) and their pairs: the share answered "no
  good match".
Each set is measured in hybrid mode (nDCG@10; mash: share of "no good match"), and beside it bm25s
over the same corpus (``search.evaluation.BM25sBaseline``).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
os.environ.setdefault("DAILYPAPERS_DATA_DIR", tempfile.mkdtemp(prefix="typed-queries-"))

import django  # noqa: E402

from dailypapers.lib.datadir import prepare_data_dir  # noqa: E402

prepare_data_dir()
django.setup()

from django.core.management import call_command  # noqa: E402

from dailypapers.ingest.pipeline import IngestPipeline, SourceItem  # noqa: E402
from dailypapers.ingest.sources.sample import sample_items, sample_rows, title_key  # noqa: E402
from dailypapers.papers.models import Authorship, Paper, unaccented  # noqa: E402
from dailypapers.search import SearchQuery, get_backend  # noqa: E402
from dailypapers.search.evaluation import BM25sBaseline, ndcg, relevance_set  # noqa: E402
from dailypapers.search.query import STOP_WORDS  # noqa: E402

SEED = 24
TITLES = 100
PEOPLE = 60
ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
QUESTION_TEMPLATES = (
    "which paper should I read about {}?",
    "how do I find work on {}?",
    "is there a method for {}?",
    "what are the best approaches to {}?",
    "are there any papers about {}?",
    "what should I use for {}?",
)
NEIGHBOURS = {c: row[max(0, i - 1) : i] + row[i + 1 : i + 2] for row in ROWS for i, c in enumerate(row)}


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    kind = rng.choice(("drop", "double", "swap", "key"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[: i + 1] + word[i] + word[i + 1 :]
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    near = NEIGHBOURS.get(word[i].lower())
    return word[:i] + rng.choice(near) + word[i + 1 :] if near else word[:i] + word[i + 1 :]


def misspelled(text: str, rng: random.Random) -> str:
    words = text.split()
    eligible = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 4 and w.lower() not in STOP_WORDS]
    if not eligible:
        return text
    chosen = {i for i in eligible if rng.random() < 0.5} or {rng.choice(eligible)}
    for i in chosen:
        w = typo(words[i], rng)
        if len(w) >= 7 and rng.random() < 0.25:
            w = typo(w, rng)
        words[i] = w
    return " ".join(words)


def load_corpus(vectors: Path | None) -> None:
    call_command("migrate", verbosity=0)
    if Paper.objects.exists():  # DAILYPAPERS_DATA_DIR of an earlier run: its papers and vectors
        get_backend().ensure_consistent()
        return
    IngestPipeline("sample").run(sample_items())
    listed = {title_key(r["title"]) for r in sample_rows()}
    with gzip.open(ROOT / "src/dailypapers/data/demo_arxiv_records.jsonl.gz", "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    records = [r for r in records if title_key(r["title"]) not in listed]
    IngestPipeline("jsonl").run(SourceItem(location=r["id"], data=r) for r in records)
    backend = get_backend()
    backend.process_pending_updates()
    if vectors and vectors.exists():
        backend.import_vectors(vectors)
    started = time.monotonic()
    embedded = backend.embed_pending()
    if embedded:
        print(f"embedded {embedded} papers in {time.monotonic() - started:.0f} s", file=sys.stderr)
    if vectors and embedded:
        backend.export_vectors(vectors)


def author_queries(rng: random.Random) -> dict[str, list[dict]]:
    records = list(Paper.objects.exclude(source="sample").values_list("pk", "published_at"))
    names_of = defaultdict(list)
    for pid, name in Authorship.objects.order_by("paper_id", "position").values_list("paper_id", "author__name"):
        names_of[pid].append(name)

    def surname(name: str) -> str:
        words = [w for w in unaccented(name).replace(".", " ").split() if len(w) > 1]
        return words[-1] if words else ""

    first, anywhere = defaultdict(set), defaultdict(set)
    years = {}
    for pid, published in records:
        names = names_of.get(pid, [])
        years[pid] = published.year if published else None
        if names and (s := surname(names[0])):
            first[s.lower()].add(pid)
        for name in names:
            if s := surname(name):
                anywhere[s.lower()].add(pid)
    spelled = {}
    for names in names_of.values():
        for name in names:
            spelled.setdefault(surname(name).lower(), surname(name))
    picks = rng.sample(sorted(s for s in first if s.isalpha()), PEOPLE)
    sets = {"et al": [], "et al year": [], "surname year": []}
    for s in picks:
        name = spelled[s]
        sets["et al"].append({"query": f"{name} et al.", "relevant": first[s]})
        year = years[rng.choice(sorted(first[s]))]
        if year:
            sets["et al year"].append({"query": f"{name} et al. {year}", "relevant": {p for p in first[s] if years[p] == year}})
            sets["surname year"].append({"query": f"{name} {year}", "relevant": {p for p in anywhere[s] if years[p] == year}})
    ids = rng.sample(sorted(pid for pid, _ in records), 40)
    sets["arxiv id"] = [{"query": f"arxiv {pid}", "relevant": {pid}} for pid in ids[:20]]
    sets["arxiv id"] += [{"query": f"arXiv:{pid}v2", "relevant": {pid}} for pid in ids[20:]]
    return sets


def mash_queries(rng: random.Random) -> list[str]:
    def run() -> str:
        row = rng.choice(ROWS)
        length = rng.randint(6, len(row))
        start = rng.randint(0, len(row) - length)
        text = row[start : start + length]
        return text[::-1] if rng.random() < 0.5 else text

    return [run() for _ in range(20)] + [f"{run()} {run()}" for _ in range(20)]


def query_sets() -> tuple[dict[str, list[dict]], list[str]]:
    rng = random.Random(SEED)
    records = list(Paper.objects.exclude(source="sample").values_list("pk", "title"))
    titles = rng.sample(sorted(records), TITLES)
    sets: dict[str, list[dict]] = {"title": [{"query": t, "relevant": {pid}} for pid, t in titles]}
    sets["title typos"] = [{"query": misspelled(q["query"], rng), "relevant": q["relevant"]} for q in sets["title"]]
    judged = [q for q in relevance_set("all") if q["class"] in ("keyword", "description") and q["corpus"] == "sample"]
    sets["topic"] = [{"query": q["query"], "relevant": q["relevant"]} for q in judged]
    sets["topic typos"] = [{"query": misspelled(q["query"], rng), "relevant": q["relevant"]} for q in sets["topic"]]
    descriptions = [q for q in judged if q["class"] == "description"]
    sets["question"] = [
        {"query": rng.choice(QUESTION_TEMPLATES).format(q["query"][0].lower() + q["query"][1:].rstrip(".?")), "relevant": q["relevant"]}
        for q in descriptions
    ]
    sets["question/description"] = [{"query": q["query"], "relevant": q["relevant"]} for q in descriptions]
    sets.update(author_queries(rng))
    return sets, mash_queries(rng)


def search(text: str, **options) -> list[str]:
    query = SearchQuery(text, limit=10)
    fields = {f.name for f in dataclasses.fields(SearchQuery)}
    query = dataclasses.replace(query, **{k: v for k, v in options.items() if k in fields})
    return [h.paper_id for h in get_backend().search(query).hits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vectors", type=Path, help="an .npy of vectors to reuse (written after a first embedding)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    load_corpus(args.vectors)
    sets, mash = query_sets()
    bm25 = BM25sBaseline()
    report = {"papers": Paper.objects.count(), "seed": SEED, "sets": {}}
    for name, queries in sets.items():
        hybrid = [ndcg(search(q["query"]), q["relevant"]) for q in queries]
        row = {"queries": len(queries), "hybrid": sum(hybrid) / len(hybrid)}
        if name.endswith("typos"):
            off = [ndcg(search(q["query"], spelling=False), q["relevant"]) for q in queries]
            row["hybrid, spelling off"] = sum(off) / len(off)
        row["bm25s"] = sum(ndcg(bm25.search(q["query"]), q["relevant"]) for q in queries) / len(queries)
        report["sets"][name] = row
    no_match = [get_backend().search(SearchQuery(q)).no_good_match for q in mash]
    report["sets"]["mash"] = {"queries": len(mash), "no good match": sum(no_match) / len(mash),
                              "examples": mash[:3] + mash[20:22]}  # fmt: skip
    started = time.monotonic()
    for q in sets["title typos"]:
        search(q["query"])
    report["title typos hybrid ms/query (incl. query embedding)"] = round(1000 * (time.monotonic() - started) / len(sets["title typos"]), 1)
    print(f"{report['papers']} papers, seed {SEED}")
    for name, row in report["sets"].items():
        print(f"{name:<22} " + "  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))
    print(f"title typos: {report['title typos hybrid ms/query (incl. query embedding)']} ms/query")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
