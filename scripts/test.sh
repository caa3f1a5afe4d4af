#!/usr/bin/env bash
# Runs the whole test suite offscreen; installs CivDesk with its test extra into .venv first when
# that install is missing or pyproject.toml changed (scripts/install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh dev
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
