#!/usr/bin/env bash
# Make sure a PostgreSQL server with PostGIS *available* is reachable for Otagai,
# then print exactly one line on stdout: postgresql://USER@HOST:PORT/DBNAME
# Usage: scripts/ensure-postgres.sh [DBNAME]      (DBNAME defaults to "postgres")
# Env:   OTAGAI_PG_MODE = auto (default) | url | server | local   -- force one path
#        DATABASE_URL   = used first (modes auto/url)
#        OTAGAI_PG_PORT = port of the project-local cluster (default 54329)
#        VENV           = virtualenv whose python+psycopg is the fallback client
# Paths: 1) DATABASE_URL  2) server on 127.0.0.1:5432  3) project-local cluster
#        4) apt-get installs whatever binaries/PostGIS a *local* server lacks.
# The postgis extension itself is NOT created: the app's migration does that.
set -euo pipefail

# All chatter goes to stderr; fd 3 keeps the real stdout for the single URL line.
exec 3>&1 1>&2
log() { printf '[postgres] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(dirname "$SCRIPT_DIR")
MODE=${OTAGAI_PG_MODE:-auto}
PORT=${OTAGAI_PG_PORT:-54329}
DB_ARG=${1:-}
DBNAME=${DB_ARG:-postgres}
PY="${VENV:-$REPO/.venv}/bin/python"
export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-3}
OS=$(uname -s)

case $MODE in auto | url | server | local) ;; *) die "OTAGAI_PG_MODE must be auto|url|server|local (got '$MODE')" ;; esac
# DBNAME ends up inside SQL and URLs: a strict charset avoids quoting/escaping bugs.
[[ $DBNAME =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$ ]] || die "invalid database name '$DBNAME' (use [A-Za-z0-9_-], max 63 chars)"
[[ $PORT =~ ^[0-9]+$ ]] || die "OTAGAI_PG_PORT must be a number (got '$PORT')"

ERRF=$(mktemp)
trap 'rm -f "$ERRF"' EXIT
mask() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; } # hide passwords in logs

# Fallback client for machines without psql (e.g. DATABASE_URL pointing elsewhere).
PYQ='
import sys
try:
    import psycopg
    with psycopg.connect(sys.argv[1], autocommit=True) as conn:
        cur = conn.execute(sys.argv[2])
        for row in (cur if cur.description else []):
            print("|".join("" if v is None else str(v) for v in row))
except Exception as e:
    sys.exit(" ".join(str(e).split()))
'
# q URL SQL: print result rows; on failure log the error (unless QUIET=1) and return 1.
q() {
  local out rc=0
  if command -v psql >/dev/null; then out=$(psql -XAtqw -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>"$ERRF") || rc=$?
  elif [[ -x $PY ]]; then out=$("$PY" -c "$PYQ" "$1" "$2" 2>"$ERRF") || rc=$?
  else die "neither psql nor $PY (with psycopg) is available to talk to PostgreSQL"; fi
  ((rc)) && { [[ -n ${QUIET:-} ]] || log "$(mask "$1"): $(tr -s '\n\t ' ' ' <"$ERRF")"; return 1; }
  printf '%s\n' "$out"
}

# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
# pkg_install PKG...: Debian/Ubuntu only; anything else stops with what to install.
pkg_install() {
  [[ $OS == Darwin ]] && die "missing $*; on macOS: brew install postgresql@15 postgis && brew services start postgresql@15"
  command -v apt-get >/dev/null || die "apt-get not found: install $* (PostgreSQL 15 with PostGIS 3) yourself and set DATABASE_URL"
  can_root || die "not root and no passwordless sudo: run 'sudo apt-get install $*' and retry"
  apt_install "$@" || die "apt-get install $* failed"
}

