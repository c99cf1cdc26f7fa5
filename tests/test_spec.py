"""The committed OpenAPI document is the contract the mobile app is built against: it must
be exactly what the code generates, and every operation must be fully documented."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otagai.api.common import TrimmedString, text_pattern
from tests.conftest import ROOT

SPEC_PATH = ROOT / "api_spec" / "openapi.json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _committed() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


COMMITTED = _committed()


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, operation


OPERATIONS = list(_operations(COMMITTED))
OPERATION_IDS = [f"{method} {path}" for method, path, _ in OPERATIONS]


def _resolve(spec: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (responses, request bodies) to its component."""
    while "$ref" in obj:
        ref = obj["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part]
        obj = target
    return obj


def _json(data: Any) -> Any:
    # Round-trip through JSON, as the file on disk went: tuples become lists and so on.
    return json.loads(json.dumps(data, ensure_ascii=False))


def test_committed_spec_matches_generated_spec(app):
    generated = _json(app.extensions["otagai.api"].spec.to_dict())
    assert generated == _committed(), (
        "api_spec/openapi.json is out of date with the code: run `make spec` and commit it"
    )


def test_get_openapi_json_serves_committed_spec(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == _committed(), "run `make spec`"


def test_spec_declares_firebase_bearer_security_scheme():
    scheme = COMMITTED["components"]["securitySchemes"]["firebase"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"


def test_spec_declares_partner_api_key_security_scheme():
    scheme = COMMITTED["components"]["securitySchemes"]["apiKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-API-Key"}


def test_spec_documents_the_public_api_paths():
    paths = set(COMMITTED["paths"])
    assert {
        "/healthz",
        "/readyz",
        "/v1/me",
        "/v1/me/children",
        "/v1/me/children/{child_id}",
        "/v1/me/household/invites",
        "/v1/households/join",
        "/v1/me/devices",
        "/v1/me/devices/{token}",
    } <= paths


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_operation_has_summary(method, path, operation):
    assert operation.get("summary", "").strip(), f"{method} {path} has no summary (docstring)"


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_operation_has_success_response(method, path, operation):
    statuses = [code for code in operation["responses"] if code.startswith("2")]
    assert statuses, f"{method} {path} documents no 2xx response"


SIGNED_WEBHOOKS = {"/v1/webhooks/stripe"}
FIREBASE_ONLY = [{"firebase": []}]
# A partner municipality's systems (their own code only) or an operator's token.
KEY_OR_FIREBASE = [{"apiKey": []}, {"firebase": []}]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_operation_documents_401_unless_public(method, path, operation):
    security = operation.get("security", COMMITTED.get("security"))
    assert security is not None, f"{method} {path} says nothing about security"
    if security == []:
        # Under /v1, only Stripe's webhook is public: its body's signature is its proof.
        public_v1 = path in SIGNED_WEBHOOKS
        assert public_v1 or not path.startswith("/v1/"), f"{method} {path} is public but under /v1"
        return
    assert security in (FIREBASE_ONLY, KEY_OR_FIREBASE), f"{method} {path}: {security}"
    if security == KEY_OR_FIREBASE:
        # A key reads one municipality: its code is in every path a key may call, and a
        # key of another municipality is turned away.
        assert path.startswith("/v1/municipalities/{code}/"), f"{method} {path} takes a key"
        assert "403" in operation["responses"], f"{method} {path} takes a key but no 403"
    assert "401" in operation["responses"], f"{method} {path} needs a token but no 401"
    unauthorized = _resolve(COMMITTED, operation["responses"]["401"])
    assert "application/problem+json" in unauthorized["content"]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_operation_bodies_have_schemas(method, path, operation):
    bodies: dict[str, dict[str, Any]] = {
        f"response {code}": _resolve(COMMITTED, response)
        for code, response in operation["responses"].items()
    }
    if "requestBody" in operation:
        bodies["requestBody"] = _resolve(COMMITTED, operation["requestBody"])
    for where, body in bodies.items():
        for media_type, content in (body.get("content") or {}).items():
            assert content.get("schema"), f"{method} {path} {where} {media_type} has no schema"


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_operation_error_responses_are_problem_json(method, path, operation):
    for code, response in operation["responses"].items():
        if code == "default" or code.startswith(("4", "5")):
            content = _resolve(COMMITTED, response).get("content") or {}
            assert list(content) == ["application/problem+json"], f"{method} {path} {code}"


# Creating POSTs that store nothing: a retry only signs another short-lived link.
NOTHING_STORED = {"/v1/municipalities/{code}/dashboard-links"}
CREATING_POSTS = [
    (method, path, operation)
    for method, path, operation in OPERATIONS
    if method == "POST" and "201" in operation["responses"] and path not in NOTHING_STORED
]


def test_spec_has_creating_posts():
    # Guards the parametrized test below against silently testing nothing.
    assert len(CREATING_POSTS) >= 4


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    CREATING_POSTS,
    ids=[f"{m} {p}" for m, p, _ in CREATING_POSTS],
)
def test_creating_post_documents_idempotency_key_header(method, path, operation):
    params = [
        _resolve(COMMITTED, p)
        for p in operation.get("parameters", []) + COMMITTED["paths"][path].get("parameters", [])
    ]
    keys = [p for p in params if p["in"] == "header" and p["name"] == "Idempotency-Key"]
    assert len(keys) == 1, f"{method} {path} does not document Idempotency-Key"
    assert keys[0]["required"] is False
    assert keys[0]["schema"]["type"] == "string"


# --- what the spec states about requests holds ---------------------------------------


@pytest.mark.parametrize("multiline", [False, True])
def test_text_that_matches_the_spec_pattern_is_accepted(multiline):
    # The spec may be stricter than the code, never looser: what a client validated
    # against it is taken.
    pattern = text_pattern(multiline)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(pattern))
    def accepted(value: str) -> None:
        assert TrimmedString(multiline=multiline).deserialize(value).strip()

    accepted()


@pytest.mark.parametrize("value", ["", " ", "\u3000", "a\x00", "a\u202e", "a\x85"])
def test_text_the_code_refuses_does_not_match_the_spec_pattern(value):
    assert not re.match(text_pattern(False), value)
