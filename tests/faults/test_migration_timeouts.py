"""A migration that cannot get its lock gives up after MIGRATION_LOCK_TIMEOUT_MS instead
of queueing every request behind it, and leaves the schema where it was."""

from __future__ import annotations

import subprocess
import time

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ROOT, migrate, temporary_database
from tests.scale.processes import BIN, app_environment

pytestmark = pytest.mark.slow

BEFORE_HEAD = "ceabc81d5757"  # the head migration adds columns to certifications


def _upgrade(url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "alembic"), "upgrade", "head"],
        cwd=ROOT, env=app_environment(DATABASE_URL=url, **env),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_migration_waiting_for_a_lock_gives_up_after_lock_timeout_and_changes_nothing():
    with temporary_database("otagai_faults_migrate") as url:
        migrate(url, BEFORE_HEAD)
        engine = create_engine(url)
        try:
            with engine.connect() as reader:
                # A long read of the table: ALTER TABLE needs the lock it holds.
                reader.execute(text("SELECT count(*) FROM certifications"))
                started = time.monotonic()
                blocked = _upgrade(url, MIGRATION_LOCK_TIMEOUT_MS="300")
                took = time.monotonic() - started
                reader.rollback()
            assert blocked.returncode != 0
            assert "due to lock timeout" in blocked.stderr, blocked.stderr[-800:]
            assert took < 30, took  # the interpreter and alembic starting, then 0.3 s
            with engine.connect() as conn:
                assert conn.scalar(text("SELECT version_num FROM alembic_version")) == BEFORE_HEAD
            done = _upgrade(url, MIGRATION_LOCK_TIMEOUT_MS="300")
            assert done.returncode == 0, done.stderr[-800:]
        finally:
            engine.dispose()
