"""Progress display for long-running commands (ingest, indexing, embedding, export, digests).

Below the apps: any room's command may use it, and it imports none of them.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


@contextmanager
def progress_bar(description: str, total: int | None = None, *, stream=None, unit: str = "records"):
    """Yield ``update(completed, **fields)``; renders a live bar on a terminal, periodic lines otherwise."""
    stream = stream or sys.stderr
    console = Console(file=stream)
    if console.is_terminal:
        columns = [
            TextColumn("[bold]{task.description}"),
            BarColumn() if total else TextColumn(""),
            MofNCompleteColumn() if total else TextColumn("{task.completed:,} " + unit),
            TextColumn("{task.fields[rate]:,.0f} " + unit + "/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn() if total else TextColumn(""),
            TextColumn("{task.fields[extra]}"),
        ]
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task(description, total=total, rate=0.0, extra="")
            start = time.monotonic()

            def update(completed: int, extra: str = "") -> None:
                rate = completed / max(time.monotonic() - start, 1e-9)
                progress.update(task, completed=completed, total=_shown_total(total, completed), rate=rate, extra=extra)

            yield update
        return
    # Not a terminal (logs, CI): one line at most every 5 seconds.
    start = last = time.monotonic()
    last_extra = ""

    def update(completed: int, extra: str = "") -> None:
        nonlocal last, last_extra
        now = time.monotonic()
        if now - last < 5 and extra == last_extra:  # a new note (a phase starting) is shown at once
            return
        last, last_extra = now, extra
        rate, shown_total = completed / max(now - start, 1e-9), _shown_total(total, completed)
        eta = f", ETA {int((shown_total - completed) / rate)} s" if shown_total and rate and completed < shown_total else ""
        of_total = f"/{shown_total:,}" if shown_total else ""
        print(f"{description}: {completed:,}{of_total} {unit}, {rate:,.0f}/s{eta} {extra}".rstrip(), file=stream, flush=True)

    yield update


def _shown_total(total: int | None, completed: int) -> int | None:
    """A total can be an estimate (a snapshot's record count): past it, the count reached, so no
    display says "1,000,000/982,600" or gives a negative ETA."""
    return max(total, completed) if total else None
