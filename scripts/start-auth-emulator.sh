#!/usr/bin/env bash
# Start the Firebase Auth emulator (firebase-tools, installed by scripts/ensure-node-tools.sh)
# in the background at FIREBASE_AUTH_EMULATOR_HOST (default 127.0.0.1:9099), offline, for
# the project FIREBASE_PROJECT_ID (default demo-otagai), and wait until it answers.
# Prints exactly one line on stdout: the emulator's process group id (stop it with
# `kill -- -PGID`), or nothing when an emulator already answers at that address (it is
# left alone). Its log: $TMPDIR/otagai-auth-emulator-*/emulator.log (path on stderr).
# Exits 1 with nothing on stdout when it cannot (no Node/npm, port taken, ...).
set -euo pipefail
exec 3>&1 1>&2
log() { printf '[auth-emulator] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
HOSTPORT=${FIREBASE_AUTH_EMULATOR_HOST:-127.0.0.1:9099}
PROJECT=${FIREBASE_PROJECT_ID:-demo-otagai}
HOST=${HOSTPORT%:*}
PORT=${HOSTPORT##*:}
[[ $PORT =~ ^[0-9]+$ && $HOST != "$HOSTPORT" ]] || die "FIREBASE_AUTH_EMULATOR_HOST=$HOSTPORT is not host:port"

answers() { curl -s -o /dev/null --max-time 2 "http://$HOSTPORT/" 2>/dev/null; }
if answers; then
  log "something already answers at $HOSTPORT: using it"
  exit 0
fi

tools=$("$SCRIPT_DIR/ensure-node-tools.sh") || die "firebase-tools is not available"
workdir=$(mktemp -d "${TMPDIR:-/tmp}/otagai-auth-emulator-XXXXXX")
# tools/node/firebase.json, at the address asked for; the hub and logging ports are left
# for firebase-tools to choose among free ones.
node -e '
  const [config, host, port] = process.argv.slice(1);
  const c = require(config);
  c.emulators.auth = { host, port: Number(port) };
  process.stdout.write(JSON.stringify(c, null, 2));
' "$tools/firebase.json" "$HOST" "$PORT" >"$workdir/firebase.json"

log "starting the Firebase Auth emulator at $HOSTPORT (project $PROJECT); log: $workdir/emulator.log"
# setsid: its own process group, so the caller stops the CLI and its children together.
(cd "$workdir" && NO_UPDATE_NOTIFIER=1 exec setsid "$tools/node_modules/.bin/firebase" \
  emulators:start --only auth --project "$PROJECT" --config "$workdir/firebase.json" \
  >"$workdir/emulator.log" 2>&1 3>&-) &
pid=$!

for _ in $(seq 1 400); do
  if answers; then
    printf '%s\n' "$pid" >&3
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -n 20 "$workdir/emulator.log" >&2 || true
    die "the emulator exited"
  fi
  sleep 0.3
done
kill -- "-$pid" 2>/dev/null || true
die "the emulator did not answer at $HOSTPORT within 2 minutes"
