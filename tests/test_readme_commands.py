"""Every command the README shows works (issue 29: its GPU section named `ingest arxiv-snapshot`, which
does not exist). Each `dailypapers …` line of a code block and each inline `dailypapers …` is parsed by
the command's own parser (options, sub-commands and arguments checked, nothing run); the scripts it
names exist and parse; each `curl` URL is one the site routes; the help the README points newcomers to
names the site's commands first. The example pages of the demo table answer on the demo data."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, get_commands, load_command_class
from django.urls import Resolver404, resolve

from dailypapers import cli

ROOT = Path(__file__).resolve().parents[1]
# The README and the guide its Search section hands on to (docs/search.md: the GPU embedding commands).
README = (ROOT / "README.md").read_text(encoding="utf-8") + "\n" + (ROOT / "docs" / "search.md").read_text(encoding="utf-8")


def _code_lines(text: str) -> list[str]:
    """Shell lines of the fenced blocks (bash, sh, console or none), continuations joined, comments cut."""
    lines = []
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S):
        if lang not in ("", "bash", "sh", "shell", "console"):
            continue
        body = body.replace("\\\n", " ")
        for line in body.splitlines():
            line = re.sub(r"(^|\s)#.*$", "", line).strip()
            if line:
                lines.extend(part.strip() for part in line.split("&&"))
    return lines


def _inline_commands(text: str) -> list[str]:
    return re.findall(r"`((?:\.venv/bin/)?dailypapers [^`]+)`", text)


def _concrete(command: str) -> list[str]:
    """A documented command line as argv: `[--opt X]` kept as `--opt X`, `a|b` as `a`, placeholders
    (…, FILE, YYYY-MM-DD) given values."""
    command = command.replace("[", " ").replace("]", " ")
    command = re.sub(r"(\S+)\|\S+", r"\1", command)
    command = command.replace("postgres://…", "postgres://u@h/db").replace("…", "file.jsonl")
    command = command.replace("YYYY-MM-DD", "2026-11-01")
    command = re.sub(r"(?<=\s)N\b", "10", command)
    argv = shlex.split(command)
    if argv[0].endswith("dailypapers"):
        argv = argv[1:]
    return argv


def _parse(argv: list[str]) -> None:
    """Parse ``dailypapers ARGV`` as the command itself would, or fail."""
    name, rest = argv[0], argv[1:]
    if name == "serve":
        parser = cli.serve_parser()
    elif name == "worker":
        parser = cli.worker_parser()
    else:
        commands = get_commands()
        assert name in commands, f"`dailypapers {name}` is no command"
        parser = load_command_class(commands[name], name).create_parser("dailypapers", name)
    try:
        parser.parse_args(rest)
    except (SystemExit, CommandError) as exc:
        # Prose may name a command without its required arguments ("`dailypapers db move` copies …").
        if "arguments are required" not in str(exc):
            pytest.fail(f"`dailypapers {shlex.join(argv)}` does not parse ({exc})")


DAILYPAPERS = sorted({" ".join(_concrete(c)) for c in _inline_commands(README)}
                     | {" ".join(_concrete(c)) for c in _code_lines(README) if re.match(r"(\.venv/bin/)?dailypapers ", c)})


def test_the_readme_shows_commands_at_all():
    assert len(DAILYPAPERS) > 20 and "serve" in DAILYPAPERS


@pytest.mark.parametrize("command", DAILYPAPERS)
def test_every_dailypapers_command_in_the_readme_parses(command, db):
    _parse(shlex.split(command))


def test_the_parse_check_catches_a_command_or_option_that_does_not_exist(db):
    with pytest.raises(pytest.fail.Exception):
        _parse(["ingest", "arxiv-snapshot", "file.jsonl"])
    with pytest.raises(pytest.fail.Exception):
        _parse(["index", "embed", "--batch-size", "3"])
    with pytest.raises(AssertionError):
        _parse(["harvest"])


def test_every_script_and_url_of_the_readme_exists():
    lines = _code_lines(README) + re.findall(r"`((?:bash|python3?) [^`]+)`", README)
    scripts = [line.split()[1] for line in lines if re.match(r"bash \S+\.sh", line)]
    assert "scripts/demo.sh" in scripts
    for script in scripts:
        assert (ROOT / script).is_file(), script
        subprocess.run(["bash", "-n", str(ROOT / script)], check=True)
    urls = [path for line in lines if line.startswith("curl")
            for host, path in re.findall(r"https?://([^/\s]+)(/[^\s'\"]*)", line) if host == "127.0.0.1:8000"]
    assert urls
    for path in urls:
        try:
            resolve(path.split("?")[0])
        except Resolver404:
            pytest.fail(f"the README's curl URL {path} is no page of the site")


def _run(*argv, data_dir):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env["DAILYPAPERS_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "dailypapers", *argv], env=env, capture_output=True, text=True, timeout=120)


def test_help_lists_the_sites_own_commands_and_worker_help_names_itself(tmp_path):
    overview = _run("--help", data_dir=tmp_path).stdout
    assert overview == _run(data_dir=tmp_path).stdout == _run("help", data_dir=tmp_path).stdout
    # serve and worker first, then the rest of the site's commands, before any of Django's.
    assert overview.index("serve") < overview.index("worker") < overview.index("ingest")
    site_commands = {name for name, app in get_commands().items() if app.startswith("dailypapers")}
    for name in site_commands | {"serve", "worker", "createsuperuser"}:
        assert re.search(rf"^  (\S+, )?{name}\b", overview, re.M), name
    assert "account_unsetmultipleprimaryemails" not in overview
    assert "createcachetable" in _run("help", "--commands", data_dir=tmp_path).stdout
    assert "usage: dailypapers ingest" in _run("help", "ingest", data_dir=tmp_path).stdout
    worker_help = _run("worker", "--help", data_dir=tmp_path)
    assert worker_help.returncode == 0
    assert worker_help.stdout.startswith("usage: dailypapers worker") and "db_worker" not in worker_help.stdout


def test_the_demo_tables_example_pages_answer_on_the_demo_data(client, db):
    call_command("ingest", "demo", verbosity=0)
    table = README[README.index("**What the demo shows.**"):README.index("Every list takes the filters")]
    # (collections need a member's collection: tests/papers/test_collections_web.py)
    paths = [p for p in re.findall(r"`(/[^`\s]*)`", table) if "<" not in p and not p.startswith(("/collections", "/c/"))]
    assert "/papers/2504.07952" in paths or any(p.startswith("/papers/2") for p in paths)
    for path in paths:
        response = client.get(path)
        # Member pages send a reader to log in; everything else is a page of the demo.
        assert response.status_code in (200, 302), f"{path}: {response.status_code}"
        if response.status_code == 302:
            assert "/login/" in response["Location"], path
