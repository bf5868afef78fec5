#!/usr/bin/env bash
# The test command (README, "Run the tests"): a virtualenv with the project and its test extras,
# then the whole suite. Browser tests use Debian's chromium at /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
exec .venv/bin/python -m pytest "$@"
