"""`flask dev-token`: prints an emulator ID token that the API accepts, and only in
emulator mode."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from flask.cli import FlaskGroup

from tests.helpers import assert_problem


def decode_payload(token: str) -> dict[str, Any]:
    """The claims of a JWT, read without checking any signature."""
    header, payload, _signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["alg"] == "none"
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def run_dev_token(app: Any, *args: str) -> Any:
    """`flask dev-token ARGS` as the `flask` command runs it: a FlaskGroup loads the app and
    pushes its app context (``app.cli`` alone works too, see below)."""
    flask_command = FlaskGroup(
        create_app=lambda: app, add_default_commands=False, load_dotenv=False
    )
    return app.test_cli_runner().invoke(flask_command, ["dev-token", *args])


def test_dev_token_with_operator_prints_emulator_token_with_claims(app, settings):
    before = int(time.time())
    result = run_dev_token(app, "demo-x", "--operator")
    assert result.exit_code == 0, result.output
    claims = decode_payload(result.output.strip())
    assert claims["sub"] == claims["user_id"] == "demo-x"
    assert claims["aud"] == settings.firebase_project_id == "demo-otagai"
    assert claims["iss"] == "https://securetoken.google.com/demo-otagai"
    assert claims["operator"] is True
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 3600


def test_dev_token_without_operator_flag_has_no_operator_claim(app):
    result = run_dev_token(app, "demo-x")
    assert result.exit_code == 0, result.output
    assert "operator" not in decode_payload(result.output.strip())


def test_dev_token_with_expires_in_sets_lifetime(app):
    result = run_dev_token(app, "demo-x", "--expires-in", "120")
    assert result.exit_code == 0, result.output
    claims = decode_payload(result.output.strip())
    assert claims["exp"] - claims["iat"] == 120


def test_dev_token_printed_token_is_accepted_by_api(app, client):
    token = run_dev_token(app, "demo-x", "--operator").output.strip()
    response = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    # Signed in (no profile yet for demo-x), not 401.
    assert_problem(response, 404, "profile_not_found")


def test_dev_token_outside_emulator_mode_refuses(production_app):
    result = run_dev_token(production_app, "demo-x", "--operator")
    assert result.exit_code != 0
    assert "emulator mode" in result.output
    assert "FIREBASE_AUTH_EMULATOR_HOST" in result.output
    assert "eyJ" not in result.output  # no token printed (a JWT starts with base64 '{"')


def test_dev_token_through_app_cli_prints_token(app):
    result = app.test_cli_runner().invoke(args=["dev-token", "demo-x"])
    assert result.exit_code == 0, result.output
    assert decode_payload(result.output.strip())["sub"] == "demo-x"
