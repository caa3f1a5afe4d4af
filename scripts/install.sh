#!/usr/bin/env bash
# Installs CivDesk (editable) into .venv, with the system packages Qt needs, only when the install
# is missing or pyproject.toml changed since the last one.  A hash of pyproject.toml is kept per
# extra in .venv/.civdesk-install-stamp[-EXTRA].   Usage: scripts/install.sh [EXTRA]
set -euo pipefail
cd "$(dirname "$0")/.."
extra=${1:-}
target=. stamp=.venv/.civdesk-install-stamp
if [ -n "$extra" ]; then target=".[$extra]" stamp="$stamp-$extra"; fi
if command -v sha256sum >/dev/null 2>&1; then
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
else
  want=$(shasum -a 256 pyproject.toml | cut -d' ' -f1)
fi
if [ -x .venv/bin/civdesk ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
bash scripts/system-packages.sh
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e "$target"
echo "$want" > "$stamp"
