"""Fixtures of the "past one machine" checks (``make scale-check``, also part of ``make
test``): a committed database of the module's own, and the PgBouncer to run. These tests
start real server processes (PgBouncer, PostgreSQL clusters, gunicorn, workers): every
module is marked slow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import temporary_database
from tests.scale.pgbouncer import pgbouncer_binary


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A migrated database of this module's own on the test server (real commits)."""
    with temporary_database("otagai_scale", migrated=True) as url:
        yield url


@pytest.fixture(scope="session")
def pgbouncer() -> str:
    return pgbouncer_binary()
