"""RFC 9457 problem+json: the one shape every error of the service takes."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Response, g, json, request
from werkzeug.exceptions import HTTPException

from otagai.errors import DomainError
from otagai.messages import (
    FIELD_MESSAGES_JA,
    FIELD_PATTERNS_JA,
    LANGUAGES,
    detail_for,
    title_for_status,
)

PROBLEM_MIMETYPE = "application/problem+json"
TYPE_PREFIX = "urn:otagai:problem:"

log = logging.getLogger("otagai.errors")
_PATTERNS_JA = [(re.compile(p), t) for p, t in FIELD_PATTERNS_JA]

STATUS_CODES = {
    400: "bad_request",
    401: "token_missing",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    429: "too_many_requests",
    415: "unsupported_media_type",
    422: "validation_failed",
    500: "internal_error",
    503: "service_unavailable",
}


class ProblemSchema(ma.Schema):
    """An error, as RFC 9457 problem details with a stable machine code."""

    type = ma.fields.String(
        metadata={"example": "urn:otagai:problem:validation_failed"}, required=True
    )
    title = ma.fields.String(metadata={"example": "入力エラー"}, required=True)
    status = ma.fields.Integer(metadata={"example": 422}, required=True)
    detail = ma.fields.String(required=True)
    code = ma.fields.String(
        metadata={"description": "Stable snake_case code to switch on."}, required=True
    )
    instance = ma.fields.String(required=True)
    request_id = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={
            "description": "Field (dotted path) → messages, for validation errors; empty otherwise."
        },
        required=True,
    )


def request_language() -> str:
    """The caller's most preferred language we speak; ``en-US`` counts as ``en``.

    (werkzeug's best_match prefers an exact lower-ranked tag over a regional top one.)
    """
    for tag, quality in request.accept_languages:  # sorted by quality, best first
        primary = tag.split("-", 1)[0].lower()
        if quality > 0 and primary in LANGUAGES:
            return primary
    return "ja"


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs nests messages by location and field; the app wants ``{"home.lat": [...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            # A nested schema's own error (e.g. "Outside Japan.") belongs to the field.
            if key == "_schema" and prefix:
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for k, v in _flatten(value, path).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, Mapping | list | tuple):
                for k, v in _flatten(item, prefix).items():
                    out.setdefault(k, []).extend(v)
            else:
                out.setdefault(prefix or "_request", []).append(str(item))
    else:
        out.setdefault(prefix or "_request", []).append(str(messages))
    return out


def _strip_locations(messages: Mapping[str, Any]) -> Mapping[str, Any]:
    # webargs keys by location ("json", "query", ...); fields are unique across them here.
    merged: dict[str, Any] = {}
    for location, value in messages.items():
        if location in {"json", "query", "headers", "path", "view_args", "form"} and isinstance(
            value, Mapping
        ):
            merged.update(value)
        else:
            merged[location] = value
    return merged


def _to_japanese(message: str) -> str:
    if message in FIELD_MESSAGES_JA:
        return FIELD_MESSAGES_JA[message]
    for pattern, template in _PATTERNS_JA:
        if pattern.match(message):
            return pattern.sub(template, message)
    return message


def _localize(errors: dict[str, list[str]], lang: str) -> dict[str, list[str]]:
    if lang != "ja":
        return errors
    return {k: [_to_japanese(m) for m in v] for k, v in errors.items()}


def problem(
    status: int,
    code: str,
    *,
    detail: str | None = None,
    errors: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    lang = request_language()
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": title_for_status(status, lang),
        "status": status,
        "detail": detail_for(code, lang) or detail or title_for_status(status, lang),
        "code": code,
        "instance": request.path,
    }
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    # Always there (empty unless fields were refused): a client needs no guess.
    body["errors"] = _localize(_flatten(_strip_locations(errors)), lang) if errors else {}
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE
    )
    response.headers["Content-Language"] = lang
    # Its title and detail follow Accept-Language: a cache must key on it.
    response.vary.add("Accept-Language")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    headers: dict[str, str] = {}
    errors = None
    data = getattr(error, "data", None) or {}
    if status == 422:
        errors = data.get("errors") or data.get("messages")
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        # flask-smorest's own handler drops the Allow header RFC 9110 requires.
        headers["Allow"] = ", ".join(sorted(valid_methods))
    headers.update(data.get("headers") or {})
    if status >= 500:
        # The one line a 500 logs (logs.App keeps Flask from logging it first).
        original = getattr(error, "original_exception", None)
        log.error(
            "unhandled error" if original is not None else "server error",
            exc_info=original,
            extra={
                "request_id": getattr(g, "request_id", None),
                "method": request.method,
                "path": request.path,
                "status": status,
            },
        )
    code = STATUS_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    return problem(status, code, errors=errors, headers=headers)


# Seconds a client waits before trying again after a database fault: a lost connection is
# replaced at once, a failover takes a few seconds.
DATABASE_RETRY_AFTER = "1"


def handle_database_error(error: Exception) -> Response:
    """A fault of the database (a lost connection, a terminated backend, a failover, a
    statement or lock timeout, an exhausted pool): 503 ``database_unavailable`` with
    Retry-After, the session rolled back and a dead connection dropped. Any other
    database error is a bug of ours: re-raised, it becomes the logged 500."""
    from otagai.extensions.db import database_unavailable, recover

    if not database_unavailable(error):
        raise error
    recover(error)
    cause = getattr(error, "orig", None) or error
    name = type(cause).__name__
    # The server's message, first line only: for these errors it names the fault
    # ("terminating connection due to administrator command"), never a row's values.
    message = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    log.warning(
        "database unavailable: %s: %s",
        name,
        message,
        extra={"db_error": name, "sqlstate": getattr(cause, "sqlstate", None)},
    )
    return problem(503, "database_unavailable", headers={"Retry-After": DATABASE_RETRY_AFTER})


def handle_domain_error(error: DomainError) -> Response:
    headers: dict[str, str] = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="otagai"'
    if error.status == 503:
        headers["Retry-After"] = "30"
    headers.update(getattr(error, "headers", None) or {})
    return problem(error.status, error.code, errors=error.errors, headers=headers)
