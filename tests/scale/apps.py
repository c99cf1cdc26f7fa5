"""The app on a URL of the test's choosing (a pooler, a replica), with real commits, and
what it logged as unhandled."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import firebase_admin
from flask import Flask

from otagai import create_app
from otagai.config import Settings
from otagai.extensions.db import EXTENSION_KEY


@contextmanager
def app_on(database_url: str, **settings: Any) -> Iterator[Flask]:
    """``create_app`` on ``database_url`` (and ``settings``), its pools closed afterwards.
    Pooler and replica default to none whatever the environment says."""
    settings = {"database_pooler": "none", "database_replica_url": None, **settings}
    app = create_app(Settings.from_env(database_url=database_url, env="test", **settings))
    try:
        yield app
    finally:
        app.extensions[EXTENSION_KEY].dispose()
        firebase_admin.delete_app(app.extensions["otagai.auth"].firebase_app)


def unhandled(caplog: Any) -> list[BaseException]:
    """The exceptions behind the 500s the app answered, as it logged them."""
    return [
        r.exc_info[1]
        for r in caplog.records
        if r.name == "otagai.errors" and r.exc_info and r.exc_info[1] is not None
    ]
