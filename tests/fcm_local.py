"""A local stand-in for FCM's HTTP v1 send endpoint, on a real HTTP port.

FCM has no emulator. The app's firebase-admin posts to it (``FCM_API_BASE``) exactly as it
would to ``fcm.googleapis.com``: ``POST /v1/projects/<project>/messages:send`` with
``{"message": {...}}``, one request per message. It answers as FCM does: 200 with the
message's name, or a Google API error whose ``details`` carry FCM's own ``errorCode``
(firebase-admin picks ``UnregisteredError``, ``QuotaExceededError`` ... from that detail
and the generic class from ``status``). Every request is recorded, failed ones included.

firebase-admin retries HTTP 500 and 503 four more times inside one ``send_each``, with
backoff (0, 1, 2, 4 s): ``fail_next(token, 1)`` is absorbed by the SDK and the push is
sent; ``fail_next(token, SDK_TRIES)`` makes the push come back as ``retry`` (and costs
about 7 s). A 429 is not retried by the SDK: ``fail_next(token, 1, status=429)`` gives
a fast ``retry`` (QUOTA_EXCEEDED).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

# One send_each attempt plus firebase-admin's four retries of a 500/503.
SDK_TRIES = 5
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
SEND_PATH = re.compile(r"/v1/projects/([^/]+)/messages:send")

# HTTP status -> (Google API status, FCM errorCode, message), as FCM answers them.
_FAILURES = {
    400: ("INVALID_ARGUMENT", "INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: ("UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", "Auth error from APNS or Web Push."),
    403: ("PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch"),
    404: ("NOT_FOUND", "UNREGISTERED", "Requested entity was not found."),
    429: ("RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded for sending messages."),
    500: ("INTERNAL", "INTERNAL", "Internal error encountered."),
    503: ("UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable."),
}


@dataclass
class Received:
    """One request as FCM would have received it."""

    path: str
    token: str | None
    message: dict[str, Any]  # the parsed JSON "message"
    data: dict[str, str]  # its data dict
    headers: dict[str, str]
    status: int  # what the stand-in answered


def fcm_error(status: int, message: str | None = None) -> Response:
    api_status, fcm_code, default_message = _FAILURES[status]
    message = message or default_message
    body = {
        "error": {
            "code": status,
            "message": message,
            "status": api_status,
            "details": [{"@type": FCM_ERROR_TYPE, "errorCode": fcm_code}],
        }
    }
    return Response(json.dumps(body), status=status, mimetype="application/json")


class _QuietHandler(WSGIRequestHandler):
    # A batch is hundreds of requests; werkzeug would log every one of them.
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class LocalFcm:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    _unregistered: set[str] = field(default_factory=set)
    _invalid: set[str] = field(default_factory=set)
    _failures: dict[str, tuple[int, int]] = field(default_factory=dict)  # token -> (n, status)
    _ids: Iterator[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Every request waits this long (or until reset()) before its answer while set.
    hang_seconds: float = 0.0
    _released: threading.Event = field(default_factory=threading.Event)

    # Test-facing controls -------------------------------------------------------------

    def hang(self, seconds: float = 60.0) -> None:
        """FCM stops answering: every request from now on waits ``seconds``."""
        self._released.clear()
        self.hang_seconds = seconds

    def unregister(self, token: str) -> None:
        """The app was uninstalled: 404 UNREGISTERED from now on."""
        with self._lock:
            self._unregistered.add(token)

    def invalid(self, token: str) -> None:
        """Not a registration token at all: 400 INVALID_ARGUMENT, as FCM words it."""
        with self._lock:
            self._invalid.add(token)

    def fail_next(self, token: str, times: int, status: int = 503) -> None:
        """The next ``times`` requests for ``token`` fail with ``status``, then succeed."""
        if status not in _FAILURES:
            raise ValueError(f"no FCM failure for HTTP {status}")
        with self._lock:
            self._failures[token] = (times, status)

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self._unregistered.clear()
            self._invalid.clear()
            self._failures.clear()
            self.hang_seconds = 0.0
            self._released.set()

    def sent_to(self, token: str) -> list[Received]:
        """The messages FCM accepted (200) for ``token``, oldest first."""
        with self._lock:
            return [r for r in self.received if r.token == token and r.status == 200]

    def requests_for(self, token: str) -> list[Received]:
        """Every request for ``token``, failed ones included."""
        with self._lock:
            return [r for r in self.received if r.token == token]

    # The HTTP side ---------------------------------------------------------------------

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        try:
            body = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            body = None
        message = body.get("message") if isinstance(body, dict) else None
        message = message if isinstance(message, dict) else {}
        token = message.get("token") if isinstance(message.get("token"), str) else None
        if self.hang_seconds:
            self._released.wait(self.hang_seconds)
        with self._lock:
            response = self._answer(request, message, token)
            self.received.append(
                Received(
                    path=request.path,
                    token=token,
                    message=message,
                    data=dict(message.get("data") or {}),
                    headers=dict(request.headers.items()),
                    status=response.status_code,
                )
            )
        return response(environ, start_response)

    def _answer(self, request: Request, message: dict[str, Any], token: str | None) -> Response:
        found = SEND_PATH.fullmatch(request.path)
        if request.method != "POST" or found is None:
            return Response("Not Found", status=404, mimetype="text/plain")
        if token is None:
            return fcm_error(400, "Invalid value at 'message' (oneof target): token is missing")
        if token in self._failures:
            times, status = self._failures[token]
            if times <= 1:
                del self._failures[token]
            else:
                self._failures[token] = (times - 1, status)
            return fcm_error(status)
        if token in self._unregistered:
            return fcm_error(404)
        if token in self._invalid:
            return fcm_error(400, "The registration token is not a valid FCM registration token")
        name = f"projects/{found[1]}/messages/0:{next(self._ids)}%otagai"
        return Response(json.dumps({"name": name}), status=200, mimetype="application/json")


def serve(latency: float = 0.0) -> tuple[LocalFcm, Any]:
    """Start it on a free port in a daemon thread; returns it and the server to stop.
    ``latency``: seconds each answer takes (FCM's own round trip), so that workers side by
    side really overlap."""
    stand_in = LocalFcm()

    def app(environ: Any, start_response: Any) -> Any:
        time.sleep(latency)
        return stand_in(environ, start_response)

    served = app if latency else stand_in
    server = make_server("127.0.0.1", 0, served, threaded=True, request_handler=_QuietHandler)
    stand_in.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stand_in, server
