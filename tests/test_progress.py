"""Progress lines of long commands when not on a terminal (logs, CI)."""

import io

from dailypapers.lib.progress import progress_bar


def test_lines_show_rate_and_eta_and_never_a_negative_eta_past_an_estimated_total():
    stream = io.StringIO()
    with progress_bar("ingest snapshot", 1000, stream=stream) as update:
        update(300)  # at most a line every 5 seconds: not shown
        update(400, extra="building index x …")  # a new note shows at once
        update(1200, extra="built index x in 1.0 s")  # past the estimate
    first, second = stream.getvalue().splitlines()
    assert first.startswith("ingest snapshot: 400/1,000 records, ") and ", ETA " in first
    assert first.endswith("building index x …")
    assert second.startswith("ingest snapshot: 1,200/1,200 records, ") and "ETA" not in second


def test_the_terminal_bar_grows_its_total_past_an_estimate(monkeypatch):
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich renders as on a terminal
    monkeypatch.setenv("COLUMNS", "200")
    stream = io.StringIO()
    with progress_bar("ingest snapshot", 1000, stream=stream) as update:
        update(1200, extra="built index x in 1.0 s")
    assert "1200/1200" in stream.getvalue() and "1200/1000" not in stream.getvalue()
