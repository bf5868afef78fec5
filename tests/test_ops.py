"""Operations: probes, structured logs, metrics, storage settings, backup/restore, the move to PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dailypapers.ops import checks, metrics
from dailypapers.ops.logs import JsonFormatter, current_request_id, request_id_from

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _fresh_ops_state(tmp_path, settings):
    """Each test counts requests into its own metrics directory and probes afresh."""
    settings.DAILYPAPERS_METRICS_DIR = tmp_path / "metrics"
    previous = metrics.REQUESTS
    metrics.REQUESTS = metrics.RequestMetrics(tmp_path / "metrics")
    probe_afresh()
    yield
    metrics.REQUESTS = previous
    probe_afresh()


def probe_afresh() -> None:
    """Check everything afresh on the next probe (the checks remember recent successes)."""
    checks._search_ok_at = -checks.SEARCH_OK_SECONDS
    checks._migrations_applied = False


# -- /healthz and /readyz ---------------------------------------------------------------------------

def test_healthz_answers_without_the_database(client):
    # No django_db mark: any query would raise here.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]


def test_probes_are_answered_for_any_host_and_over_plain_http(client, settings, db):
    """Load balancers probe by IP address over http: no DisallowedHost 400, no redirect to https."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz", HTTP_HOST="10.20.30.40:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.20.30.40:8000").status_code == 200
    # Everything else still gets both.
    assert client.get("/about/ranking", HTTP_HOST="10.20.30.40:8000").status_code == 400
    settings.ALLOWED_HOSTS = ["testserver"]
    assert client.get("/about/ranking").status_code == 301


def test_healthz_answers_head(client):
    response = client.head("/healthz")
    assert response.status_code == 200 and response.content == b""


