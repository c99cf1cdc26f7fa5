"""RFC 9457 problem+json: the one shape every error of the service takes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Response, g, json, request
from werkzeug.exceptions import HTTPException

from otagai.errors import DomainError
from otagai.messages import FIELD_MESSAGES_JA, LANGUAGES, detail_for, title_for_status

PROBLEM_MIMETYPE = "application/problem+json"
TYPE_PREFIX = "urn:otagai:problem:"

log = logging.getLogger("otagai.errors")

STATUS_CODES = {
    400: "bad_request",
    401: "token_missing",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    500: "internal_error",
    503: "service_unavailable",
}


class ProblemSchema(ma.Schema):
    """An error, as RFC 9457 problem details with a stable machine code."""

    type = ma.fields.String(metadata={"example": "urn:otagai:problem:validation_failed"})
    title = ma.fields.String(metadata={"example": "入力エラー"})
    status = ma.fields.Integer(metadata={"example": 422})
    detail = ma.fields.String()
    code = ma.fields.String(metadata={"description": "Stable snake_case code to switch on."})
    instance = ma.fields.String()
    request_id = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Field (dotted path) → messages, for validation errors."},
    )


def request_language() -> str:
    return request.accept_languages.best_match(LANGUAGES, default="ja") or "ja"


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs nests messages by location and field; the app wants ``{"home.lat": [...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
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


def _localize(errors: dict[str, list[str]], lang: str) -> dict[str, list[str]]:
    if lang != "ja":
        return errors
    return {k: [FIELD_MESSAGES_JA.get(m, m) for m in v] for k, v in errors.items()}


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
    if errors:
        body["errors"] = _localize(_flatten(_strip_locations(errors)), lang)
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE
    )
    response.headers["Content-Language"] = lang
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
        original = getattr(error, "original_exception", None)
        if original is not None:
            log.error("unhandled error", exc_info=original)
    code = STATUS_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    return problem(status, code, errors=errors, headers=headers)


def handle_domain_error(error: DomainError) -> Response:
    headers: dict[str, str] = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="otagai"'
    if error.status == 503:
        headers["Retry-After"] = "30"
    return problem(error.status, error.code, errors=error.errors, headers=headers)
