"""Fixtures of the "past one machine" checks (``make scale-check``): a committed database
of the module's own, and apps on any URL. These tests start real server processes
(PgBouncer, PostgreSQL clusters, gunicorn, workers): all are marked slow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import temporary_database
from tests.scale.pgbouncer import pgbouncer_binary


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/scale/" in item.nodeid:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A migrated database of this module's own on the test server (real commits)."""
    with temporary_database("otagai_scale", migrated=True) as url:
        yield url


@pytest.fixture(scope="session")
def pgbouncer() -> Any:
    return pgbouncer_binary()
