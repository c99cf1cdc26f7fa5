"""The steps of `make run` / `make test`, run as the Makefile runs them: as subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from otagai.config import normalize_database_url
from tests import firebase_local
from tests.conftest import ROOT, temporary_database

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
ENSURE_POSTGRES = ROOT / "scripts" / "ensure-postgres.sh"
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/postgres"


def _server_url() -> str:
    """The test server, libpq style, as `make` hands it over."""
    url = make_url(normalize_database_url(os.environ["DATABASE_URL"]))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(args: list[str], timeout: int = 120, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OTAGAI_", "FLASK_"))}
    environ.pop("FIREBASE_AUTH_EMULATOR_HOST", None)
    environ["PATH"] = f"{BIN}{os.pathsep}{environ.get('PATH', '')}"
    environ.update(env)
    return subprocess.run(
        args, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout, check=False
    )


def _ensure(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _run([str(ENSURE_POSTGRES), *args], **{"OTAGAI_PG_MODE": "url", **env})


def _database_exists(name: str) -> bool:
    engine = create_engine(normalize_database_url(_server_url()))
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            return found.scalar() == 1
    finally:
        engine.dispose()


@pytest.fixture
def new_db_name() -> Iterator[str]:
    """A name for a database the script is to create; dropped afterwards."""
    name = f"otagai_script_{uuid.uuid4().hex[:10]}"
    yield name
    engine = create_engine(normalize_database_url(_server_url()), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def fresh_db() -> Iterator[str]:
    """An empty database on the test server, its URL libpq style (as `make run` has it)."""
    with temporary_database("otagai_cli") as url:
        yield make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# --- scripts/ensure-fonts.sh -------------------------------------------------------------

ENSURE_FONTS = ROOT / "scripts" / "ensure-fonts.sh"


def test_ensure_fonts_prints_exactly_the_default_font_path():
    from otagai.config import DEFAULT_REPORT_FONT

    result = _run([str(ENSURE_FONTS)])
    assert result.returncode == 0, result.stderr
    assert result.stdout == DEFAULT_REPORT_FONT + "\n"
    assert Path(DEFAULT_REPORT_FONT).is_file()


def test_ensure_fonts_with_a_missing_report_font_fails_on_stderr_only(tmp_path):
    result = _run([str(ENSURE_FONTS)], REPORT_FONT=str(tmp_path / "none.ttf"))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "REPORT_FONT" in result.stderr


# --- scripts/ensure-postgres.sh ---------------------------------------------------------


def test_ensure_postgres_url_mode_prints_exactly_one_url():
    result = _ensure(DATABASE_URL=_server_url())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert lines[0].startswith("postgresql://")
    assert make_url(lines[0]).database == "postgres"
    assert "[postgres]" in result.stderr  # the chatter went to stderr


def test_ensure_postgres_with_dbname_creates_that_database(new_db_name):
    assert not _database_exists(new_db_name)
    result = _ensure(new_db_name, DATABASE_URL=_server_url())
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert make_url(line).database == new_db_name
    assert _database_exists(new_db_name)
    engine = create_engine(normalize_database_url(line))  # the printed URL works
    with engine.connect() as conn:
        assert conn.execute(text("SELECT current_database()")).scalar() == new_db_name
    engine.dispose()


def test_ensure_postgres_with_existing_dbname_succeeds_again(new_db_name):
    first = _ensure(new_db_name, DATABASE_URL=_server_url())
    second = _ensure(new_db_name, DATABASE_URL=_server_url())
    assert first.returncode == second.returncode == 0, second.stderr
    assert first.stdout == second.stdout
    assert "exists" in second.stderr


def test_ensure_postgres_with_unreachable_url_fails_on_stderr_only():
    result = _ensure(DATABASE_URL=UNREACHABLE)
    assert result.returncode != 0
    assert result.stdout == ""
    assert "ERROR" in result.stderr
    assert "does not answer" in result.stderr


def test_ensure_postgres_with_invalid_dbname_fails_without_creating():
    result = _ensure("bad;name", DATABASE_URL=_server_url())
    assert result.returncode != 0
    assert result.stdout == ""
    assert "invalid database name" in result.stderr
    assert not _database_exists("bad;name")


def test_ensure_postgres_url_mode_without_database_url_fails():
    result = _run([str(ENSURE_POSTGRES)], OTAGAI_PG_MODE="url", DATABASE_URL="")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "DATABASE_URL" in result.stderr


# --- alembic and flask, as `make run` calls them -----------------------------------------


def _tables(url: str) -> set[str]:
    engine = create_engine(normalize_database_url(url))
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _flask(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(
        [str(BIN / "flask"), "--app", "otagai.wsgi", *args],
        DATABASE_URL=url,
        OTAGAI_ENV="development",
        FIREBASE_AUTH_EMULATOR_HOST="127.0.0.1:9099",
    )


def test_alembic_upgrade_head_subprocess_builds_schema(fresh_db):
    result = _run([str(BIN / "alembic"), "upgrade", "head"], DATABASE_URL=fresh_db)
    assert result.returncode == 0, result.stderr
    assert {"users", "households", "children", "municipalities"} <= _tables(fresh_db)


def test_flask_seed_subprocess_twice_second_run_creates_nothing(fresh_db):
    assert _run([str(BIN / "alembic"), "upgrade", "head"], DATABASE_URL=fresh_db).returncode == 0
    first = _flask(fresh_db, "seed")
    assert first.returncode == 0, first.stderr
    (line,) = first.stdout.splitlines()
    assert line.startswith("seed: created ") and "households=0" not in line
    second = _flask(fresh_db, "seed")
    assert second.returncode == 0, second.stderr
    line = second.stdout.strip()
    assert line.startswith("seed: created "), line
    counts = dict(p.split("=") for p in line.removeprefix("seed: created ").split(", "))
    assert "households" in counts and set(counts.values()) == {"0"}


def test_flask_dev_token_subprocess_prints_an_emulator_token():
    result = _flask(_server_url(), "dev-token", "demo-sato-mika")
    assert result.returncode == 0, result.stderr
    (token,) = result.stdout.split()
    assert token.count(".") == 2 and token.endswith(".")


# --- scripts/start-auth-emulator.sh ------------------------------------------------------

START_EMULATOR = ROOT / "scripts" / "start-auth-emulator.sh"


def _answers(host: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}/", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def test_start_auth_emulator_serves_sign_ups_until_its_group_is_stopped(node_tools):
    host = f"127.0.0.1:{firebase_local.free_port()}"
    started = _run([str(START_EMULATOR)], timeout=180, FIREBASE_AUTH_EMULATOR_HOST=host)
    assert started.returncode == 0, started.stderr
    (pgid,) = started.stdout.split()
    try:
        emulator = firebase_local.AuthEmulator(host=host, project_id="demo-otagai")
        signed_up = emulator.sign_up("me@example.com")
        assert signed_up["idToken"].count(".") == 2
        again = _run([str(START_EMULATOR)], FIREBASE_AUTH_EMULATOR_HOST=host)
        assert again.returncode == 0, again.stderr
        assert again.stdout == ""  # the running one is used, not a second one
        assert "already answers" in again.stderr
    finally:
        os.killpg(int(pgid), signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _answers(host) and time.monotonic() < deadline:
            time.sleep(0.3)
        stopped = not _answers(host)
        if not stopped:
            os.killpg(int(pgid), signal.SIGKILL)
    assert stopped, "the emulator outlived SIGTERM to its process group"


def test_start_auth_emulator_with_bad_address_fails_with_nothing_on_stdout():
    result = _run([str(START_EMULATOR)], FIREBASE_AUTH_EMULATOR_HOST="no-port-here")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "is not host:port" in result.stderr


# --- the Makefile -------------------------------------------------------------------------


def _make_dry_run(target: str) -> str:
    result = _run(["make", "-n", target])
    assert result.returncode == 0, result.stderr
    return result.stdout


def _in_order(text_: str, *needles: str) -> None:
    positions = [text_.find(n) for n in needles]
    assert all(p >= 0 for p in positions), dict(zip(needles, positions, strict=True))
    assert positions == sorted(positions), dict(zip(needles, positions, strict=True))


def test_make_run_ensures_postgres_migrates_seeds_then_serves():
    out = _make_dry_run("run")
    assert "scripts/ensure-fonts.sh >/dev/null" in out  # make install: the report's font
    _in_order(
        out,
        "scripts/ensure-postgres.sh otagai",
        'export REPORT_FONT="$font"',
        "alembic upgrade head",
        "flask seed",
        "scripts/start-auth-emulator.sh",
        'trap "kill -- -$emulator',
        "flask run",
    )
    assert "OTAGAI_ENV=development" in out
    assert "FIREBASE_AUTH_EMULATOR_HOST" in out


def test_make_test_ensures_postgres_lints_type_checks_then_runs_pytest():
    out = _make_dry_run("test")
    _in_order(
        out,
        "scripts/ensure-postgres.sh",
        'export REPORT_FONT="$font"',
        "scripts/ensure-node-tools.sh >/dev/null &",
        "ruff check",
        "ruff format --check",
        "mypy",
        "wait $node_tools",
        "pytest",
    )
    assert 'DATABASE_URL="$url"' in out


def test_ensure_postgres_masks_password_in_its_messages():
    result = _ensure(DATABASE_URL="postgresql://postgres:s3cr3t-pw@127.0.0.1:1/postgres")
    assert result.returncode != 0
    assert "s3cr3t-pw" not in result.stderr + result.stdout
    assert "***" in result.stderr
