#!/usr/bin/env bash
# Autogenerate a migration from the models against a throwaway database at head.
# Usage: scripts/new-migration.sh "slug"            a new revision
#        scripts/new-migration.sh --replace FILE     regenerate FILE (an unreleased one)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
if [[ ${1:-} == --replace ]]; then
  file=$2
  message=$(sed -n '1s/^"""//p' "$file")
  rm "$file"
else
  message=${1:?usage: scripts/new-migration.sh "slug" | --replace FILE}
fi
server=$(scripts/ensure-postgres.sh)
name="otagai_autogen_$$"
db="${server%/*}/$name"
.venv/bin/python - "$server" "$name" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as c:
    c.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}"'); c.execute(f'CREATE DATABASE "{sys.argv[2]}"')
PY
trap '.venv/bin/python -c "import sys, psycopg; c = psycopg.connect(sys.argv[1], autocommit=True); c.execute(\"DROP DATABASE IF EXISTS \\\"$name\\\" WITH (FORCE)\")" "$server"' EXIT
DATABASE_URL=$db .venv/bin/alembic upgrade head
DATABASE_URL=$db .venv/bin/alembic revision --autogenerate -m "$message"
