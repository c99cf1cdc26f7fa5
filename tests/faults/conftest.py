"""Fixtures of the fault tests: a committed database of the module's own (real commits,
real terminations), the app on it under an application_name of its own, and a direct
engine to arrange, break and check things with."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.conftest import temporary_database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with temporary_database("otagai_faults", migrated=True) as url:
        yield url


@pytest.fixture(scope="module")
def direct(database: str) -> Iterator[Engine]:
    """Straight to PostgreSQL in autocommit, not through the app's pool."""
    engine = create_engine(database, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def application_name() -> str:
    """Unique per app: terminations must hit this app's connections and no one else's
    (other test runs share the server)."""
    return f"otagai-faults-{uuid.uuid4().hex[:10]}"


def terminate(direct: Engine, app_name: str, *, waiting: bool = False) -> list[int]:
    """pg_terminate_backend on every backend of ``app_name`` in this database (only those
    waiting for a lock, if asked); the pids terminated. The call stays in the select
    list: there it runs only for the rows the WHERE clause kept (in the WHERE clause the
    planner may call it before the other conditions, on anybody's backend)."""
    condition = " AND wait_event_type = 'Lock'" if waiting else ""
    with direct.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND application_name = :name" + condition
            ),
            {"name": app_name},
        )
        return [int(pid) for pid, done in rows if done]


def backends(direct: Engine, app_name: str, *, waiting: bool = False) -> list[Any]:
    condition = " AND wait_event_type = 'Lock'" if waiting else ""
    with direct.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT pid, state, query FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = :name" + condition
                ),
                {"name": app_name},
            )
        )


class Held:
    """A lock held from a connection of the test's own until released."""

    def __init__(self, direct: Engine, statement: str, **params: Any) -> None:
        self._conn = direct.connect()
        self._conn.exec_driver_sql("BEGIN")
        self._conn.execute(text(statement), params)

    def release(self) -> None:
        self._conn.exec_driver_sql("ROLLBACK")
        self._conn.close()


def until_waiting(direct: Engine, app_name: str, timeout: float = 10.0) -> None:
    """Until a backend of ``app_name`` waits for a lock."""
    deadline = time.monotonic() + timeout
    while not backends(direct, app_name, waiting=True):
        assert time.monotonic() < deadline, f"no backend of {app_name} waited for a lock"
        time.sleep(0.02)
