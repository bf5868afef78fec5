"""What the README and data/README say of the bundled demo records is what the file holds (issue 28):
3,032 real records, 501 with a code link, no DOI and no version number, 1.85 MB gzipped."""

import gzip
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src/dailypapers/data"


def test_the_demo_records_are_as_described():
    path = DATA / "demo_arxiv_records.jsonl.gz"
    records = [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]
    with_code = sum(bool(r.get("github_repo") or (r.get("links") or {}).get("code")) for r in records)
    assert len(records) == 3032 and with_code == 501
    assert all(r.get("authors") and r.get("categories") for r in records)
    assert not any(r.get("doi") or r.get("version") or re.search(r"v\d+$", r["id"]) for r in records)
    size_mb = round(path.stat().st_size / 1e6, 2)
    readme = (ROOT / "README.md").read_text()
    assert "3,032 real arXiv records" in readme and "501 code links" in readme and f"{size_mb} MB" in readme
    notes = (DATA / "README.md").read_text()
    assert "3,032 records" in notes and "no version numbers or DOIs" in notes
