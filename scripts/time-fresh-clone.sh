#!/bin/bash
# Time to a browsable site on a fresh clone, as the README states it: git clone, venv,
# pip install -e . (without pip's cache), `dailypapers serve`, until / answers 200.
# Usage: bash scripts/time-fresh-clone.sh [REPOSITORY] (default: this checkout). Works in /tmp.
set -euo pipefail
SOURCE="${1:-$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)}"
WORK="$(mktemp -d /tmp/dailypapers-clone.XXXXXX)"
PORT="${PORT:-8765}"
now() { date +%s.%N; }
t0=$(now)
git clone -q "$SOURCE" "$WORK/repo"
cd "$WORK/repo"
python3 -m venv .venv
t1=$(now)
.venv/bin/pip install -q --no-cache-dir -e . >"$WORK/pip.log" 2>&1
t2=$(now)
DAILYPAPERS_DATA_DIR="$WORK/data" .venv/bin/dailypapers serve --port "$PORT" >"$WORK/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = "200" ]; do sleep 0.2; done
t3=$(now)
printf 'clone+venv %.0f s, pip install %.0f s, serve to the first 200 of / %.0f s: total %.0f s (venv %s)\n' \
  "$(echo "$t1-$t0" | bc)" "$(echo "$t2-$t1" | bc)" "$(echo "$t3-$t2" | bc)" "$(echo "$t3-$t0" | bc)" "$(du -sh .venv | cut -f1)"
