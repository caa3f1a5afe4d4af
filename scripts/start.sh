#!/usr/bin/env bash
# Starts the window on the default library; installs CivDesk into .venv first when the install
# is missing or pyproject.toml changed (scripts/install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/python main.py "$@"
