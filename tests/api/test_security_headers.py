"""Headers on every answer: nosniff everywhere, Vary: Accept-Language where the answer is
localized (problem+json), HSTS in production only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import firebase_admin
import pytest

from otagai import create_app
from otagai.config import Settings
from tests.factories import UserFactory
from tests.helpers import assert_problem


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/openapi.json", "/docs", "/v1/me", "/nowhere"]
)
def test_every_answer_is_nosniff(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_signed_in_answer_is_nosniff_and_has_no_hsts_outside_production(client_as):
    response = client_as(UserFactory()).get("/v1/me")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_localized_problem_varies_on_accept_language(client, language):
    response = client.get("/v1/me", headers={"Accept-Language": language})
    assert_problem(response, 401)
    assert "Accept-Language" in response.vary
    assert response.headers["Content-Language"] == language


def test_a_validation_problem_varies_on_accept_language(client_as):
    response = client_as(UserFactory()).patch("/v1/me/notification-settings", json={"x": 1})
    assert response.status_code in {400, 422}
    assert "Accept-Language" in response.vary
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_answer_not_localized_does_not_vary_on_language(client):
    assert "Accept-Language" not in client.get("/healthz").vary


@pytest.fixture
def production_app(app: Any, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[Any]:
    # `app` first: the session's emulator app must exist before the variable goes away.
    monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST")
    settings = Settings.from_env(
        database_url=database_url,
        env="production",
        firebase_project_id="otagai-prod-test",
        dashboard_link_secret="s" * 32,
        pass_secret="p" * 32,
    )
    production = create_app(settings)
    yield production
    production.extensions["otagai.db"].engine.dispose()
    firebase_admin.delete_app(production.extensions["otagai.auth"].firebase_app)


@pytest.mark.parametrize("path", ["/healthz", "/v1/me", "/nowhere"])
def test_production_answers_carry_hsts(production_app, path):
    response = production_app.test_client().get(path)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
