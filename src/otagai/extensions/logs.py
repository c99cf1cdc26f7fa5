"""Structured JSON logs, one object a line, each tagged with the request id.

Bodies, tokens and coordinates are never logged: the logs leave the server.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import inspect

REQUEST_ID_HEADER = "X-Request-Id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if has_request_context() and getattr(g, "request_id", None):
            entry["request_id"] = g.request_id
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    # Werkzeug's own access line is plain text and would duplicate ours.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


access_log = logging.getLogger("otagai.access")


class App(Flask):
    """Flask, logging each unhandled exception once.

    Flask logs an unhandled exception (``log_exception``: "Exception on …") and then
    hands the 500 to the error handler, which logs it again with the request id
    (``problems.handle_http_exception``): every 500 showed twice. The handler's line is
    the one kept: it also covers a 500 raised as an HTTPException, which Flask does not
    log."""

    def log_exception(self, exc_info: Any) -> None:
        return None


def _user_id(actor: Any) -> str | None:
    """The caller's user id from the identity map's key: no query, so it can be read
    even after a database fault rolled the session back and dropped its connection."""
    if actor is None or actor.user is None:
        return None
    identity = inspect(actor.user).identity
    return str(identity[0]) if identity else None


def init_app(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        # Honour the caller's id when it is safe to echo and log; else make one.
        g.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = getattr(g, "request_id", None) or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
        actor = g.get("actor")
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(
                    (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2
                ),
                "user_id": _user_id(actor),
            },
        )
        return response
