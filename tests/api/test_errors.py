"""Errors as the mobile app sees them: always problem+json, localized, with a request id,
and never leaking internals; and the JSON access log that goes with every request."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import firebase_admin
import pytest
from flask import abort
from sqlalchemy import func, select

from otagai import create_app
from otagai.domain.people.models import User
from otagai.extensions.logs import JsonFormatter
from tests.factories import UserFactory
from tests.helpers import assert_problem


def _users_with_uid(db: Any, uid: str) -> int:
    return db.scalar(select(func.count()).select_from(User).where(User.firebase_uid == uid))


# --- status codes -------------------------------------------------------------------


def test_get_unknown_path_is_404_problem(client):
    body = assert_problem(client.get("/v1/no-such-thing"), 404, "not_found")
    assert body["instance"] == "/v1/no-such-thing"


def test_patch_me_is_405_problem_with_allow_header(client_as):
    response = client_as(UserFactory()).patch("/v1/me", json={"display_name": "x"})
    assert_problem(response, 405, "method_not_allowed")
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "PUT", "DELETE"} <= allowed
    assert "PATCH" not in allowed


def test_put_me_with_malformed_json_is_400_and_creates_nothing(client_as, db):
    api = client_as("malformed-json")
    response = api.put("/v1/me", data='{"display_name": ', content_type="application/json")
    assert_problem(response, 400, "bad_request")
    assert _users_with_uid(db, "malformed-json") == 0


def test_post_child_with_invalid_utf8_body_is_400(client_as):
    response = client_as(UserFactory()).post(
        "/v1/me/children", data=b'{"nickname": "\xff\xfe"}', content_type="application/json"
    )
    assert_problem(response, 400, "bad_request")


def test_put_me_with_json_array_body_is_422(client_as, db):
    response = client_as("array-body").put("/v1/me", json=["佐藤"])
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"]
    assert _users_with_uid(db, "array-body") == 0


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/plain", '{"display_name": "佐藤 美香"}'),
        ("application/x-www-form-urlencoded", "display_name=%E4%BD%90%E8%97%A4"),
    ],
    ids=["text-plain", "form"],
)
def test_put_me_with_non_json_body_is_415(client_as, db, content_type, data):
    response = client_as("non-json").put("/v1/me", data=data, content_type=content_type)
    assert_problem(response, 415, "unsupported_media_type")
    assert _users_with_uid(db, "non-json") == 0


def test_put_me_with_body_over_max_content_length_is_413(client_as, db):
    big = {"display_name": "佐藤", "notes": "x" * (65 * 1024)}
    response = client_as("too-big").put("/v1/me", json=big)
    assert_problem(response, 413, "payload_too_large")
    assert _users_with_uid(db, "too-big") == 0


# --- Accept-Language ------------------------------------------------------------------


def _not_found(client: Any, language: str | None) -> Any:
    headers = {"Accept-Language": language} if language is not None else {}
    return client.get("/v1/no-such-thing", headers=headers)


def test_problem_in_english_and_japanese_differ(client):
    en = _not_found(client, "en")
    ja = _not_found(client, "ja")
    en_body, ja_body = assert_problem(en, 404), assert_problem(ja, 404)
    assert en.headers["Content-Language"] == "en"
    assert ja.headers["Content-Language"] == "ja"
    assert en_body["title"] != ja_body["title"]
    assert en_body["detail"] != ja_body["detail"]
    assert en_body["code"] == ja_body["code"] == "not_found"
    assert en_body["detail"].isascii()
    assert not ja_body["detail"].isascii()


def test_problem_without_accept_language_is_japanese(client):
    default = _not_found(client, None)
    ja = _not_found(client, "ja")
    assert default.headers["Content-Language"] == "ja"
    for key in ("title", "detail"):
        assert default.get_json(force=True)[key] == ja.get_json(force=True)[key]


@pytest.mark.parametrize("language", ["fr", "zh-CN,ko;q=0.8", "*;q=0.5", "x-klingon", "en;q=0, fr"])
def test_problem_in_unsupported_language_falls_back_to_japanese(client, language):
    response = _not_found(client, language)
    assert response.headers["Content-Language"] == "ja"
    ja = _not_found(client, "ja").get_json(force=True)
    assert response.get_json(force=True)["detail"] == ja["detail"]


@pytest.mark.parametrize("language", ["en-US", "en-GB,en;q=0.9", "fr;q=1.0, en;q=0.9, ja;q=0.5"])
def test_problem_follows_preferred_supported_language(client, language):
    assert _not_found(client, language).headers["Content-Language"] == "en"


def test_problem_prefers_regional_english_over_lower_ranked_japanese(client):
    assert _not_found(client, "en-US,ja;q=0.5").headers["Content-Language"] == "en"


def test_validation_errors_are_localized(client_as):
    api = client_as(UserFactory())
    en = api.put("/v1/me", json={"display_name": "x", "zz": 1}, headers={"Accept-Language": "en"})
    ja = api.put("/v1/me", json={"display_name": "x", "zz": 1}, headers={"Accept-Language": "ja"})
    en_errors = assert_problem(en, 422, "validation_failed")["errors"]
    ja_errors = assert_problem(ja, 422, "validation_failed")["errors"]
    assert set(en_errors) == set(ja_errors) == {"zz"}
    assert en_errors["zz"] != ja_errors["zz"]


# --- X-Request-Id ---------------------------------------------------------------------


def test_request_id_from_caller_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-Id": "app-1234.abc:retry-2_x"})
    assert response.headers["X-Request-Id"] == "app-1234.abc:retry-2_x"


def test_request_id_from_caller_is_in_problem_body(client):
    response = client.get("/v1/no-such-thing", headers={"X-Request-Id": "req-42"})
    assert assert_problem(response, 404)["request_id"] == "req-42"


def test_missing_request_id_is_generated_as_hex(client):
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.parametrize(
    "malicious",
    ["abc def", "abc\r\nSet-Cookie: x=1", "a" * 129, "<script>", "id\tx", ""],
    ids=["space", "crlf", "too-long", "html", "tab", "empty"],
)
def test_malicious_request_id_is_replaced(client, malicious):
    response = client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": malicious})
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
    assert "Set-Cookie" not in response.headers


def test_request_id_of_128_characters_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-Id": "a" * 128})
    assert response.headers["X-Request-Id"] == "a" * 128


# --- unhandled errors -----------------------------------------------------------------


@pytest.fixture
def crashing_app(settings: Any) -> Iterator[Any]:
    """A fresh app with one test-only route that fails the way a bug would."""
    app = create_app(settings)

    def boom() -> Any:
        raise RuntimeError("secret detail: password=hunter2")

    def abort_500() -> Any:
        abort(500)

    app.add_url_rule("/test-only/boom", "test_only_boom", boom)
    app.add_url_rule("/test-only/abort", "test_only_abort", abort_500)
    yield app
    app.extensions["otagai.db"].engine.dispose()
    # Its Firebase app is named after id(app); free the name for a later app at that address.
    firebase_admin.delete_app(app.extensions["otagai.auth"].firebase_app)


def test_unhandled_error_is_500_problem_without_internals(crashing_app):
    response = crashing_app.test_client().get("/test-only/boom", headers={"X-Request-Id": "r-500"})
    body = assert_problem(response, 500, "internal_error")
    raw = response.get_data(as_text=True)
    assert "secret" not in raw
    assert "hunter2" not in raw
    assert "Traceback" not in raw
    assert "RuntimeError" not in raw
    assert body["request_id"] == "r-500"
    assert response.headers["X-Request-Id"] == "r-500"


def test_unhandled_error_is_logged_with_its_traceback(crashing_app, caplog):
    caplog.set_level(logging.ERROR, logger="otagai.errors")
    crashing_app.test_client().get("/test-only/boom")
    (record,) = [r for r in caplog.records if r.name == "otagai.errors"]
    assert record.levelno == logging.ERROR
    assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)


@pytest.mark.parametrize("path", ["/test-only/boom", "/test-only/abort"])
def test_each_500_is_logged_exactly_once_with_its_request_id(crashing_app, caplog, path):
    """Flask's own log_exception used to log it too, before the handler did."""
    caplog.set_level(logging.DEBUG)
    caplog.handler.setFormatter(JsonFormatter())
    response = crashing_app.test_client().get(path, headers={"X-Request-Id": "r-once"})
    assert response.status_code == 500
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == ["otagai.errors"]
    lines = [json.loads(line) for line in caplog.text.splitlines() if '"level": "error"' in line]
    assert len(lines) == 1
    assert lines[0]["request_id"] == "r-once"
    assert lines[0]["path"] == path
    assert "hunter2" not in lines[0]["msg"]


