"""Synthetic arXiv metadata-snapshot records of realistic shape, for benchmarks.

The records have the fields of arXiv's metadata snapshot (``id, submitter, authors,
authors_parsed, title, comments, journal-ref, doi, report-no, categories, license, abstract,
versions, update_date``) and its statistical shape:

- ids follow arXiv's schemes: old style (``hep-th/9901001``) up to March 2007, then ``YYMM.NNNN``
  and, from 2015, ``YYMM.NNNNN``, numbered in order within each month; monthly volume grows
  over time as arXiv's does, so recent months hold most papers;
- titles (~80 characters) and abstracts (~1,000 characters) have log-normal lengths and are
  drawn from the vocabulary of the bundled sample papers, with its word frequencies;
- 1–1000 authors per paper, long-tailed (median 4, a few large collaborations), drawn from a
  name space where prolific authors recur across papers, as author de-duplication will see;
- categories from a weighted mix, primary first, 0–3 cross-lists; 1–5 versions.

Usage::

    python bench/synthetic.py --records 1000000 --out /tmp/snapshot.jsonl.gz

or from Python: ``generate_snapshot_records(n, seed)`` and ``snapshot_to_import(record)``.
The records are a pure function of ``n`` and ``seed`` (no clock, no global random state, no set
iteration order): ids run from August 1991 to ``CORPUS_END`` (a fixed month in the past), so every
run on every day and in every process yields the same records.
"""

from __future__ import annotations

import argparse
import calendar
import gzip
import json
import math
import random
import re
import sys
import time
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path

try:  # the mapping lives with the snapshot source; re-exported for benchmark users
    from dailypapers.ingest.arxiv_format import snapshot_to_import
except ImportError:  # pragma: no cover - running from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from dailypapers.ingest.arxiv_format import snapshot_to_import

__all__ = ["generate_snapshot_records", "snapshot_to_import", "write_snapshot"]

SAMPLE_FILE = Path(__file__).resolve().parents[1] / "src" / "dailypapers" / "data" / "sample_papers.jsonl"

# (category, weight): roughly arXiv's primary-category mix, CS/physics/math heavy.
CATEGORIES = [
    ("cs.LG", 9), ("cs.CV", 8), ("cs.CL", 6), ("cs.AI", 4), ("cs.RO", 2), ("cs.CR", 2), ("cs.IR", 1),
    ("cs.DS", 1), ("cs.NI", 1), ("cs.SE", 1), ("cs.HC", 1), ("cs.IT", 1), ("stat.ML", 3), ("stat.ME", 1),
    ("math.CO", 2), ("math.AP", 2), ("math.PR", 2), ("math.OC", 2), ("math.NT", 1), ("math.AG", 1),
    ("math-ph", 1), ("quant-ph", 5), ("hep-th", 3), ("hep-ph", 3), ("hep-ex", 1), ("gr-qc", 2),
    ("astro-ph.GA", 2), ("astro-ph.CO", 2), ("astro-ph.SR", 2), ("astro-ph.HE", 1), ("astro-ph.EP", 1),
    ("cond-mat.mes-hall", 2), ("cond-mat.str-el", 2), ("cond-mat.mtrl-sci", 2), ("cond-mat.stat-mech", 1),
    ("physics.optics", 1), ("physics.flu-dyn", 1), ("eess.SP", 2), ("eess.IV", 1), ("eess.SY", 1),
    ("q-bio.NC", 1), ("q-fin.ST", 1), ("econ.EM", 1),
]  # fmt: skip
OLD_STYLE_ARCHIVES = ["hep-th", "hep-ph", "astro-ph", "cond-mat", "gr-qc", "quant-ph", "math", "nucl-th", "physics"]
LICENSES = [
    (None, 40), ("http://arxiv.org/licenses/nonexclusive-distrib/1.0/", 45),
    ("http://creativecommons.org/licenses/by/4.0/", 12), ("http://creativecommons.org/licenses/by-nc-sa/4.0/", 3),
]  # fmt: skip
FIRST_NAMES = """Ada Alan Alice Amir Ana Andrea Anna Arjun Ben Bo Carlos Chen Chiara Daniel David Diego Elena Emma
Eric Fatima Feng Giulia Hana Hao Hiroshi Ibrahim Igor Ines Ivan James Jia Jin John Jose Juan Julia Kai Karim Kenji
Laura Lei Li Lin Lucas Luis Maria Mario Mei Michael Ming Mohammed Nadia Naveen Nina Olga Omar Pablo Paul Pedro Peng
Priya Qiang Rahul Rui Sara Sergey Shan Sofia Sophie Tao Thomas Tim Wei Xin Yan Yang Yi Ying Yu Yuki Yun Zhang Zhen""".split()
LAST_NAMES = """Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Kim Lee Park Choi
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson
Thomas Taylor Moore Jackson Martin Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott
Nguyen Tran Pham Singh Kumar Sharma Gupta Patel Shah Das Rossi Russo Ferrari Bianchi Muller Schmidt Schneider Fischer
Weber Meyer Wagner Becker Dubois Durand Leroy Moreau Ivanov Petrov Sokolov Tanaka Suzuki Takahashi Watanabe Ito
Yamamoto Nakamura Kobayashi Sato Silva Santos Oliveira Souza Pereira Costa Almeida Cohen Levi Novak Kowalski""".split()
# The corpus ends before this (year, month). Fixed rather than "last month" so that the records do
# not depend on the clock; in the past, so every date passes the pipeline's "not in the future" check.
CORPUS_END = (2026, 1)
_WORD = re.compile(r"[A-Za-z][A-Za-z\-']*|\d+")