@pytest.mark.django_db
def test_readyz_lists_every_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "migrations", "search", "cache"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_is_503_with_an_unapplied_migration(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    real_plan = MigrationExecutor.migration_plan

    def one_pending(self, targets, clean_start=False):
        plan = real_plan(self, targets, clean_start)
        return plan or [(self.loader.graph.nodes[("papers", "0001_initial")], False)]

    monkeypatch.setattr(MigrationExecutor, "migration_plan", one_pending)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["migrations"]["ok"] is False
    assert "papers.0001_initial" in body["checks"]["migrations"]["detail"]
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_readyz_is_503_when_the_search_backend_fails(client, monkeypatch):
    from dailypapers import search

    class Broken:
        def status(self):
            raise OSError("index directory unreadable")

    monkeypatch.setattr(search, "get_backend", lambda: Broken())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["search"] == {"ok": False, "detail": "OSError: index directory unreadable"}
    # The public sees which check failed, not the error text.
    public = client.get("/readyz", REMOTE_ADDR="203.0.113.9")
    assert public.status_code == 503
    assert public.json()["checks"] == {"database": {"ok": True}, "migrations": {"ok": True}, "search": {"ok": False}, "cache": {"ok": True}}


@pytest.mark.django_db
def test_readyz_is_503_when_the_cache_is_unreachable(client, monkeypatch):
    from django.core.cache import cache

    def refuse(*args, **kwargs):
        raise ConnectionError("cache server refused the connection")

    monkeypatch.setattr(cache, "set", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_readyz_skips_the_checks_that_need_an_unreachable_database(monkeypatch):
    def unreachable():
        raise ConnectionError("no route to the database")

    monkeypatch.setitem(checks.CHECKS, "database", unreachable)
    monkeypatch.setitem(checks.CHECKS, "cache", lambda: (True, "fine"))
    ok, results = checks.run_checks()
    assert not ok
    assert results["database"] == {"ok": False, "detail": "ConnectionError: no route to the database"}
    assert results["migrations"]["ok"] is False and "skipped" in results["migrations"]["detail"]


# -- structured logs ---------------------------------------------------------------------------------

def _record(message="hello %s", args=("world",), **extra):
    record = logging.LogRecord("dailypapers.test", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_json_formatter_writes_one_object_per_line():
    line = JsonFormatter().format(_record(status=200, path="/x"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "dailypapers.test" and entry["message"] == "hello world"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["ts"])
    assert entry["status"] == 200 and entry["path"] == "/x"


def test_json_formatter_carries_the_current_request_id_and_exceptions():
    token = current_request_id.set("req-42")
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = _record()
        record.exc_info = sys.exc_info()
        line = JsonFormatter().format(record)
    finally:
        current_request_id.reset(token)
    entry = json.loads(line)
    assert entry["request_id"] == "req-42"
    assert "ValueError: bad\nvalue" in entry["exc_info"] and "\n" not in line


def test_request_ids_from_clients_are_kept_only_when_plain():
    assert request_id_from("abc-123.def_4") == "abc-123.def_4"
    assert re.fullmatch(r"[0-9a-f]{32}", request_id_from(None))
    assert re.fullmatch(r"[0-9a-f]{32}", request_id_from('evil" \r\nX-Injected: 1'))
    assert re.fullmatch(r"[0-9a-f]{32}", request_id_from("x" * 500))


def test_requests_echo_a_valid_request_id_or_get_one(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="proxy-7f3a")["X-Request-ID"] == "proxy-7f3a"
    generated = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)


@pytest.mark.django_db
def test_access_log_lines_are_json_with_request_fields(client, settings):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("dailypapers.access")
    previous_level = access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        client.get("/about/ranking", HTTP_X_REQUEST_ID="trace-1")
        client.get("/no/such/page/at/all")
    finally:
        access.removeHandler(handler)
        access.setLevel(previous_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert first["request_id"] == "trace-1"
    assert first["method"] == "GET" and first["path"] == "/about/ranking" and first["status"] == 200
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert first["logger"] == "dailypapers.access" and first["level"] == "INFO"
    assert second["status"] == 404 and second["route"] == "unmatched" and second["request_id"] != "trace-1"


def test_json_log_format_setting_configures_the_console_handler(tmp_path):
    """DAILYPAPERS_LOG_FORMAT=json in a fresh process: what the root logger and Django's write is JSON."""
    code = (
        "from dailypapers.lib.datadir import prepare_data_dir; prepare_data_dir(); import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('from django'); "
        "logging.getLogger('dailypapers.x').warning('from us %s', 1)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dailypapers.settings", "DAILYPAPERS_DATA_DIR": str(tmp_path),
           "DAILYPAPERS_LOG_FORMAT": "json"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(e["logger"], e["message"]) for e in entries] == [("django.request", "from django"), ("dailypapers.x", "from us 1")]
    env["DAILYPAPERS_LOG_FORMAT"] = ""
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert plain.stderr.splitlines()[-1] == "from us 1"


# -- metrics -------------------------------------------------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN)$')


def parse_exposition(text: str) -> dict[str, dict]:
    """A strict reader of the text format: every line a comment or a valid sample; returns
    {family: {"type": ..., "samples": [(name, labels, value)]}}."""
    families: dict[str, dict] = {}
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in {"counter", "gauge", "histogram"}
            assert name not in families, f"{name} declared twice"
            families[name] = {"type": kind, "samples": []}
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.group(1), match.group(2) or "", match.group(3)
        base = re.sub(r"_(bucket|sum|count)$", "", name) if name not in families else name
        assert base in families, f"{name} before its TYPE line"
        parsed = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', labels))
        families[base]["samples"].append((name, parsed, float(value)))
    return families


def _metrics(client, **extra):
    return client.get("/metrics", REMOTE_ADDR="127.0.0.1", **extra)


@pytest.mark.django_db
def test_metrics_parse_and_carry_requests_and_gauges(client, sample_papers):
    from django_tasks_db.models import DBTaskResult

    from dailypapers.papers.models import Paper
    from dailypapers.search.tasks import embed_backlog

    embed_backlog.enqueue()
    embed_backlog.enqueue()
    DBTaskResult.objects.filter(pk=DBTaskResult.objects.order_by("pk").first().pk).update(status="FAILED")
    client.get("/about/ranking")
    client.get("/about/ranking")
    client.get("/no/such/page/at/all")
    response = _metrics(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    families = parse_exposition(response.content.decode())

    requests = {(s[1]["route"], s[1]["status"]): s[2] for s in families["dailypapers_http_requests_total"]["samples"]}
    assert requests[("papers:about_ranking", "2xx")] == 2
    assert requests[("unmatched", "4xx")] == 1
    histogram = families["dailypapers_http_request_duration_seconds"]
    assert histogram["type"] == "histogram"
    buckets = [s for s in histogram["samples"] if s[0].endswith("_bucket") and s[1]["route"] == "papers:about_ranking"]
    assert [s[1]["le"] for s in buckets][-1] == "+Inf" and buckets[-1][2] == 2
    assert [s[2] for s in buckets] == sorted(s[2] for s in buckets), "buckets are cumulative"

    def gauge(name, **labels):
        [value] = [s[2] for s in families[name]["samples"] if all(s[1].get(k) == v for k, v in labels.items())]
        return value

    assert gauge("dailypapers_papers") == Paper.objects.count() > 0
    ready = DBTaskResult.objects.filter(status="READY").count()
    assert ready >= 1
    assert gauge("dailypapers_task_queue", status="ready") == ready
    assert gauge("dailypapers_task_queue", status="failed") == 1
    assert gauge("dailypapers_task_queue", status="running") == 0
    assert gauge("dailypapers_embed_backlog") == Paper.objects.count()  # nothing embedded in this test
    assert gauge("dailypapers_search_outbox") >= 0
    assert gauge("dailypapers_digest_outbox", state="pending") == 0
    assert {s[1]["source"]: s[2] for s in families["dailypapers_metrics_source_up"]["samples"]} == {
        "task_queue": 1, "search": 1, "digests": 1, "papers": 1}


@pytest.mark.django_db
def test_metrics_count_the_digest_outbox_by_state(client):
    from dailypapers.digests.models import DigestDelivery, DigestIssue, Subscription

    issue = DigestIssue.objects.create(frequency="daily", period_key="2026-01-05", period_label="5 January", subject="Papers")
    states = ["pending", "pending", "sending", "failed", "sent", "skipped"]
    for i, state in enumerate(states):
        subscription = Subscription.objects.create(email=f"reader{i}@example.org")
        DigestDelivery.objects.create(issue=issue, subscription=subscription, state=state)
    families = parse_exposition(_metrics(client).content.decode())
    outbox = {s[1]["state"]: s[2] for s in families["dailypapers_digest_outbox"]["samples"]}
    assert outbox == {"pending": 2, "sending": 1, "failed": 1}


@pytest.mark.django_db
def test_a_failing_gauge_source_is_reported_not_fatal(client, monkeypatch):
    def broken():
        raise RuntimeError("search index gone")

    monkeypatch.setitem(metrics.GAUGES, "search", broken)
    families = parse_exposition(_metrics(client).content.decode())
    assert {s[1]["source"]: s[2] for s in families["dailypapers_metrics_source_up"]["samples"]}["search"] == 0
    assert "dailypapers_papers" in families and "dailypapers_embed_backlog" not in families


@pytest.mark.django_db
def test_metrics_are_refused_outside_the_allowed_networks(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    # Forwarded by a proxy the site does not know (on loopback, say): the real client is unknown.
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    settings.DAILYPAPERS_METRICS_ALLOW = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    # Behind a trusted proxy, the client it names counts, not the proxy.
    settings.DAILYPAPERS_TRUSTED_PROXIES = ["192.0.2.1"]
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 404


@pytest.mark.django_db
def test_metrics_with_the_bearer_token_from_anywhere(client, settings):
    settings.DAILYPAPERS_METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404


def test_request_counts_of_a_hosts_processes_are_summed(tmp_path):
    """Each process writes its own file; a scrape in any of them sums all, and an exited process's
    counts stay in the sum (folded into retired.json)."""
    directory = tmp_path / "m"
    ours = metrics.RequestMetrics(directory)
    ours.observe("home", 200, 0.003)
    directory.mkdir(exist_ok=True)
    other = {"home\t2xx": {"buckets": [1] * len(metrics.BUCKETS), "count": 1, "sum": 0.004}}
    (directory / f"{os.getppid()}.json").write_text(json.dumps(other))  # a live process (our parent)
    dead_pid = _a_dead_pid()
    (directory / f"{dead_pid}.json").write_text(json.dumps({"papers\t5xx": {"buckets": [0] * len(metrics.BUCKETS), "count": 3, "sum": 90.0}}))
    totals = ours.host_totals()
    assert totals["home\t2xx"]["count"] == 2 and totals["home\t2xx"]["buckets"][0] == 2
    assert totals["papers\t5xx"]["count"] == 3
    assert not (directory / f"{dead_pid}.json").exists() and (directory / "retired.json").exists()
    again = ours.host_totals()
    assert again["papers\t5xx"]["count"] == 3, "folded once, still counted, not twice"


def _a_dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_label_values_are_escaped():
    line = metrics.sample_line("x", {"route": 'a"b\\c\nd'}, 1)
    assert line == 'x{route="a\\"b\\\\c\\nd"} 1'
    assert SAMPLE.match(line)


# -- storage settings ------------------------------------------------------------------------------------

def _settings_in_subprocess(tmp_path, expression: str, **env_vars) -> str:
    # A configured key: importing the settings alone reads it (prepare_data_dir() would make one).
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(tmp_path), "DAILYPAPERS_SECRET_KEY": "k" * 50, **env_vars}
    code = f"import dailypapers.settings as s; print({expression})"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_uploads_default_to_a_directory_in_the_data_dir(tmp_path):
    out = _settings_in_subprocess(tmp_path, "s.STORAGES['default']['BACKEND'], s.MEDIA_ROOT")
    assert out == f"django.core.files.storage.FileSystemStorage {tmp_path.resolve() / 'media'}"


def test_an_s3_bucket_is_configured_from_the_environment(tmp_path):
    options = "s.STORAGES['default']['OPTIONS']"
    out = _settings_in_subprocess(
        tmp_path, f"s.STORAGES['default']['BACKEND'], {options}['bucket_name'], {options}['endpoint_url']",
        DAILYPAPERS_S3_BUCKET="papers-uploads", DAILYPAPERS_S3_ENDPOINT_URL="https://s3.example.org",
    )
    assert out == "storages.backends.s3.S3Storage papers-uploads https://s3.example.org"


def test_default_storage_writes_under_media_root(settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    settings.MEDIA_ROOT = tmp_path / "media"
    name = storages["default"].save("avatars/ada.png", ContentFile(b"\x89PNG"))
    assert (tmp_path / "media" / name).read_bytes() == b"\x89PNG"


# -- backup and restore (SQLite) ---------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_roundtrip_on_sqlite(tmp_path, sample_papers):
    from dailypapers.papers.models import Paper

    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backup; see test_backup_and_restore_roundtrip_on_postgres")
    papers = Paper.objects.count()
    assert papers > 0
    target = tmp_path / "site.backup"
    out = io.StringIO()
    call_command("backup", str(target), stdout=out, verbosity=1)
    assert "Search indexes are not in the backup" in out.getvalue()
    assert target.read_bytes()[:16] == b"SQLite format 3\x00"
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT COUNT(*) FROM papers_paper").fetchone()[0] == papers
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete", "one self-contained file"
    copy.close()

    kept = Paper.objects.order_by("pk").first()
    Paper.objects.exclude(pk=kept.pk).delete()
    Paper.objects.filter(pk=kept.pk).update(title="Changed after the backup")
    assert Paper.objects.count() == 1

    call_command("restore", str(target), "--yes", stdout=io.StringIO(), verbosity=0)
    assert Paper.objects.count() == papers
    assert Paper.objects.get(pk=kept.pk).title != "Changed after the backup"


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_what_is_not_a_backup(tmp_path):
    from dailypapers.papers.models import Paper

    before = Paper.objects.count()
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database at all")
    dump = tmp_path / "dump.pgc"
    dump.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 20)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    if connection.vendor == "sqlite":
        with pytest.raises(CommandError, match="not a SQLite backup"):
            call_command("restore", str(junk), "--yes", verbosity=0)
        with pytest.raises(CommandError, match="pg_dump file"):
            call_command("restore", str(dump), "--yes", verbosity=0)
        with pytest.raises(CommandError, match="not a Daily Papers one"):
            call_command("restore", str(other), "--yes", verbosity=0)
    else:
        with pytest.raises(CommandError, match="not a pg_dump custom-format file"):
            call_command("restore", str(junk), "--yes", verbosity=0)
        with pytest.raises(CommandError, match="dailypapers db move"):
            call_command("restore", str(other), "--yes", verbosity=0)
    assert Paper.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_roundtrip_on_postgres(tmp_path, sample_papers):
    import shutil

    from dailypapers.papers.models import Paper

    if connection.vendor != "postgresql":
        pytest.skip("pg_dump/pg_restore: run the suite on PostgreSQL (scripts/with-postgres.sh)")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("needs postgresql-client")
    papers = Paper.objects.count()
    target = tmp_path / "site.dump"
    call_command("backup", str(target), verbosity=0)
    assert target.read_bytes()[:5] == b"PGDMP"
    Paper.objects.all().delete()
    call_command("restore", str(target), "--yes", verbosity=0)
    assert Paper.objects.count() == papers


def test_restore_asks_before_replacing(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "x"), verbosity=0)


@pytest.mark.django_db
def test_postgres_backup_says_what_is_missing(monkeypatch, tmp_path):
    from dailypapers.ops import backup

    monkeypatch.setattr(backup.shutil, "which", lambda _name: None)
    with pytest.raises(backup.BackupError, match="pg_dump is not installed"):
        backup._run_pg("pg_dump", ["--format=custom"])


# -- the move to PostgreSQL --------------------------------------------------------------------------------

def test_tables_are_ordered_after_what_they_refer_to():
    from dailypapers.ops.move import SKIPPED_TABLES, model_tables

    models = model_tables()
    order = [m._meta.db_table for m in models]
    assert len(order) == len(set(order))
    assert order.index("papers_paper") < order.index("papers_dailyentry")
    assert order.index("auth_user") < order.index("papers_upvote")
    assert order.index("django_content_type") < order.index("auth_permission")
    assert "auth_user_groups" in order  # many-to-many tables too
    assert not SKIPPED_TABLES & set(order)


def test_move_refuses_a_target_that_is_not_postgres():
    from dailypapers.ops.move import MoveError, register_target

    with pytest.raises(MoveError, match="must be a PostgreSQL database"):
        register_target("sqlite:////tmp/other.sqlite3")


PG_TARGET = os.environ.get("DAILYPAPERS_TEST_PG_TARGET") or (
    os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""
)


@pytest.mark.skipif(not PG_TARGET, reason="needs a PostgreSQL: bash scripts/with-postgres.sh with DAILYPAPERS_TEST_PG_TARGET, see docs/deploy.md")
def test_move_into_postgres_copies_every_row(tmp_path):
    """A SQLite site (the sample papers, a member, a vote) moved into PostgreSQL: every table's rows,
    working sequences, and a refusal to move into it again without --truncate. In a subprocess, so
    that the suite's own database (perhaps that very PostgreSQL) is not the source."""
    data_dir = tmp_path / "site"
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(data_dir), "PYTHONPATH": os.environ.get("PYTHONPATH", str(REPO / "src"))}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def dailypapers(*args, check=True):
        result = subprocess.run([sys.executable, "-m", "dailypapers", *args], env=env, capture_output=True, text=True, timeout=600)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    dailypapers("ingest", "sample")
    script = (
        "from django.contrib.auth.models import User; from dailypapers.papers.models import Paper, Upvote;"
        "u = User.objects.create_user('ada', 'ada@example.org', 'correct-horse-9');"
        "Upvote.objects.create(user=u, paper=Paper.objects.order_by('pk').first())"
    )
    dailypapers("shell", "-c", script)
    result = dailypapers("db", "move", "--to", PG_TARGET, "--truncate")
    assert "row counts verified" in result.stdout

    import psycopg

    source = sqlite3.connect(data_dir / "dailypapers.sqlite3")
    with psycopg.connect(PG_TARGET) as target:
        for table in ("papers_paper", "papers_dailyentry", "papers_upvote", "auth_user", "django_content_type", "search_pendingindexupdate"):
            expected = source.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            assert target.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == expected, table
        paper_id, published = source.execute("SELECT id, published_at FROM papers_paper ORDER BY id LIMIT 1").fetchone()
        moved = target.execute("SELECT published_at AT TIME ZONE 'UTC' FROM papers_paper WHERE id = %s", [paper_id]).fetchone()[0]
        assert moved.isoformat(sep=" ").startswith(published[:19])
        assert target.execute("SELECT is_active FROM auth_user WHERE username = 'ada'").fetchone()[0] is True
        # Sequences continue after the moved ids: a new row does not collide.
        new_id = target.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined) "
            "VALUES ('', false, 'bob', '', '', '', false, true, now()) RETURNING id"
        ).fetchone()[0]
        assert new_id > source.execute("SELECT MAX(id) FROM auth_user").fetchone()[0]
        target.rollback()
        # The indexes and foreign keys dropped for the load are back.
        indexes = {row[0] for row in target.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'papers_paper'")}
        assert any("published_at" in name for name in indexes) and any("primary_category" in name for name in indexes)
        foreign_keys = target.execute(
            "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'papers_authorship'::regclass").fetchone()[0]
        assert foreign_keys == 2
    again = dailypapers("db", "move", "--to", PG_TARGET, check=False)
    assert again.returncode != 0 and "already holds data" in again.stderr


# -- deployment files ----------------------------------------------------------------------------------------

def test_the_compose_file_runs_web_and_worker_replicas_on_postgres_with_pgvector():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"].startswith("pgvector/pgvector:pg16")
    assert "replicas" in services["web"]["deploy"] and "replicas" in services["worker"]["deploy"]
    assert services["worker"]["command"] == ["dailypapers", "worker"]
    assert services["web"]["command"][:2] == ["dailypapers", "serve"] and "--no-worker" in services["web"]["command"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://")
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


def test_the_systemd_units_verify(tmp_path):
    import shutil

    units = sorted((REPO / "deploy" / "systemd").glob("*.service"))
    assert {u.name for u in units} == {"dailypapers-migrate.service", "dailypapers-web.service", "dailypapers-worker@.service"}
    assert shutil.which("systemd-analyze"), "systemd-analyze missing: scripts/test.sh installs Debian's systemd"
    for unit in units:  # the venv path does not exist here: verify the units with a stand-in binary
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/dailypapers/venv/bin/dailypapers", shutil.which("true")))
    result = subprocess.run(["systemd-analyze", "verify", *map(str, sorted(tmp_path.glob("*.service")))],
                            capture_output=True, text=True, timeout=60, env={**os.environ, "SYSTEMD_LOG_LEVEL": "err"})
    assert result.returncode == 0, result.stderr


def test_the_deploy_guide_lists_every_setting_the_code_reads():
    """Every DAILYPAPERS_* variable read anywhere is documented for operators."""
    names = set()
    for path in (REPO / "src" / "dailypapers").rglob("*.py"):
        names |= set(re.findall(r'(?:environ(?:\.get)?[\(\[]|env_(?:bool|int|float|list)\()\s*"(DAILYPAPERS_[A-Z0-9_]+)"', path.read_text()))
    # The README's Configuration table is the other home a setting may have.
    guide = (REPO / "docs" / "deploy.md").read_text() + (REPO / "README.md").read_text()
    assert len(names) > 60
    missing = sorted(name for name in names if name not in guide and not _covered_by_wildcard(name, guide))
    assert missing == [], "add these to docs/deploy.md, Settings (or the README's Configuration)"


def _covered_by_wildcard(name: str, guide: str) -> bool:
    return any(name.startswith(prefix) for prefix in re.findall(r"`(DAILYPAPERS_[A-Z0-9_]+_)\*`", guide))


def test_request_counts_from_many_threads_add_up(tmp_path):
    import threading

    counts = metrics.RequestMetrics(tmp_path / "m")

    def serve():
        for _ in range(500):
            counts.observe("home", 200, 0.001)

    threads = [threading.Thread(target=serve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts.host_totals()["home\t2xx"]["count"] == 4000
    assert json.loads((tmp_path / "m" / f"{os.getpid()}.json").read_text())["home\t2xx"]["count"] == 4000


@pytest.mark.django_db
def test_metrics_parse_with_the_prometheus_client_parser(client):
    from prometheus_client import parser  # the test extras install it
    client.get("/healthz")
    names = {family.name for family in parser.text_string_to_metric_families(_metrics(client).content.decode())}
    assert {"dailypapers_http_requests", "dailypapers_http_request_duration_seconds", "dailypapers_task_queue"} <= names


def test_granians_own_lines_are_json_with_json_logs():
    from django.utils.module_loading import import_string
    from granian.log import LOGGING_CONFIG

    from dailypapers.ops.logs import granian_log_config

    assert granian_log_config("text") is None
    config = {**LOGGING_CONFIG, **granian_log_config("json")}  # what granian's configure_logging does
    handlers = LOGGING_CONFIG["handlers"]
    for name in ("console", "access"):
        formatter = import_string(config["formatters"][handlers[name]["formatter"]]["()"])()
        line = formatter.format(logging.LogRecord("_granian", logging.INFO, __file__, 1, "Starting granian (WSGI)", None, None))
        assert json.loads(line)["message"] == "Starting granian (WSGI)"
