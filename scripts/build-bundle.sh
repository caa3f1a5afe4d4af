#!/usr/bin/env bash
# Builds the one-folder bundle with PyInstaller: dist/CivDesk/ holds the window `CivDesk` and the
# command line `civdesk` (`civdesk-cli` on Windows/macOS) sharing one _internal/ folder.
# DIST and WORK choose the output and scratch folders (default dist/ and build/);
# PYTHON the interpreter whose packages are bundled (default .venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
DIST=${DIST:-dist}
WORK=${WORK:-build}
"$PY" -m PyInstaller --version >/dev/null 2>&1 || "$PY" -m pip install -q "pyinstaller>=6.0"
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$DIST" --workpath "$WORK" build.spec
echo "bundle: $DIST/CivDesk  size $(du -sh "$DIST/CivDesk" | cut -f1)  build $(( $(date +%s) - start )) s"
