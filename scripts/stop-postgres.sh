#!/usr/bin/env bash
# Stop the project-local cluster started by scripts/ensure-postgres.sh (path 3).
# No-op when none exists or it is not running. Never touches other servers.
# Usage: scripts/stop-postgres.sh
set -euo pipefail

log() { printf '[postgres] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(dirname "$SCRIPT_DIR")
# Same key as ensure-postgres.sh: the cluster lives in <repo>/.pg, or in this
# /var/tmp fallback when the repo is not traversable by the postgres user.
key=$(printf %s "$REPO" | cksum | cut -d' ' -f1)

# postgres/pg_ctl refuse to run as root: act as the cluster's owner then.
as_pg() { if ((EUID == 0)); then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

found=0
for base in "$REPO/.pg" "/var/tmp/otagai-pg-$key"; do
  data=$base/data
  [[ -f $data/PG_VERSION ]] || continue
  found=1
  # Use the pg_ctl of the cluster's own major version.
  pg_ctl=/usr/lib/postgresql/$(<"$data/PG_VERSION")/bin/pg_ctl
  [[ -x $pg_ctl ]] || pg_ctl=$(command -v pg_ctl) || die "pg_ctl not found for cluster $data"
  if as_pg "$pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "stopping cluster $data"
    as_pg "$pg_ctl" -D "$data" -m fast -w -t 60 stop >&2 || die "could not stop cluster $data"
  else
    log "cluster $data is not running"
  fi
done
((found)) || log "no project-local cluster for $REPO"
exit 0
