# Otagai: `make run` serves the API with demo data; `make test` runs the whole suite.
# Both bootstrap everything they need (virtualenv, PostgreSQL + PostGIS) on Debian/Ubuntu.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The synthetic town `make run` loads beside the demo data (a year of life; once per database).
SYNTHETIC_HOUSEHOLDS ?= 3000
# `make run` also starts the Firebase Auth emulator (firebase-tools from npm, through
# scripts/start-auth-emulator.sh) at FIREBASE_AUTH_EMULATOR_HOST, stopped when the server
# stops, so the mobile app can sign up and in for real. AUTH_EMULATOR=0: dev-token only.
# Without Node/npm it says so and serves anyway: dev-token tokens need no emulator.
AUTH_EMULATOR ?= 1
# Development and tests use the Firebase Auth emulator's token format (demo- project:
# nothing real can be reached). Production sets none of these.
DEV_ENV := OTAGAI_ENV=development FIREBASE_AUTH_EMULATOR_HOST=$${FIREBASE_AUTH_EMULATOR_HOST:-127.0.0.1:9099} FIREBASE_PROJECT_ID=$${FIREBASE_PROJECT_ID:-demo-otagai}

.PHONY: help install db run serve test lint spec migrate seed db-stop clean bench worker scale-check soak

help:
	@echo "make run    - install, start PostgreSQL+PostGIS and the Firebase Auth emulator, migrate, seed, serve on http://$(HOST):$(PORT) (/docs)"
	@echo "make test   - install, start PostgreSQL+PostGIS, lint, type-check, run the whole suite"
	@echo "make serve  - the production server (gunicorn.conf.py) on http://$(HOST):$(PORT)"
	@echo "make worker - the notification worker beside make run (logs pushes in development)"
	@echo "make spec   - regenerate api_spec/openapi.json from the code"
	@echo "make scale-check - PgBouncer, a streaming replica, two instances on one port, two workers (tests/scale/)"
	@echo "make bench  - SQL and HTTP (gunicorn + wrk) timings as ratios to references, 1,000,000 users; built once"
	@echo "make soak DURATION=300 - gunicorn + worker under a mixed locust workload, then SQL invariants"
	@echo "make db-stop - stop the project-local PostgreSQL cluster, if one was started"

$(BIN)/.installed: pyproject.toml constraints.txt scripts/bootstrap-python.sh
	scripts/bootstrap-python.sh $(VENV)
	@touch $@

# The Japanese font of the activity report's PDF (scripts/ensure-fonts.sh: Debian's
# fonts-ipaexfont-gothic); without it the PDF answers 503 and everything else works.
install: $(BIN)/.installed
	@scripts/ensure-fonts.sh >/dev/null || echo "No Japanese font for the report PDF (see above): GET .../report as PDF answers 503" >&2

run: install
	@url=$$(scripts/ensure-postgres.sh otagai); \
	export DATABASE_URL="$$url" $(DEV_ENV) FLASK_APP=otagai.wsgi; \
	if font=$$(scripts/ensure-fonts.sh 2>/dev/null); then export REPORT_FONT="$$font"; fi; \
	$(BIN)/alembic upgrade head; \
	$(BIN)/flask seed; \
	$(BIN)/flask seed synthetic --households $(SYNTHETIC_HOUSEHOLDS) --months 12 --seed 1; \
	emulator=none; \
	if [[ $(AUTH_EMULATOR) == 1 ]]; then \
	  if emulator=$$(scripts/start-auth-emulator.sh); then \
	    if [[ -n $$emulator ]]; then trap "kill -- -$$emulator 2>/dev/null || true" EXIT; fi; \
	  else \
	    emulator=none; \
	    echo "The Firebase Auth emulator could not start (see above): continuing with dev-token tokens only."; \
	  fi; \
	fi; \
	echo; \
	echo "Otagai is starting on http://$(HOST):$(PORT)  (Swagger UI: http://$(HOST):$(PORT)/docs)"; \
	echo "A token for a demo parent (uids are in seeds/households.yaml):"; \
	echo "  TOKEN=\$$(DATABASE_URL='$$url' $(DEV_ENV) $(BIN)/flask --app otagai.wsgi dev-token demo-sato-mika)"; \
	echo "  curl -H \"Authorization: Bearer \$$TOKEN\" http://$(HOST):$(PORT)/v1/me"; \
	echo "Operator: add --operator (uid demo-operator)."; \
	if [[ $$emulator != none ]]; then \
	  echo "Signing in for real: the Firebase Auth emulator is at http://$$FIREBASE_AUTH_EMULATOR_HOST"; \
	  echo "  (point the app's Firebase SDK at it, or sign up with its REST API: README, Signing in for real)."; \
	  echo "  Make someone an operator: DATABASE_URL='$$url' $(DEV_ENV) $(BIN)/flask --app otagai.wsgi operators grant EMAIL"; \
	fi; \
	echo; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# The production server: gunicorn with gunicorn.conf.py (workers, threads, timeouts and
