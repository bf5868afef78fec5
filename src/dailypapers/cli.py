"""The ``dailypapers`` console command.

``dailypapers serve`` starts the whole embedded site (web server + background worker);
``dailypapers worker`` runs the background worker alone; every other sub-command is a Django
management command (``dailypapers ingest sample``, ``dailypapers migrate``, ``dailypapers createsuperuser``, …).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import subprocess
import sys

from dailypapers.lib.datadir import prepare_data_dir
from dailypapers.lib.env import env_int

# Management commands that must run on a database as it is (they inspect or make migrations, or need
# no database); every other command first applies pending migrations, so that `dailypapers ingest
# snapshot FILE` on a fresh data dir works instead of failing on a missing table.
COMMANDS_WITHOUT_MIGRATE = {
    "help", "version", "--help", "-h", "--version", "migrate", "makemigrations", "showmigrations",
    "sqlmigrate", "squashmigrations", "optimizemigration", "check", "diffsettings", "shell",
    "dbshell", "collectstatic", "findstatic", "startapp", "startproject", "compilemessages",
    "makemessages", "test", "testserver", "runserver",
    # A backup copies the database as it is; a restore replaces it (and migrates what it restored).
    "backup", "restore",
}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    import django

    django.setup()


def apply_pending_migrations(verbosity: int = 1) -> int:
    """Apply the migrations a database lacks (a new data dir lacks all); return how many ran."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        if verbosity:
            print(f"Applying {len(pending)} pending database migrations …", file=sys.stderr, flush=True)
        call_command("migrate", interactive=False, verbosity=0)
    return len(pending)


def is_local_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def default_base_url(host: str, port: int) -> str:
    """The address mailed links point at when DAILYPAPERS_BASE_URL is unset: the one being served.
    A wildcard address (0.0.0.0, ::) names no host a reader can open, so links use loopback."""
    if host in {"0.0.0.0", "::", "[::]", ""}:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def prepare_database(*, load_sample: bool = True, verbosity: int = 1) -> None:
    """Apply migrations, build indexes an interrupted bootstrap import left for later, and load the
    bundled sample on an empty database so the site has papers."""
    from django.core.management import call_command

    from dailypapers.ingest.bulkload import restore_deferred_indexes
    from dailypapers.papers.models import Paper

    def building(name: str, seconds: float | None) -> None:
        if verbosity and seconds is None:
            print(f"Building index {name}, left for later by an interrupted import …", flush=True)

    call_command("migrate", interactive=False, verbosity=0)  # always: it also syncs the Sites record
    restore_deferred_indexes(building)
    if load_sample and not Paper.objects.exists():
        if verbosity:
            print("Empty database: loading the bundled demo papers …", flush=True)
        call_command("ingest", "demo")


def default_web_workers() -> int:
    """One web process per core: a request holds the GIL while it renders, so threads alone use one
    core. The processes share the page cache (its own SQLite file, or Redis), so a vote seen by one is
    seen by all."""
    configured = env_int("DAILYPAPERS_WEB_WORKERS", 0)
    if configured:
        return max(1, configured)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dailypapers serve", description="Serve the Daily Papers site.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=default_web_workers(),
                        help="web server processes (default: one per CPU core, or DAILYPAPERS_WEB_WORKERS)")
    parser.add_argument("--threads", type=int, default=env_int("DAILYPAPERS_WEB_THREADS", 8),
                        help="request threads per process (default 8)")
    parser.add_argument("--no-worker", action="store_true", help="do not start the background task worker")
    parser.add_argument("--no-sample", action="store_true", help="do not load the sample papers into an empty database")
    return parser


