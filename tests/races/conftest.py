"""Fixtures of the race tests. Each module defines a module-scoped ``app`` on a database
of its own (``world.committed_app``); these build on it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from otagai.extensions.db import EXTENSION_KEY
from tests.races.world import make_community


@pytest.fixture(scope="module")
def engine(app: Any) -> Any:
    return app.extensions[EXTENSION_KEY].engine


@pytest.fixture(scope="module")
def community_id(engine: Any) -> uuid.UUID:
    return make_community(engine)