# Checks PostGIS is *available*; installs it only when the server runs on this machine.
ensure_postgis() { # URL IS_LOCAL
  local have major pkg
  have=$(q "$1" "select 1 from pg_available_extensions where name='postgis'") || die "cannot query $(mask "$1")"
  [[ $have == 1 ]] && { log "PostGIS is available"; return; }
  [[ $2 == 1 ]] || die "PostGIS is not available on remote server $(mask "$1"): install PostGIS 3 there or point DATABASE_URL elsewhere"
  major=$(q "$1" "select current_setting('server_version_num')::int / 10000") || die "cannot read server version"
  pkg="postgresql-$major-postgis-3"
  [[ $OS == Darwin ]] && die "PostGIS missing on the local server: brew install postgis"
  log "PostGIS missing on PostgreSQL $major server, installing $pkg"
  pkg_install "$pkg"
  have=$(q "$1" "select 1 from pg_available_extensions where name='postgis'") || die "cannot query $(mask "$1")"
  [[ $have == 1 ]] || die "installed $pkg but the server still lacks PostGIS (is it running in a container?)"
}

ensure_db() { # ADMIN_URL DB
  local sql="select 1 from pg_database where datname='$2'" have
  have=$(q "$1" "$sql") || die "cannot query $(mask "$1")"
  [[ $have == 1 ]] && { log "database '$2' exists"; return; }
  log "creating database '$2'"
  # A concurrent run may win the race; that is fine as long as the db exists afterwards.
  q "$1" "create database \"$2\"" >/dev/null || [[ $(QUIET=1 q "$1" "$sql") == 1 ]] || die "could not create database '$2'"
}

finish() { # ADMIN_URL OUT_URL DB IS_LOCAL
  ensure_postgis "$1" "$4"
  [[ -n $3 ]] && ensure_db "$1" "$3"
  log "ready: $(mask "$2")"
  printf '%s\n' "$2" >&3
  exit 0
}

