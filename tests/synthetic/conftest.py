"""A synthetic town built once for the module's tests, in a database of its own (the
generator commits through its own connections, so the rolled-back test transaction of the
other tests cannot hold it). Tests read it through SQL and through the app's services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import firebase_admin
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from otagai import create_app
from otagai.config import Settings
from otagai.extensions.db import EXTENSION_KEY
from otagai.seeding.synthetic import Summary, build_synthetic
from tests.conftest import temporary_database

# Big enough for the statistics to show (the densest square kilometre, the pickup peak,
# a degree distribution), small enough to build in a second or two.
HOUSEHOLDS = 2000
MONTHS = 4
SEED = 11
CODE = "111007"


@dataclass
class Town:
    url: str
    engine: Engine
    summary: Summary

    def rows(self, query: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(query), params))

    def value(self, query: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(query), params).scalar()


@contextmanager
def built(prefix: str, **parameters: Any) -> Iterator[Town]:
    with temporary_database(prefix, migrated=True) as url:
        summary = build_synthetic(url, **parameters)
        engine = create_engine(url)
        try:
            yield Town(url, engine, summary)
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def synthetic_town() -> Iterator[Town]:
    with built("otagai_synth_test", households=HOUSEHOLDS, months=MONTHS, seed=SEED,
               municipality=CODE) as town:  # fmt: skip
        yield town


@pytest.fixture(scope="session")
def synthetic_app(synthetic_town: Town) -> Iterator[Any]:
    """The app on the synthetic town's database (reads only)."""
    app = create_app(Settings.from_env(database_url=synthetic_town.url, env="test"))
    try:
        yield app
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()
        firebase_admin.delete_app(app.extensions["otagai.auth"].firebase_app)