def serve(argv: list[str]) -> int:
    args = serve_parser().parse_args(argv)

    if not os.environ.get("DAILYPAPERS_BASE_URL"):
        # Set before Django reads its settings, and inherited by the worker started below, which
        # sends the mail: confirmation, manage and unsubscribe links reach this server's port.
        os.environ["DAILYPAPERS_BASE_URL"] = default_base_url(args.host, args.port)
        if not is_local_host(args.host):
            print(f"Warning: serving on {args.host} without DAILYPAPERS_BASE_URL; mailed links will point at "
                  f"{os.environ['DAILYPAPERS_BASE_URL']}. Set DAILYPAPERS_BASE_URL to the address readers use "
                  "(e.g. https://papers.example.org).", file=sys.stderr, flush=True)

    _setup_django()
    from django.conf import settings

    prepare_database(load_sample=not args.no_sample)

    worker = None
    if not args.no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "dailypapers", "worker"])

    from granian import Granian
    from granian.constants import Interfaces

    from dailypapers.ops.logs import granian_log_config

    print(f"Daily Papers on http://{args.host}:{args.port}  (data: {settings.DATA_DIR})", flush=True)
    server = Granian(
        "dailypapers.wsgi:application",
        address=args.host,
        port=args.port,
        interface=Interfaces.WSGI,
        workers=args.workers,
        blocking_threads=args.threads,
        log_access=False,
        log_dictconfig=granian_log_config(settings.DAILYPAPERS_LOG_FORMAT),
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


OVERVIEW = """\
usage: dailypapers COMMAND [options]   (dailypapers COMMAND --help for each)

The site:
  serve            serve the site (web server + background worker); loads the demo into an empty database
  worker           the background worker alone (search index, arXiv fetches, harvests, digests)
  mcp              the MCP server for assistants: stdio, or streamable HTTP with --http (docs/mcp.md)

Data:
  ingest           import papers: demo, sample, jsonl FILE, snapshot FILE, arxiv-oai, arxiv-rss, arxiv-id
  index            search indexes: status, rebuild, update, embed, evaluate, export-vectors, import-vectors
  enrich           find code/Hub/project links and keywords of stored papers
  thumbnails       render first-page thumbnails of papers' PDFs
  export           every paper as JSON lines or Parquet
  digests          digest mail: send, status
  scheduler        periodic jobs: list, tick, run

Operations:
  createsuperuser  make an admin account (the admin is at /admin/)
  backup, restore  back the database up to a file, and restore it
  db               db move: copy every table into an empty PostgreSQL database
  migrate          apply database migrations (every command does this first)

Django's own management commands are listed by `dailypapers help --commands`, and run the same way.
"""


def _help(argv: list[str]) -> int | None:
    """``dailypapers``, ``dailypapers help`` and ``--help``: the site's commands first, not lost among
    Django's (serve and worker are not Django commands at all). ``help --commands`` and ``help NAME``
    go to Django's help."""
    if argv and argv[0] in {"help", "--help", "-h"} and len(argv) > 1 and argv[1] != "--commands":
        return None  # `dailypapers help ingest`: Django prints that command's help
    if argv and argv[0] == "help" and argv[1:] == ["--commands"]:
        return None
    print(OVERVIEW, end="")
    return 0


def worker_parser():
    """``dailypapers worker``'s options: db_worker's own (the worker runs it), named as this command."""
    from django.core.management import load_command_class

    command = load_command_class("django_tasks_db", "db_worker")
    parser = command.create_parser("dailypapers", "worker")
    parser.prog = "dailypapers worker"
    parser.description = ("Run the background worker: the task queue (search index upkeep, arXiv fetches of "
                          "submissions, thumbnails, digests) and the scheduler of periodic jobs (daily harvest, "
                          "digests). `dailypapers serve` starts one; run more for more throughput.")
    return parser


def worker(argv: list[str]) -> int:
    _setup_django()
    from django.core.management import call_command

    if {"-h", "--help"} & set(argv):
        worker_parser().print_help()
        return 0

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
    # Before Django reads its settings: they name the data dir and its secret key, this makes them.
    prepare_data_dir()
    command = argv[0] if argv else "help"
    if command in {"help", "--help", "-h"}:
        shown = _help(argv or ["help"])
        if shown is not None:
            return shown
        if argv[1:] == ["--commands"]:
            argv = ["help"]
    if command == "serve":
        return serve(argv[1:])
    if command == "worker":
        return worker(argv[1:])
    if command not in COMMANDS_WITHOUT_MIGRATE:
        _setup_django()
        apply_pending_migrations()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["dailypapers", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