# ---- 1) DATABASE_URL -------------------------------------------------------
use_url() {
  local url=$DATABASE_URL rest query="" auth db="" hostport host islocal=0 admin
  case $url in
    postgresql+psycopg://* | postgres://* | postgresql://*) url="postgresql://${url#*://}" ;;
    *) die "DATABASE_URL must start with postgresql://, postgres:// or postgresql+psycopg:// (got '${url%%://*}://')" ;;
  esac
  rest=${url#postgresql://}
  if [[ $rest == *\?* ]]; then query="?${rest#*\?}" rest=${rest%%\?*}; fi
  auth=${rest%%/*}
  [[ $rest == */* ]] && db=${rest#*/}
  hostport=${auth##*@}
  host=${hostport%%:*}; [[ $hostport == \[* ]] && host=${hostport%%]*}]
  case $host in "" | localhost | 127.* | "[::1]" | "${HOSTNAME:-localhost}") islocal=1 ;; esac
  [[ $query == *host=/* ]] && islocal=1 # unix socket => same machine
  [[ -n $DB_ARG ]] && db=$DB_ARG
  # Admin connection: the URL as given, else the same server's "postgres" db
  # (the URL's own db may be exactly the one we are about to create).
  admin=$url
  if ! QUIET=1 q "$url" "select 1" >/dev/null; then
    admin="postgresql://$auth/postgres$query"
    { grep -q 'database ".*" does not exist' "$ERRF" && q "$admin" "select 1" >/dev/null; } ||
      die "DATABASE_URL $(mask "$url") does not answer: $(tr -s '\n\t ' ' ' <"$ERRF")"
  fi
  log "using DATABASE_URL $(mask "$url")"
  if [[ -n $db ]]; then url="postgresql://$auth/$db$query"; fi
  finish "$admin" "$url" "$db" "$islocal"
}

# ---- 2) an existing server on 127.0.0.1:5432 --------------------------------
try_server() {
  local user url
  if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432 -t 3; then
    log "no server answers on 127.0.0.1:5432"; return 1
  fi
  for user in postgres "$(id -un)"; do
    url="postgresql://$user@127.0.0.1:5432"
    if QUIET=1 q "$url/postgres" "select 1" >/dev/null; then
      log "using server on 127.0.0.1:5432 as $user"
      finish "$url/postgres" "$url/$DBNAME" "$DBNAME" 1
    fi
  done
  log "a server answers on 127.0.0.1:5432 but neither 'postgres' nor '$(id -un)' can log in"
  return 1
}

# ---- 3) project-local cluster ----------------------------------------------
# initdb/postgres refuse to run as root, so root runs them as the postgres user.
# Close fd 3 (our stdout) and 9 (the lock): a daemonized postmaster would inherit
# them, hanging `url=$(ensure-postgres.sh)` and holding the lock forever.
as_pg() { if ((EUID == 0)); then (cd / && runuser -u postgres -- "$@" 3>&- 9>&-); else "$@" 3>&- 9>&-; fi; }
newest_bindir() { find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1 | xargs -r dirname; }

local_cluster() {
  local base alt data bindir key loc running_port
  [[ $OS == Darwin ]] && die "no PostgreSQL server answers; run: brew install postgresql@15 postgis && brew services start postgresql@15"
  key=$(printf %s "$REPO" | cksum | cut -d' ' -f1)
  base="$REPO/.pg" alt="/var/tmp/otagai-pg-$key"
  # The socket path ($base/.s.PGSQL.<port>) must fit in sun_path (~107 bytes);
  # as root, the postgres user must be able to traverse the repo (not so under /root).
  if ((${#base} + 20 > 99)); then
    log "repo path too long for a unix socket, using $alt"; base=$alt
  elif ((EUID == 0)) && ! runuser -u postgres -- test -x "$REPO" 2>/dev/null; then
    log "postgres user cannot traverse $REPO, using $alt"; base=$alt
  fi
  data=$base/data
  # Two concurrent runs (e.g. parallel test jobs) must not both initdb.
  if command -v flock >/dev/null; then
    exec 9>"/tmp/otagai-pg-$key.lock"
    flock -w 120 9 || die "timed out waiting for another ensure-postgres.sh run"
  fi
  # An existing cluster must run with its own major version; else take the newest.
  if [[ -f $data/PG_VERSION ]]; then bindir=/usr/lib/postgresql/$(<"$data/PG_VERSION")/bin; else bindir=$(newest_bindir); fi
  if [[ ! -x $bindir/initdb ]]; then
    pkg_install postgresql
    # Debian's package may have just created and started a "main" cluster on 5432.
    if [[ $MODE == auto ]]; then try_server || true; fi
    [[ -f $data/PG_VERSION ]] || bindir=$(newest_bindir)
    [[ -x $bindir/initdb ]] || die "no initdb under /usr/lib/postgresql/*/bin even after installing postgresql"
  fi
  if ((EUID == 0)); then install -d -m 700 -o postgres -g postgres "$base" # postgres user comes with the package
  else mkdir -p "$base" && chmod 700 "$base"; fi
  if [[ ! -f $data/PG_VERSION ]]; then
    log "initdb $data ($bindir)"
    loc=C; locale -a 2>/dev/null | grep -qix 'c.utf-\?8' && loc=C.UTF-8
    # Trust auth: DEVELOPMENT ONLY. Listens on 127.0.0.1 only, socket dir is mode 700.
    as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale="$loc" >/dev/null
    cat >>"$data/postgresql.conf" <<EOF

# --- added by scripts/ensure-postgres.sh: development cluster ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$base'
jit = off  # JIT only slows down the short queries of an app/test suite
EOF
  fi
  if as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    running_port=$(sed -n 4p "$data/postmaster.pid")
    [[ $running_port == "$PORT" ]] || die "cluster $data already runs on port $running_port, not $PORT: run scripts/stop-postgres.sh first"
    log "reusing running cluster $data on port $PORT"
  else
    log "starting cluster $data on 127.0.0.1:$PORT (log: $base/postgres.log)"
    as_pg "$bindir/pg_ctl" -D "$data" -l "$base/postgres.log" -o "-p $PORT" -w -t 60 start >/dev/null ||
      { tail -n 15 "$base/postgres.log" >&2 || true; die "could not start the cluster (port $PORT busy?)"; }
  fi
  local url="postgresql://postgres@127.0.0.1:$PORT"
  q "$url/postgres" "select 1" >/dev/null || die "local cluster on port $PORT does not answer"
  finish "$url/postgres" "$url/$DBNAME" "$DBNAME" 1
}

# ---- decision order ----------------------------------------------------------
if [[ $MODE == url || ($MODE == auto && -n ${DATABASE_URL:-}) ]]; then
  [[ -n ${DATABASE_URL:-} ]] || die "OTAGAI_PG_MODE=url but DATABASE_URL is not set"
  use_url
fi
if [[ $MODE == auto || $MODE == server ]]; then
  try_server || true
  [[ $MODE == server ]] && die "OTAGAI_PG_MODE=server but no usable server on 127.0.0.1:5432"
fi
local_cluster
