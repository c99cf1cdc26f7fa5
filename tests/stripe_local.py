"""A local stand-in for the part of Stripe's API the service calls, on a real HTTP port.

The official SDK talks to it over HTTP (``STRIPE_API_BASE``), exactly as it would to
Stripe, and every request is recorded: tests assert on what Stripe would have received
(form parameters, the ``Idempotency-Key`` header). It answers the way Stripe does for
Connect accounts, Account Links and PaymentIntents, including idempotent replays (the
same key returns the first answer; the same key with other parameters is a 400).

localstripe (PyPI) was the first choice; it has no Connect accounts and refuses
``transfer_data``, which is the heart of a destination charge.

``event()`` builds webhook payloads shaped like Stripe's, and ``sign()`` signs them with
the SDK's own ``WebhookSignature`` so the app verifies them exactly as in production.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

WEBHOOK_SECRET = "whsec_otagai_local_test_secret"
SECRET_KEY = "sk_test_otagai_local"


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    authorization: str | None


def unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``a[b][0]=x`` form encoding back into nested dicts (lists stay index-keyed dicts,
    then become lists)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def _error(status: int, kind: str, message: str, code: str | None = None) -> Response:
    body = {"error": {"type": kind, "message": message, "code": code}}
    return Response(json.dumps(body), status=status, mimetype="application/json")


@dataclass
class LocalStripe:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Every call answers 500 while set (Stripe down).
    outage: bool = False
    # Every call hangs this many seconds before its answer while set (Stripe not
    # answering); reset() lets the hanging ones go at once.
    hang_seconds: float = 0.0
    _released: threading.Event = field(default_factory=threading.Event)
    _replays: dict[str, tuple[dict[str, Any], int, str]] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # Test-facing helpers ---------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.accounts.clear()
            self.intents.clear()
            self._replays.clear()
            self.outage = False
            self.hang_seconds = 0.0
            self._released.set()

    def hang(self, seconds: float = 60.0) -> None:
        """From now on every call waits ``seconds`` (or until reset()) before answering."""
        self._released.clear()
        self.hang_seconds = seconds

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def complete_onboarding(self, account_id: str) -> dict[str, Any]:
        """What Stripe's account looks like once the supporter finished onboarding."""
        account = self.accounts[account_id]
        account.update(details_submitted=True, charges_enabled=True, payouts_enabled=True)
        account["capabilities"] = {"card_payments": "active", "transfers": "active"}
        return account

    def settle(self, intent_id: str, status: str) -> dict[str, Any]:
        """The app confirmed the intent with a card: Stripe's result."""
        intent = self.intents[intent_id]
        intent["status"] = status
        return intent

    def event(self, kind: str, obj: dict[str, Any], created: int | None = None) -> dict[str, Any]:
        return {
            "id": f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": stripe.api_version,
            "created": int(time.time()) if created is None else created,
            "livemode": False,
            "type": kind,
            "data": {"object": json.loads(json.dumps(obj))},
        }

    @staticmethod
    def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
        return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)

    # The HTTP side ---------------------------------------------------------------------

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):04d}{secrets.token_hex(6)}"

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        params = unflatten(
            parse_qsl(request.get_data(as_text=True), keep_blank_values=True)
            if request.method == "POST"
            else list(request.args.items(multi=True))
        )
        key = request.headers.get("Idempotency-Key")
        with self._lock:
            self.requests.append(
                Recorded(
                    request.method,
                    request.path,
                    params,
                    key,
                    request.headers.get("Authorization"),
                )
            )
        if self.hang_seconds:  # recorded on arrival: a test counts the attempts
            self._released.wait(self.hang_seconds)
        with self._lock:
            response = self._answer(request, params, key)
        return response(environ, start_response)

    def _answer(self, request: Request, params: dict[str, Any], key: str | None) -> Response:
        if self.outage:
            response = _error(500, "api_error", "Stripe is down (test).")
            response.headers["Stripe-Should-Retry"] = "false"
            return response
        if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            return _error(401, "invalid_request_error", "Invalid API Key provided.")
        if key is not None and key in self._replays:
            first_params, status, body = self._replays[key]
            if first_params != params:
                return _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters.",
                )
            response = Response(body, status=status, mimetype="application/json")
            response.headers["Idempotent-Replayed"] = "true"
            return response
        status, body = self._route(request.method, request.path, params)
        text = json.dumps(body)
        if key is not None and request.method == "POST":
            self._replays[key] = (params, status, text)
        return Response(text, status=status, mimetype="application/json")

    def _route(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        if (method, path) == ("POST", "/v1/accounts"):
            return 200, self._create_account(params)
        if (method, path) == ("POST", "/v1/account_links"):
            if params.get("account") not in self.accounts:
                return self._missing("account")
            now = int(time.time())
            return 200, {
                "object": "account_link",
                "created": now,
                "expires_at": now + 300,
                "url": f"https://connect.stripe.com/setup/e/{params['account']}/"
                + secrets.token_urlsafe(12),
            }
        if (method, path) == ("POST", "/v1/payment_intents"):
            return self._create_intent(params)
        found = re.fullmatch(r"/v1/(accounts|payment_intents)/([^/]+)(/cancel)?", path)
        if found:
            store = self.accounts if found[1] == "accounts" else self.intents
            obj = store.get(found[2])
            if obj is None:
                return self._missing(found[1])
            if found[3] and method == "POST":
                if obj["status"] in {"succeeded", "canceled"}:
                    return 400, {
                        "error": {
                            "type": "invalid_request_error",
                            "code": "payment_intent_unexpected_state",
                            "message": f"This PaymentIntent's status is {obj['status']}.",
                        }
                    }
                obj["status"] = "canceled"
            return 200, obj
        return 404, {"error": {"type": "invalid_request_error", "message": f"No {path}"}}

    def _missing(self, what: str) -> tuple[int, Any]:
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": f"No such {what}",
            }
        }

    def _create_account(self, params: dict[str, Any]) -> dict[str, Any]:
        account = {
            "id": self._next_id("acct"),
            "object": "account",
            "type": params.get("type"),
            "country": params.get("country"),
            "details_submitted": False,
            "charges_enabled": False,
            "payouts_enabled": False,
            "capabilities": {"card_payments": "inactive", "transfers": "inactive"},
            "metadata": params.get("metadata", {}),
        }
        self.accounts[account["id"]] = account
        return account

    def _create_intent(self, params: dict[str, Any]) -> tuple[int, Any]:
        destination = params.get("transfer_data", {}).get("destination")
        if destination is not None and destination not in self.accounts:
            return self._missing("destination account")
        if params.get("currency") != "jpy" or int(params.get("amount", 0)) < 50:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "amount_too_small",
                    "message": "Amount must be at least ¥50 jpy",
                }
            }
        intent_id = self._next_id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "currency": params["currency"],
            "status": "requires_payment_method",
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
            "transfer_data": {"destination": destination} if destination else None,
            "application_fee_amount": (
                int(params["application_fee_amount"])
                if "application_fee_amount" in params
                else None
            ),
            "metadata": params.get("metadata", {}),
        }
        self.intents[intent_id] = intent
        return 200, intent


def serve() -> tuple[LocalStripe, Any]:
    """Start it on a free port in a daemon thread; returns it and the server to stop."""
    stand_in = LocalStripe()
    server = make_server("127.0.0.1", 0, stand_in, threaded=True)
    stand_in.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stand_in, server
