"""Authentication in emulator mode (the tests' default): every /v1 call needs a Firebase ID
token; a missing, malformed, foreign or expired one is a localized 401 problem."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.routing import UUIDConverter

from otagai import create_app
from otagai.config import Settings
from otagai.domain.people.models import Household, User
from otagai.extensions.auth import mint_emulator_token
from tests.factories import UserFactory
from tests.helpers import assert_problem

PROJECT = "demo-otagai"
TWO_HOURS_AGO = time.time() - 2 * 3600
HOME = {"lat": 35.8617, "lng": 139.6455}


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def with_claims(token: str, **claims: Any) -> str:
    """The emulator token with some claims replaced (mint_emulator_token coerces ``operator``
    to ``True``, so a token claiming ``operator: "true"`` is built here)."""
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw = json.dumps({**data, **claims}, separators=(",", ":")).encode()
    return ".".join([header, base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), signature])


def expired_token(uid: str) -> str:
    return mint_emulator_token(uid, PROJECT, issued_at=TWO_HOURS_AGO, expires_in=3600)


# --- missing or malformed Authorization header -----------------------------------------


def test_get_me_without_authorization_header_is_401_token_missing(client):
    response = client.get("/v1/me")
    assert_problem(response, 401, "token_missing")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_get_me_without_token_answers_in_japanese_by_default(client):
    response = client.get("/v1/me")
    body = assert_problem(response, 401, "token_missing")
    assert response.headers["Content-Language"] == "ja"
    assert body["detail"] == "Authorization ヘッダーに Firebase の ID トークンを付けてください。"


def test_get_me_without_token_answers_in_english_when_asked(client):
    response = client.get("/v1/me", headers={"Accept-Language": "en"})
    body = assert_problem(response, 401, "token_missing")
    assert response.headers["Content-Language"] == "en"
    assert body["detail"] == "Send a Firebase ID token in the Authorization header (Bearer)."


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer ", "Bearer", "Token abc.def.ghi"],
    ids=["basic-scheme", "bearer-empty", "bearer-no-space", "other-scheme"],
)
def test_get_me_with_bad_authorization_header_is_401_token_invalid(client, header):
    response = client.get("/v1/me", headers={"Authorization": header})
    assert_problem(response, 401, "token_invalid")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "e30.e30.", "e30.W10.", "bnVsbA.e30."],
    ids=["no-dots", "bad-base64", "empty-claims", "list-payload", "null-header"],
)
def test_get_me_with_malformed_token_is_401_token_invalid(client, token):
    assert_problem(client.get("/v1/me", headers=bearer(token)), 401, "token_invalid")


def test_get_me_with_token_for_other_project_is_401_token_invalid(client):
    token = mint_emulator_token("someone", "demo-other")
    assert_problem(client.get("/v1/me", headers=bearer(token)), 401, "token_invalid")


def test_get_me_with_token_from_other_issuer_is_401_token_invalid(client):
    token = mint_emulator_token("someone", PROJECT, iss="https://evil.example/demo-otagai")
    assert_problem(client.get("/v1/me", headers=bearer(token)), 401, "token_invalid")


def test_get_me_with_empty_subject_is_401_token_invalid(client):
    token = mint_emulator_token("", PROJECT)
    assert_problem(client.get("/v1/me", headers=bearer(token)), 401, "token_invalid")


def test_get_me_with_invalid_token_answers_in_english_when_asked(client):
    response = client.get("/v1/me", headers=bearer("garbage", **{"Accept-Language": "en"}))
    body = assert_problem(response, 401, "token_invalid")
    assert body["detail"] == "The ID token is invalid."


@pytest.mark.parametrize("exp", [None, "soon"], ids=["null", "string"])
def test_get_me_with_non_numeric_exp_is_401_token_invalid(client, exp):
    token = mint_emulator_token("someone", PROJECT, exp=exp)
    assert_problem(client.get("/v1/me", headers=bearer(token)), 401, "token_invalid")


# --- expiry ----------------------------------------------------------------------------


def test_get_me_with_expired_token_is_401_token_expired(client):
    user = UserFactory()
    response = client.get("/v1/me", headers=bearer(expired_token(user.firebase_uid)))
    body = assert_problem(response, 401, "token_expired")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert body["detail"] == "ID トークンの有効期限が切れています。再取得してください。"


def test_get_me_with_expired_token_answers_in_english_when_asked(client):
    headers = bearer(expired_token("someone"), **{"Accept-Language": "en"})
    body = assert_problem(client.get("/v1/me", headers=headers), 401, "token_expired")
    assert body["detail"] == "The ID token has expired; fetch a fresh one."


def test_put_me_with_expired_token_creates_nothing(client, db):
    before = db.scalar(select(func.count()).select_from(Household))
    response = client.put(
        "/v1/me",
        json={"display_name": "期限切れ", "home": HOME},
        headers=bearer(expired_token("late-parent")),
    )
    assert_problem(response, 401, "token_expired")
    assert db.scalar(select(User).where(User.firebase_uid == "late-parent")) is None
    assert db.scalar(select(func.count()).select_from(Household)) == before


def test_get_me_with_token_about_to_expire_is_accepted(client_as):
    # Expires in a minute: still valid, so the caller is known (and has no profile).
    response = client_as("soon-expiring", expires_in=60).get("/v1/me")
    assert_problem(response, 404, "profile_not_found")


# --- valid tokens and roles ------------------------------------------------------------


def test_get_me_with_valid_token_without_profile_is_404_profile_not_found(client_as):
    assert_problem(client_as("signed-in-no-profile").get("/v1/me"), 404, "profile_not_found")


def test_get_me_with_operator_claim_has_operator_role(client_as):
    user = UserFactory()
    response = client_as(user, operator=True).get("/v1/me")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "operator" in response.get_json()["roles"]


def test_get_me_without_operator_claim_has_no_operator_role(client_as):
    user = UserFactory()
    response = client_as(user).get("/v1/me")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "operator" not in response.get_json()["roles"]


@pytest.mark.parametrize("claim", ["true", 1, "1"], ids=["string-true", "int-1", "string-1"])
def test_get_me_with_non_boolean_operator_claim_has_no_operator_role(client, claim):
    user = UserFactory()
    token = with_claims(mint_emulator_token(user.firebase_uid, PROJECT), operator=claim)
    response = client.get("/v1/me", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "operator" not in response.get_json()["roles"]


# --- public endpoints ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/openapi.json", "/docs"])
def test_public_endpoint_without_token_is_200(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)


# --- every /v1 route -------------------------------------------------------------------

# The rules are read from an app built at collection time (its engine never connects), so
# new endpoints are covered without touching this file.
_ROUTES_APP = create_app(
    Settings.from_env(database_url="postgresql+psycopg://unused@127.0.0.1/unused", env="test")
)
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def _v1_routes(app: Any) -> list[tuple[str, str, str]]:
    adapter = app.url_map.bind("localhost")
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v1/") or "webhook" in rule.rule:
            continue
        values = {
            # Any other converter: a value of ten characters fits them all (a device
            # token, a date of a series).
            name: str(uuid.uuid4()) if isinstance(conv, UUIDConverter) else "2027-01-11"
            for name, conv in rule._converters.items()
        }
        path = adapter.build(rule.endpoint, values)
        for method in sorted((rule.methods or set()) - SKIPPED_METHODS):
            routes.append((method, path, rule.rule))
    return sorted(routes, key=lambda r: (r[0], r[2]))  # not by path: its ids are random


V1_ROUTES = _v1_routes(_ROUTES_APP)


def test_v1_route_list_covers_known_endpoints():
    rules = {(method, rule) for method, _, rule in V1_ROUTES}
    assert {("GET", "/v1/me"), ("POST", "/v1/households/join")} <= rules
    assert ("DELETE", "/v1/me/devices/<string(maxlength=512):token>") in rules


@pytest.mark.parametrize(
    ("method", "path"),
    [(method, path) for method, path, _ in V1_ROUTES],
    ids=[f"{method} {rule}" for method, _, rule in V1_ROUTES],
)
def test_v1_route_without_token_is_401_token_missing(client, method, path):
    kwargs = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
    response = client.open(path, method=method, **kwargs)
    assert_problem(response, 401, "token_missing")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
