"""PASS_SECRET and PUBLIC_BASE_URL: the pass's secret is required in production (a
per-process one would void every pass and handover code on a restart, and differ between
instances); the pass's link points at the public address when one is set."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import firebase_admin
import pytest

from otagai import create_app
from otagai.config import ConfigError, Settings
from otagai.extensions.db import EXTENSION_KEY
from tests.api.safety.pickup import pickup_world
from tests.conftest import _clients_of, bound_to


def test_production_without_pass_secret_refuses_to_start():
    with pytest.raises(ConfigError, match="PASS_SECRET"):
        Settings(env="production", dashboard_link_secret="d" * 32).check()


def test_short_pass_secret_is_refused():
    with pytest.raises(ConfigError, match="PASS_SECRET must have at least 32"):
        Settings(env="development", pass_secret="short").check()


def test_public_base_url_must_be_http():
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        Settings.from_env({"OTAGAI_ENV": "development", "PUBLIC_BASE_URL": "otagai.example"})


def test_pass_settings_come_from_the_environment(settings):
    configured = Settings.from_env(
        {
            "OTAGAI_ENV": "development",
            "PASS_SECRET": "p" * 40,
            "PUBLIC_BASE_URL": "https://otagai.example/",
        },
        database_url=settings.database_url,
    )
    assert configured.pass_signing_secret == "p" * 40
    assert configured.public_base_url == "https://otagai.example"


def test_pass_url_uses_public_base_url(settings, connection, db, clock):
    public = create_app(replace(settings, public_base_url="https://otagai.example"))
    try:
        with bound_to(public, connection):
            world = pickup_world()
            clock.set(world.start - timedelta(minutes=5))
            client = _clients_of(public.test_client(), settings)(world.supporter)
            body = client.get(f"/v1/matches/{world.match.id}/pass").get_json()
        assert body["url"] == f"https://otagai.example/pass/{body['token']}"
    finally:
        public.extensions[EXTENSION_KEY].engine.dispose()
        firebase_admin.delete_app(public.extensions["otagai.auth"].firebase_app)
