"""Checks every request passes before any view sees it.

PostgreSQL text cannot hold NUL: rather than let one surface as a driver error (500)
deep in a query, requests carrying it are refused here, once, for every endpoint.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from otagai.errors import BadRequest, NotFound, RuleViolation, UnsupportedMediaType


def _has_nul(value: Any) -> bool:
    return isinstance(value, str) and "\x00" in value


def _nul_paths(value: Any, path: str = "") -> list[str]:
    """Dotted paths of the JSON values (or keys) holding a NUL."""
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            found += [child] if _has_nul(key) else _nul_paths(item, child)
        return found
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _nul_paths(item, f"{path}.{i}")]
    return [path or "_request"] if _has_nul(value) else []


def check_request() -> None:
    if "\x00" in request.path:
        raise NotFound()
    if any(_has_nul(k) or _has_nul(v) for k, v in request.args.items(multi=True)):
        raise BadRequest("nul_character")
    if request.method in {"POST", "PUT", "PATCH"} and request.content_length:
        if not request.is_json:
            raise UnsupportedMediaType()
        paths = _nul_paths(request.get_json(silent=True))
        if paths:
            raise RuleViolation(
                "validation_failed",
                errors={p.replace("\x00", ""): ["Invalid value."] for p in paths},
            )


def init_app(app: Flask) -> None:
    app.before_request(check_request)
