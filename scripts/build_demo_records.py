"""Build src/dailypapers/data/demo_arxiv_records.jsonl.gz, the demo's real arXiv records.

Source: the ``data`` branch of https://github.com/dw-dengwei/daily-arXiv-ai-enhanced (one JSON line
per paper of arXiv's daily listings: id, ordered authors, categories, comments, abstract; arXiv's
metadata is CC0). Kept: the newest listing days' papers in the machine-learning categories, plus
every paper whose title matches a bundled sample listing (``sample_papers.jsonl``), so its upvotes
and organization sit on the real record. Code links are the repository URLs the authors wrote in
the comments or the abstract.

    python scripts/build_demo_records.py /path/to/daily-arXiv-ai-enhanced.git [--count 3000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "src" / "dailypapers" / "data"
ML_CATEGORIES = {"cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "cs.IR", "cs.NE", "cs.RO", "cs.MA"}
# A repository URL as authors write it ("Code: https://github.com/org/repo.", "at this URL(https://…)").
ARXIV_CATEGORY = re.compile(r"[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z\-]+)?")  # papers.identifiers.CATEGORY_PATTERN
CODE_URL = re.compile(r"https?://(?:www\.)?(?:github\.com|gitlab\.com|codeberg\.org|bitbucket\.org)/[\w.-]+/[\w.-]+")


def title_key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (title or "").lower()).strip()


def code_link(*texts: str | None) -> str | None:
    for text in texts:
        match = CODE_URL.search(text or "")
        if match:
            return match.group(0).rstrip(".")
    return None


def listing_files(repo: str) -> list[str]:
    names = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", "data"], check=True,
                           capture_output=True, text=True).stdout.split()
    return sorted(n for n in names if n.endswith(".jsonl") and "AI_enhanced" not in n)


def records(repo: str, name: str):
    text = subprocess.run(["git", "-C", repo, "show", f"data:{name}"], check=True, capture_output=True, text=True).stdout
    for line in text.splitlines():
        try:
            yield json.loads(line)
        except ValueError:
            continue


def our_record(row: dict, listed_on: str) -> dict:
    comment = row.get("comment") if row.get("comment") not in (None, "None") else None
    record = {
        "id": row["id"],
        "title": row["title"],
        "abstract": row.get("summary"),
        "authors": row.get("authors") or [],
        # Some listings carry MSC/ACM class codes among the categories ("68T50"): arXiv categories only.
        "categories": [c for c in row.get("categories") or [] if ARXIV_CATEGORY.fullmatch(c)],
        # The listing day is when arXiv announced it: the first version is no later.
        "published_at_most": listed_on,
    }
    if comment:
        record["comments"] = comment
    link = code_link(comment, row.get("summary"))
    if link:
        record["github_repo"] = link
    return record


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--count", type=int, default=3000)
    args = parser.parse_args()
    sample_titles = {title_key(json.loads(line)["title"]) for line in (DATA / "sample_papers.jsonl").open() if line.strip()}
    files = listing_files(args.repo)
    chosen: dict[str, dict] = {}
    matched: dict[str, dict] = {}
    # Newest listing days first until the count is reached; sample matches from every day.
    for name in reversed(files):
        listed_on = Path(name).stem[:10]
        for row in records(args.repo, name):
            if not row.get("id") or not row.get("title"):
                continue
            key = title_key(row["title"])
            if key in sample_titles and key not in matched:
                matched[key] = our_record(row, listed_on)
            elif (len(chosen) < args.count and row["id"] not in chosen
                  and ML_CATEGORIES & set(row.get("categories") or [])):
                chosen[row["id"]] = our_record(row, listed_on)
    for record in matched.values():
        chosen.pop(record["id"], None)
    out = DATA / "demo_arxiv_records.jsonl.gz"
    rows = list(matched.values()) + sorted(chosen.values(), key=lambda r: r["id"], reverse=True)
    # mtime=0: the same input builds the same bytes.
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
    print(f"{out}: {len(rows)} records ({len(matched)} matching sample listings), {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