# --- JSON access log ------------------------------------------------------------------


def _access_lines(caplog: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in caplog.text.splitlines() if '"otagai.access"' in line]


def test_access_log_line_has_request_fields_and_no_token(client_as, caplog):
    caplog.set_level(logging.INFO)
    caplog.handler.setFormatter(JsonFormatter())  # the service's own formatter
    user = UserFactory()
    api = client_as(user)
    response = api.get("/v1/me", headers={"X-Request-Id": "log-check-1"})
    assert response.status_code == 200

    (line,) = _access_lines(caplog)
    assert line["logger"] == "otagai.access"
    assert line["level"] == "info"
    assert line["request_id"] == "log-check-1"
    assert line["method"] == "GET"
    assert line["path"] == "/v1/me"
    assert line["status"] == 200
    assert line["user_id"] == str(user.id)
    assert isinstance(line["duration_ms"], int | float)
    assert api.token not in caplog.text
    assert api.token.split(".")[1] not in caplog.text  # not even the claims part
    assert "Bearer" not in caplog.text


def test_access_log_record_for_rejected_request_has_status(client, caplog):
    caplog.set_level(logging.INFO, logger="otagai.access")
    client.get("/v1/me", headers={"Authorization": "Bearer not-a-token"})
    (record,) = [r for r in caplog.records if r.name == "otagai.access"]
    assert (record.method, record.path, record.status) == ("GET", "/v1/me", 401)
    assert record.user_id is None
    assert "not-a-token" not in json.dumps(vars(record), default=str)


def test_area_field_messages_are_japanese_by_default(client_as, db):
    """Field messages defined by an area (here the JIS check digit) are translated too."""
    body = {
        "code": "111008",
        "name_ja": "x",
        "name_en": "x",
        "boundary": {
            "type": "Polygon",
            "coordinates": [[[139.6, 35.9], [139.61, 35.9], [139.61, 35.91], [139.6, 35.9]]],
        },
    }
    response = client_as("op-ja", operator=True).post("/v1/municipalities", json=body)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"]["code"] == ["検査数字が正しくありません (正しくは 7)。"]