def _vocabulary() -> list[str]:
    """Every word occurrence of the sample papers: sampling from it keeps their frequencies."""
    words: list[str] = []
    with open(SAMPLE_FILE, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                words.extend(_WORD.findall(f"{row.get('title') or ''} {row.get('abstract') or ''}"))
    return words


def _months(last: tuple[int, int]) -> list[tuple[int, int, float]]:
    """(year, month, relative volume) from Aug 1991 to ``last``; volume grows ~10 % a year."""
    out = []
    for year in range(1991, last[0] + 1):
        for month in range(1, 13):
            if (1991, 8) <= (year, month) < last:
                out.append((year, month, math.exp(0.1 * (year - 1991))))
    return out


def _paper_id(year: int, month: int, number: int) -> tuple[str, str | None]:
    """The arXiv id of the ``number``-th paper of a month (1-based) and, for old style, its archive."""
    yymm = f"{year % 100:02d}{month:02d}"
    if (year, month) < (2007, 4):
        # Old-style ids number each archive's papers separately (3 digits a month per archive).
        archive = OLD_STYLE_ARCHIVES[number % len(OLD_STYLE_ARCHIVES)]
        return f"{archive}/{yymm}{number // len(OLD_STYLE_ARCHIVES) + 1:03d}", archive
    return (f"{yymm}.{number:05d}" if year >= 2015 else f"{yymm}.{number:04d}"), None


def _author_count(rng: random.Random) -> int:
    # Log-normal body (median 4) with a Pareto tail for collaborations; arXiv's own spread.
    if rng.random() < 0.004:
        return min(1000, int(50 * rng.paretovariate(1.2)))
    return max(1, min(1000, round(rng.lognormvariate(math.log(4), 0.6))))


def _rfc2822(t: float) -> str:
    return time.strftime("%a, %-d %b %Y %H:%M:%S GMT", time.gmtime(t))


def generate_snapshot_records(n: int, seed: int = 0) -> Iterator[dict]:
    """Yield ``n`` synthetic snapshot records, oldest ids first; the same (n, seed) gives the same records."""
    rng = random.Random(seed)
    vocab = _vocabulary()
    lower_vocab = [w.lower() if not w.isupper() else w for w in vocab]
    cats, cat_weights = zip(*CATEGORIES)
    cat_cum = list(accumulate(cat_weights))
    licenses, license_weights = zip(*LICENSES)
    license_cum = list(accumulate(license_weights))
    # Skewed name choice (index ~ u**2) makes common names and prolific authors recur.
    n_first, n_last = len(FIRST_NAMES), len(LAST_NAMES)

    # Later versions of the last months' papers would run past the corpus end: they are clamped to it.
    end = calendar.timegm((*CORPUS_END, 1, 0, 0, 0, 0, 0, 0))
    months = _months(CORPUS_END)
    total_weight = sum(w for _, _, w in months)
    quotas = [n * w / total_weight for _, _, w in months]
    # Round quotas so they sum to exactly n (largest remainders first).
    counts = [int(q) for q in quotas]
    for i in sorted(range(len(quotas)), key=lambda i: counts[i] - quotas[i])[: n - sum(counts)]:
        counts[i] += 1

    for (year, month, _), count in zip(months, counts):
        month_start = calendar.timegm((year, month, 1, 0, 0, 0, 0, 0, 0))
        old_style = (year, month) < (2007, 4)
        for number in range(1, count + 1):
            paper_id, archive = _paper_id(year, month, number)
            # Past 99,999 papers a month (never in reality) the scheme would overflow; keep ids unique.
            if not old_style and number > 99_999:
                paper_id = f"{year % 100:02d}{month:02d}.{number}"
            n_authors = _author_count(rng)
            parsed = []
            for _ in range(n_authors):
                first = FIRST_NAMES[int(n_first * rng.random() ** 2)]
                last = LAST_NAMES[int(n_last * rng.random() ** 2)]
                r = rng.random()
                initial = "" if r < 0.3 else chr(65 + int(26 * rng.random())) + "."
                if r > 0.85:
                    initial += " " + chr(65 + int(26 * rng.random())) + "."
                parsed.append([last, f"{first} {initial}".strip(), ""])
            authors = ", ".join(f"{p[1]} {p[0]}" for p in parsed)
            if archive:
                primary = archive if archive != "math" else "math.CO"
            else:
                primary = cats[_weighted_index(cat_cum, rng)]
            extra = {cats[_weighted_index(cat_cum, rng)] for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))}
            categories = " ".join([primary, *sorted(extra - {primary})])
            title_words = max(2, round(rng.lognormvariate(math.log(10), 0.35)))
            title = " ".join(rng.choices(vocab, k=title_words))
            title = title[:1].upper() + title[1:]
            abstract_words = max(10, round(rng.lognormvariate(math.log(150), 0.4)))
            words = rng.choices(lower_vocab, k=abstract_words)
            # Snapshot abstracts are hard-wrapped (~12 words a line) with leading spaces.
            abstract = "  " + "\n".join(" ".join(words[i : i + 12]) for i in range(0, len(words), 12)) + "\n"
            created = min(end - 7200, month_start + rng.random() * 27 * 86400)
            n_versions = min(5, 1 + int(rng.expovariate(1.6)))
            versions = []
            t = created
            for v in range(1, n_versions + 1):
                versions.append({"version": f"v{v}", "created": _rfc2822(t)})
                t = min(end - 3600, t + rng.expovariate(1 / (60 * 86400)))
            last_created = time.gmtime(created if n_versions == 1 else t - 1)
            has_doi = rng.random() < 0.35
            yield {
                "id": paper_id,
                "submitter": f"{parsed[0][1]} {parsed[0][0]}",
                "authors": authors,
                "title": title,
                "comments": f"{rng.randint(4, 60)} pages, {rng.randint(0, 15)} figures" if rng.random() < 0.7 else None,
                "journal-ref": f"Phys. Rev. D {rng.randint(50, 110)}, {rng.randint(1, 99999)} ({year})"
                if has_doi and rng.random() < 0.6
                else None,
                "doi": f"10.{rng.randint(1000, 9999)}/{rng.getrandbits(40):x}" if has_doi else None,
                "report-no": None,
                "categories": categories,
                "license": licenses[_weighted_index(license_cum, rng)],
                "abstract": abstract,
                "versions": versions,
                "update_date": time.strftime("%Y-%m-%d", last_created),
                "authors_parsed": parsed,
            }


