#!/usr/bin/env bash
# Creates the project's virtualenv with a Python >= 3.11; on Debian, installs python3-venv
# when it is missing and we may (root), otherwise says what to run.
set -euo pipefail
python="${1:-python3}"
venv="${2:-.venv}"

[ -x "$venv/bin/python" ] && exit 0

if ! command -v "$python" >/dev/null 2>&1; then
  echo "cpms needs Python 3.11 or newer: '$python' was not found (Debian: apt-get install python3)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "cpms needs Python 3.11 or newer; '$python' is $("$python" -V 2>&1). Run: make PYTHON=python3.11 ..." >&2
  exit 1
fi
if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
  rm -rf "$venv"
  version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing python${version}-venv (needed to create the virtualenv)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${version}-venv" >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${version}-venv" >/dev/null; }
    "$python" -m venv "$venv"
  else
    echo "Python cannot create a virtualenv here. On Debian run: sudo apt-get install python${version}-venv" >&2
    exit 1
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
