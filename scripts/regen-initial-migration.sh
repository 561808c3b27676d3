#!/usr/bin/env bash
# While no release exists, the schema is one initial revision, regenerated from the tables in
# code. Once cpms is released this script goes away and changes become new revisions
# (make migration MSG=...).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f cpms/storage/migrations/versions/0001_*.py
.venv/bin/python -m cpms.storage.migrate revision "initial schema" >/dev/null
sed -i '/^Create Date:/d; /# ### /d' cpms/storage/migrations/versions/0001_*.py
.venv/bin/python scripts/split_initial_migration.py cpms/storage/migrations/versions/0001_*.py
echo "regenerated $(ls cpms/storage/migrations/versions/0001_*.py)"