def _weighted_index(cumulative: list[int], rng: random.Random) -> int:
    x = rng.random() * cumulative[-1]
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] > x:
            hi = mid
        else:
            lo = mid + 1
    return lo


def write_snapshot(path: Path, n: int, seed: int = 0, *, progress: bool = True) -> int:
    """Write ``n`` records as JSON lines (gzip when ``path`` ends in .gz); return bytes written."""
    opener = gzip.open if path.suffix == ".gz" else open
    start = last = time.monotonic()
    with opener(path, "wt", encoding="utf-8", **({"compresslevel": 3} if path.suffix == ".gz" else {})) as fh:
        for i, record in enumerate(generate_snapshot_records(n, seed), start=1):
            fh.write(json.dumps(record, ensure_ascii=False))
            fh.write("\n")
            if progress and time.monotonic() - last > 5:
                last = time.monotonic()
                rate = i / (last - start)
                print(f"  {i:,}/{n:,} records, {rate:,.0f}/s, ETA {(n - i) / rate:,.0f} s", file=sys.stderr, flush=True)
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1000, help="how many records (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="output file; .gz compresses")
    parser.add_argument("--import-shape", action="store_true", help="write the pipeline's import shape instead")
    args = parser.parse_args(argv)
    if args.records < 0:
        parser.error("--records must be >= 0")
    start = time.monotonic()
    if args.import_shape:
        opener = gzip.open if args.out.suffix == ".gz" else open
        with opener(args.out, "wt", encoding="utf-8") as fh:
            for record in generate_snapshot_records(args.records, args.seed):
                fh.write(json.dumps(snapshot_to_import(record), ensure_ascii=False) + "\n")
        size = args.out.stat().st_size
    else:
        size = write_snapshot(args.out, args.records, args.seed)
    print(f"wrote {args.records:,} records ({size / 1e6:,.1f} MB) to {args.out} in {time.monotonic() - start:,.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
