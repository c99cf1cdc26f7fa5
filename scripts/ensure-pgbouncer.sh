#!/usr/bin/env bash
# Make sure PgBouncer (the connection pooler `make scale-check` and tests/scale/ put in
# front of PostgreSQL) is on this machine, then print exactly one line on stdout: its path.
# Usage: scripts/ensure-pgbouncer.sh
# Env:   PGBOUNCER = a pgbouncer binary to use as it is
# Installs Debian's `pgbouncer` package with apt-get (as root, or with passwordless sudo).
# The tests run instances of their own (own config, free port); the package's service is
# not wanted: if installing it started one on 6432, it is stopped and disabled again.
set -euo pipefail
exec 3>&1 1>&2
log() { printf '[pgbouncer] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

find_pgbouncer() { command -v pgbouncer || { [[ -x /usr/sbin/pgbouncer ]] && echo /usr/sbin/pgbouncer; }; }

# The Debian package's own service, if apt started it (policy-rc.d allowing).
stop_package_service() {
  local pidfile=/var/run/postgresql/pgbouncer.pid
  if command -v systemctl >/dev/null && systemctl is-active --quiet pgbouncer 2>/dev/null; then
    log "stopping the package's pgbouncer service (tests run their own)"
    as_root systemctl disable --now pgbouncer >/dev/null 2>&1 || true
  elif [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    log "stopping the package's pgbouncer (pid $(cat "$pidfile"); tests run their own)"
    as_root service pgbouncer stop >/dev/null 2>&1 || as_root kill "$(cat "$pidfile")" || true
  fi
}

bouncer=${PGBOUNCER:-$(find_pgbouncer || true)}
if [[ -z $bouncer ]]; then
  can_apt || die "pgbouncer is missing and cannot be installed here: install it (Debian: apt-get install pgbouncer) or set PGBOUNCER"
  apt_install pgbouncer || die "apt-get install pgbouncer failed"
  stop_package_service
  bouncer=$(find_pgbouncer) || die "pgbouncer still not found after installing it"
fi
[[ -x $bouncer ]] || die "PGBOUNCER=$bouncer is not an executable file"
log "using $bouncer ($("$bouncer" --version 2>/dev/null | head -1 || echo 'version unknown'))"
printf '%s\n' "$bouncer" >&3
