#!/usr/bin/env bash
# Installs the system libraries Qt needs offscreen and the Chinese fonts (Debian/Ubuntu).
# Skipped quietly where apt-get is not available or we are not root.
#   --tools  also the optional outside programs CivDesk uses when present and the tests exercise:
#            LibreOffice (documents → PDF), poppler-utils (PDF → PNG/text), ClamAV (virus scan),
#            PostgreSQL (the tests start a throwaway server for the shared-library tests).
set -u
PKGS="fonts-noto-cjk libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0"
if [ "${1:-}" = "--tools" ]; then
  PKGS="$PKGS libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils clamav postgresql"
fi
missing=""
for p in $PKGS; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null
elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
  sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
  echo "提示：请用系统的包管理器安装：$missing" >&2
fi
