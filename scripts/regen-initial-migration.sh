#!/usr/bin/env bash
# While no release exists, the schema is one initial revision, regenerated from the tables in
# code. Once cpms is released this script goes away and changes become new revisions
# (make migration MSG=...). Later revisions hold what autogenerate cannot write (triggers): they
# are set aside while the initial one is generated, then put back.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=cpms/storage/migrations/versions
aside=$(mktemp -d)
trap 'mv "$aside"/*.py "$versions"/ 2>/dev/null || true; rmdir "$aside"' EXIT
find "$versions" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]_*.py' ! -name '0001_*' -exec mv {} "$aside"/ \;
rm -f "$versions"/0001_*.py
.venv/bin/python -m cpms.storage.migrate revision "initial schema" >/dev/null
sed -i '/^Create Date:/d; /# ### /d' "$versions"/0001_*.py
.venv/bin/python scripts/split_initial_migration.py "$versions"/0001_*.py
echo "regenerated $(ls "$versions"/0001_*.py)"
