#!/usr/bin/env bash
# Install Daily Papers into ./.venv and serve the demo at http://127.0.0.1:8000 (SQLite + bundled
# sample papers in ./data; no network needed after the install).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
exec .venv/bin/dailypapers serve "$@"
