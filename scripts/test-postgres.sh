#!/usr/bin/env bash
# The whole suite again on a private PostgreSQL server that the tests start themselves.
# Skipped with a clear message when no server binary is installed, unless CPMS_REQUIRE_POSTGRES=1 (CI).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null 2>&1; then
  if [ "${CPMS_REQUIRE_POSTGRES:-0}" = 1 ]; then
    echo "PostgreSQL server binaries are required (CPMS_REQUIRE_POSTGRES=1) but not installed" >&2
    exit 1
  fi
  echo "SKIPPED the PostgreSQL run of the suite: no PostgreSQL server binary (pg_ctl) installed."
  echo "        Install it with 'sudo apt-get install postgresql' to run the suite on PostgreSQL too."
  exit 0
fi
echo "== the suite on PostgreSQL =="
CPMS_TEST_DB=postgres exec .venv/bin/python -m pytest "$@"
