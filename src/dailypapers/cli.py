"""The ``dailypapers`` console command.

``dailypapers serve`` starts the whole embedded site (web server + background worker);
``dailypapers worker`` runs the background worker alone; every other sub-command is a Django
management command (``dailypapers ingest sample``, ``dailypapers migrate``, ``dailypapers createsuperuser``, …).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    import django

    django.setup()


def prepare_database(*, load_sample: bool = True, verbosity: int = 1) -> None:
    """Apply migrations, build indexes an interrupted bootstrap import left for later, and load the
    bundled sample on an empty database so the site has papers."""
    from django.core.management import call_command

    from dailypapers.ingest.bulkload import restore_deferred_indexes
    from dailypapers.papers.models import Paper

    def building(name: str, seconds: float | None) -> None:
        if verbosity and seconds is None:
            print(f"Building index {name}, left for later by an interrupted import …", flush=True)

    call_command("migrate", interactive=False, verbosity=0)
    restore_deferred_indexes(building)
    if load_sample and not Paper.objects.exists():
        if verbosity:
            print("Empty database: loading the bundled sample papers …", flush=True)
        call_command("ingest", "sample")


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dailypapers serve", description="Serve the Daily Papers site.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("DAILYPAPERS_WEB_WORKERS", "1")),
                        help="web server processes (default 1)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("DAILYPAPERS_WEB_THREADS", "8")),
                        help="request threads per process (default 8)")
    parser.add_argument("--no-worker", action="store_true", help="do not start the background task worker")
    parser.add_argument("--no-sample", action="store_true", help="do not load the sample papers into an empty database")
    args = parser.parse_args(argv)

    _setup_django()
    from django.conf import settings

    prepare_database(load_sample=not args.no_sample)

    worker = None
    if not args.no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "dailypapers", "worker"])

    from granian import Granian
    from granian.constants import Interfaces

    print(f"Daily Papers on http://{args.host}:{args.port}  (data: {settings.DATA_DIR})", flush=True)
    server = Granian(
        "dailypapers.wsgi:application",
        address=args.host,
        port=args.port,
        interface=Interfaces.WSGI,
        workers=args.workers,
        blocking_threads=args.threads,
        log_access=False,
    )
    try:
        server.serve()
    finally:
        if worker and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
    return 0


def worker(argv: list[str]) -> int:
    _setup_django()
    from django.core.management import call_command

    from dailypapers.ingest.bulkload import restore_deferred_indexes
    from dailypapers.scheduling import scheduler

    call_command("migrate", interactive=False, verbosity=0)
    restore_deferred_indexes()  # an interrupted bootstrap import's (see ingest.bulkload)
    # Periodic jobs (daily harvest, digests) are enqueued by this thread and run by db_worker.
    scheduler.start_in_thread()
    call_command("db_worker", *argv)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else "help"
    if command == "serve":
        return serve(argv[1:])
    if command == "worker":
        return worker(argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["dailypapers", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