# pool sizes from the environment, JSON logs). With OTAGAI_ENV unset it signs in with
# emulator tokens on the development database, like `make run`; a deployment sets
# OTAGAI_ENV=production, DATABASE_URL, DASHBOARD_LINK_SECRET... and runs migrations as a
# release step of its own (README, Deploying).
serve: install
	@url=$${DATABASE_URL:-$$(scripts/ensure-postgres.sh otagai)}; \
	export DATABASE_URL="$$url" HOST="$(HOST)" PORT="$(PORT)"; \
	if [[ -z $${OTAGAI_ENV:-} ]]; then export $(DEV_ENV); fi; \
	$(BIN)/alembic upgrade head; \
	exec $(BIN)/gunicorn -c gunicorn.conf.py 'otagai.wsgi:app'

# The Node tools (tools/node: the Auth emulator, openapi-typescript, tsc) install in the
# background while lint and mypy run, after the apt steps (one dpkg at a time).
# The browser tests (tests/browser/) use the Chromium this finds or installs; without one
# they skip with the reason, except under CI=true, where a missing browser fails the run.
# The same for PgBouncer and tests/scale/ (see scale-check). The tests run in
# PYTEST_WORKERS (2) processes, a test file each at a time (pytest-xdist), each test with a
# database of its own; PYTEST_WORKERS=0 runs them in this one.
test: install
	@url=$$(scripts/ensure-postgres.sh); \
	export DATABASE_URL="$$url"; \
	if font=$$(scripts/ensure-fonts.sh); then export REPORT_FONT="$$font"; \
	elif [[ $${CI:-} == true ]]; then echo "CI=true needs the Japanese font of the report PDF" >&2; exit 1; fi; \
	if chromium=$$(scripts/ensure-chromium.sh); then export CHROMIUM="$$chromium"; \
	elif [[ $${CI:-} == true ]]; then echo "CI=true needs Chromium for the browser tests" >&2; exit 1; fi; \
	if pgbouncer=$$(scripts/ensure-pgbouncer.sh); then export PGBOUNCER="$$pgbouncer"; \
	elif [[ $${CI:-} == true ]]; then echo "CI=true needs PgBouncer for tests/scale/" >&2; exit 1; fi; \
	scripts/ensure-node-tools.sh >/dev/null & node_tools=$$!; \
	$(BIN)/ruff check src tests migrations gunicorn.conf.py; \
	$(BIN)/ruff format --check src tests migrations gunicorn.conf.py; \
	$(BIN)/mypy; \
	wait $$node_tools || echo "Node tools not installed (see above): their tests say why" >&2; \
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} --dist loadfile $(PYTEST_ARGS)

# "Past one machine", for real (tests/scale/, ~30-40 s; also part of `make test`): the app
# through PgBouncer in transaction mode, reads from a streaming replica made with
# pg_basebackup into a throwaway cluster, two gunicorn instances on one port, two outbox
# workers. Installs PgBouncer when missing; the replica needs PostgreSQL's server programs.
scale-check: install
	@url=$$(scripts/ensure-postgres.sh); \
	pgbouncer=$$(scripts/ensure-pgbouncer.sh); \
	export DATABASE_URL="$$url" PGBOUNCER="$$pgbouncer"; \
	$(BIN)/pytest tests/scale $(PYTEST_ARGS)

# Not part of `make test`: builds (once) and reuses the otagai_bench and otagai_bench_stats
# databases; serves them with gunicorn and loads them with wrk (installed when missing);
# writes bench-results/<time>-<commit>.json.
bench: install
	@url=$$(scripts/ensure-postgres.sh); \
	export DATABASE_URL="$$url"; \
	$(BIN)/python -m tests.benchmarks.bench $(BENCH_ARGS); \
	$(BIN)/python -m tests.benchmarks.bench_statistics $(STATS_BENCH_ARGS)

# Not part of `make test`: a fresh synthetic town in the otagai_soak database, the API
# under gunicorn (several workers) and the notification worker, a mixed workload from
# locust (tests/soak/locustfile.py) for DURATION seconds, then the invariants in SQL
# (tests/soak/invariants.py). Exits 1 on any 5xx or broken invariant; soak-results/.
DURATION ?= 300
soak: install
	@url=$$(scripts/ensure-postgres.sh); \
	export DATABASE_URL="$$url"; \
	$(BIN)/python -m tests.soak.run --duration $(DURATION) $(SOAK_ARGS)

lint: install
	$(BIN)/ruff check --fix src tests migrations gunicorn.conf.py
	$(BIN)/ruff format src tests migrations gunicorn.conf.py

spec: install
	$(DEV_ENV) $(BIN)/flask --app otagai.wsgi openapi write --format json api_spec/openapi.json
	@echo "wrote api_spec/openapi.json"

migrate: install
	@export DATABASE_URL="$$(scripts/ensure-postgres.sh otagai)"; $(BIN)/alembic upgrade head

# The notification worker against the development database (logs pushes unless Firebase
# credentials or FCM_API_BASE are set). Run it beside `make run`.
worker: migrate
	@export DATABASE_URL="$$(scripts/ensure-postgres.sh otagai)" $(DEV_ENV); exec $(BIN)/flask --app otagai.wsgi notifications work

seed: migrate
	@export DATABASE_URL="$$(scripts/ensure-postgres.sh otagai)" $(DEV_ENV); $(BIN)/flask --app otagai.wsgi seed

db-stop:
	scripts/stop-postgres.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
