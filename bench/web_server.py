"""Which WSGI server `dailypapers serve` should use: granian vs gunicorn on the same pages.

Runs each server against one demo database (the bundled sample), loads it with `wrk` (Debian's
package) from the same machine, and prints requests/s and latency, with ratios against gunicorn
measured in the same run. Usage:

    apt-get install wrk && .venv/bin/pip install gunicorn
    .venv/bin/python bench/web_server.py [--seconds 10] [--connections 16] [--workers 2] [--threads 8]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str] | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label):
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return {"rps": rps, "p50": ms("50"), "p99": ms("99"), "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="dailypapers-bench-web-"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DAILYPAPERS_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="dailypapers.settings")
    subprocess.run([VENV_BIN / "dailypapers", "migrate", "-v0"], env=env, check=True)
    subprocess.run([VENV_BIN / "dailypapers", "ingest", "sample"], env=env, check=True, capture_output=True)

    servers = {
        "gunicorn (gthread)": lambda port: [
            VENV_BIN / "gunicorn", "dailypapers.wsgi:application", "-b", f"127.0.0.1:{port}",
            "-w", str(args.workers), "-k", "gthread", "--threads", str(args.threads), "--log-level", "warning",
        ],
        "granian (wsgi)": lambda port: [
            VENV_BIN / "dailypapers", "serve", "--port", str(port), "--workers", str(args.workers),
            "--threads", str(args.threads), "--no-worker", "--no-sample",
        ],
    }
    pages = {"day page (/)": "/", "about page (light)": "/about/ranking"}
    results: dict[tuple[str, str], dict] = {}
    for name, command in servers.items():
        port = free_port()
        proc = subprocess.Popen(command(port), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/", proc)
            for page, path in pages.items():
                wrk(f"http://127.0.0.1:{port}{path}", 2, args.connections)  # warm-up
                results[(name, page)] = wrk(f"http://127.0.0.1:{port}{path}", args.seconds, args.connections)
        finally:
            proc.terminate()
            proc.wait(timeout=20)

    print(f"\n{os.cpu_count()} CPUs, {args.workers} workers x {args.threads} threads, wrk -c{args.connections} "
          f"for {args.seconds}s on the same machine; 313-paper demo database\n")
    print("| server | page | req/s | p50 ms | p99 ms | non-2xx | req/s vs gunicorn |")
    print("|---|---|---|---|---|---|---|")
    for (name, page), r in results.items():
        base = results[("gunicorn (gthread)", page)]["rps"]
        print(f"| {name} | {page} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | {r['rps'] / base:.2f}x |")


if __name__ == "__main__":
    main()
