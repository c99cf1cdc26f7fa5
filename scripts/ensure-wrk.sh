#!/usr/bin/env bash
# Make sure wrk (the HTTP load generator `make bench` drives the server with) is on this
# machine, then print exactly one line on stdout: its path.
# Usage: scripts/ensure-wrk.sh
# Env:   WRK = a wrk binary to use as it is
# Installs Debian's `wrk` package with apt-get (as root, or with passwordless sudo).
set -euo pipefail
exec 3>&1 1>&2
log() { printf '[wrk] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

wrk=${WRK:-$(command -v wrk || true)}
if [[ -z $wrk ]]; then
  can_apt || die "wrk is missing and cannot be installed here: install it (Debian: apt-get install wrk) or set WRK"
  apt_install wrk || die "apt-get install wrk failed"
  wrk=$(command -v wrk) || die "wrk still not found after installing it"
fi
[[ -x $wrk ]] || die "WRK=$wrk is not an executable file"
printf '%s\n' "$wrk" >&3
