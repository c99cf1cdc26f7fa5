#!/usr/bin/env bash
# Create the virtualenv and install the project with the locked versions.
# Usage: scripts/bootstrap-python.sh [VENV]   (default .venv)
set -euo pipefail
log() { printf '[python] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
VENV=${1:-$REPO/.venv}
PYTHON=${PYTHON:-python3}

command -v "$PYTHON" >/dev/null || die "python3 not found: install Python 3.11+ (Debian: apt-get install python3 python3-venv; macOS: brew install python@3.11)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "Python 3.11 or newer is needed, found $("$PYTHON" -V 2>&1); set PYTHON=/path/to/python3.11"

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 1; fi
}

if [[ ! -x $VENV/bin/python ]]; then
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    # Debian and Ubuntu ship venv separately.
    rm -rf "$VENV"
    pkg="python3-venv"
    log "python venv module missing; installing $pkg"
    command -v apt-get >/dev/null || die "cannot create a virtualenv: install the venv module for $PYTHON"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >&2 \
      || { as_root apt-get update -q >&2 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >&2; } \
      || die "could not install $pkg (need root or passwordless sudo): apt-get install $pkg"
    "$PYTHON" -m venv "$VENV"
  fi
fi

log "installing into $VENV (versions from constraints.txt)"
"$VENV/bin/python" -m pip install -q --upgrade pip >&2 2>/dev/null || true
"$VENV/bin/python" -m pip install -q -c "$REPO/constraints.txt" -e "${REPO}[dev]" 2>&1 \
  | grep -v "^WARNING: Location 'file:" >&2 || true
"$VENV/bin/python" -c 'import otagai, flask_smorest, geoalchemy2, psycopg, firebase_admin' \
  || die "installation incomplete; see the pip output above"
