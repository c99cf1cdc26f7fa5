#!/usr/bin/env bash
# Make sure the project's Node tools (tools/node/package.json: the Firebase Auth emulator
# from firebase-tools, openapi-typescript and typescript) are installed at the locked
# versions, then print exactly one line on stdout: the tools/node directory.
# Installs Debian's nodejs and npm when Node is missing. Non-zero when it cannot.
set -euo pipefail
exec 3>&1 1>&2
log() { printf '[node] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
TOOLS=$(dirname "$SCRIPT_DIR")/tools/node
# shellcheck source=lib/apt.sh
source "$SCRIPT_DIR/lib/apt.sh"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  can_apt || die "Node.js and npm are missing and cannot be installed here (apt-get install nodejs npm)"
  apt_install nodejs npm || die "could not install nodejs and npm"
fi
node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 18 ? 1 : 0)' \
  || die "Node.js 18 or newer is needed, found $(node --version)"

stamp=$TOOLS/node_modules/.package-lock.json
if [[ ! -f $stamp || $TOOLS/package-lock.json -nt $stamp ]]; then
  log "npm ci in tools/node (firebase-tools, openapi-typescript, typescript)"
  npm ci --prefix "$TOOLS" --no-audit --no-fund --loglevel=error >&2 || die "npm ci failed in $TOOLS"
fi
[[ -x $TOOLS/node_modules/.bin/firebase && -x $TOOLS/node_modules/.bin/tsc ]] || die "tools missing after npm ci"
printf '%s\n' "$TOOLS" >&3
