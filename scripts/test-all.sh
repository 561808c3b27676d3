#!/usr/bin/env bash
# `make test`: the whole suite on SQLite and, at the same time, on a private PostgreSQL server.
# The two runs spend much of their time waiting on sockets and fsyncs, so side by side on two
# cores they take little more than one of them. The PostgreSQL run's output is shown when it ends.
# CPMS_TEST_SERIAL=1 runs them one after the other, with live output for both.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${CPMS_TEST_SERIAL:-0}" = 1 ]; then
  .venv/bin/python -m pytest "$@" && scripts/test-postgres.sh "$@"
  exit
fi
pg_log=$(mktemp)
trap 'rm -f "$pg_log"' EXIT
scripts/test-postgres.sh "$@" >"$pg_log" 2>&1 &
pg=$!
echo "== the suite on SQLite (PostgreSQL runs alongside; its output follows) =="
.venv/bin/python -m pytest "$@"
sqlite_rc=$?
wait "$pg"
pg_rc=$?
cat "$pg_log"
[ "$sqlite_rc" = 0 ] && [ "$pg_rc" = 0 ]
