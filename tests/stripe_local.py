"""A local stand-in for the part of Stripe's API the service calls, on a real HTTP port.

The official SDK talks to it over HTTP (``STRIPE_API_BASE``), exactly as it would to
Stripe, and every request is recorded: tests assert on what Stripe would have received
(form parameters, the ``Idempotency-Key`` header). It answers the way Stripe does for
Connect accounts, Account Links and PaymentIntents, including idempotent replays (the
same key returns the first answer; the same key with other parameters is a 400).

localstripe (PyPI) was the first choice; it has no Connect accounts and refuses
``transfer_data``, which is the heart of a destination charge.

It is as strict as Stripe where the app could get it wrong:

- Parameters: every call we make is checked against the SDK's own parameter types
  (``stripe.params.*Params``, generated from Stripe's API description): an unknown
  parameter, at any depth, or a missing required one answers 400 with Stripe's error
  shape (``invalid_request_error``, ``parameter_unknown`` / ``parameter_missing``,
  ``param`` naming it as Stripe does: ``transfer_data[foo]``). Nothing is made or saved.
- Idempotency keys are scoped as Stripe scopes them: per account (the ``Stripe-Account``
  header, or the platform when absent). The same key from another account is another
  request; the same key and account with other parameters or on another endpoint is a
  400 ``idempotency_error``. A request refused for its parameters saves no result.

``event()`` builds webhook payloads shaped like Stripe's (``livemode``, and ``account``
on connected accounts' events), and ``sign()`` signs them with the SDK's own
``WebhookSignature``, each class with its endpoint's secret: connected accounts' events
(those naming an ``account``) with the Connect endpoint's, the rest with the account
endpoint's, so the app verifies them exactly as in production.
"""

from __future__ import annotations

import builtins
import itertools
import json
import re
import secrets
import sys
import threading
import time
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import stripe
import typing_extensions
from stripe import params as stripe_params
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

# The account endpoint's signing secret (the platform's own objects' events) and the
# Connect endpoint's (connected accounts' events).
WEBHOOK_SECRET = "whsec_otagai_local_test_secret"
CONNECT_WEBHOOK_SECRET = "whsec_otagai_local_connect_secret"
SECRET_KEY = "sk_test_otagai_local"
# Connected accounts' events, sent to the Connect endpoint and naming their account.
CONNECT_EVENT_TYPES = {"account.updated", "account.application.deauthorized", "capability.updated"}


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    authorization: str | None
    stripe_account: str | None = None
    status: int = 0


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


def _error(
    status: int, kind: str, message: str, code: str | None = None, param: str | None = None
) -> Response:
    error = {"type": kind, "message": message, "code": code}
    if param is not None:
        error["param"] = param
    return Response(json.dumps({"error": error}), status=status, mimetype="application/json")


# --- parameters, as the SDK's generated types describe Stripe's API ---------------------


class _Anything:
    """What a name only the type checker imports stands for: anything is accepted."""

    def __class_getitem__(cls, item: Any) -> Any:
        return cls


class _Names(dict[str, Any]):
    """A module's names, then the builtins, then _Anything."""

    def __missing__(self, key: str) -> Any:
        return getattr(builtins, key, _Anything)


def _resolve(hint: Any, module: Any) -> Any:
    if isinstance(hint, typing.ForwardRef):
        hint = hint.__forward_arg__
    if isinstance(hint, str):
        hint = eval(hint, {}, _Names(vars(module)))
    if typing.get_origin(hint) in (typing.NotRequired, typing.Required):
        return _resolve(typing.get_args(hint)[0], module)
    return hint


def _fields(params_type: Any) -> tuple[dict[str, Any], frozenset[str]]:
    module = sys.modules[params_type.__module__]
    hints = {k: (v, module) for k, v in params_type.__annotations__.items()}
    return hints, params_type.__required_keys__


def _alternatives(hint: Any) -> tuple[Any, ...]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


# Request options share the params' TypedDicts in the SDK; they are never parameters.
_REQUEST_OPTIONS = frozenset(stripe.RequestOptions.__annotations__)


def check_params(value: Any, params_type: Any, prefix: str = "") -> tuple[str, str] | None:
    """(code, param) of the first parameter Stripe would refuse, or None."""
    hints, required = _fields(params_type)
    if not prefix:
        hints = {k: v for k, v in hints.items() if k not in _REQUEST_OPTIONS}
        required = required - _REQUEST_OPTIONS
    for name in sorted(required):
        if name not in value:
            return "parameter_missing", f"{prefix}[{name}]" if prefix else name
    for name, item in value.items():
        param = f"{prefix}[{name}]" if prefix else name
        if name not in hints:
            return "parameter_unknown", param
        hint, module = hints[name]
        refused = _check_value(item, _resolve(hint, module), module, param)
        if refused:
            return refused
    return None


def _check_value(item: Any, hint: Any, module: Any, param: str) -> tuple[str, str] | None:
    if item == "":
        return None  # Stripe's way of unsetting a field
    options = [_resolve(h, module) for h in _alternatives(hint)]
    if Any in options or _Anything in options:
        return None
    if isinstance(item, dict):
        for option in options:
            if typing_extensions.is_typeddict(option):
                return check_params(item, option, param)
            if typing.get_origin(option) is dict or getattr(option, "__name__", "") in {
                "UntypedStripeObject"
            }:
                return None
        return "parameter_invalid_string", param
    if isinstance(item, list):
        for option in options:
            if typing.get_origin(option) is list:
                [inner] = typing.get_args(option)
                for index, element in enumerate(item):
                    refused = _check_value(
                        element, _resolve(inner, module), module, f"{param}[{index}]"
                    )
                    if refused:
                        return refused
                return None
        return "parameter_invalid_string", param
    return None


# What each call we make accepts, as (method, path pattern) -> the SDK's params type.
CALLS: list[tuple[str, str, Any]] = [
    ("POST", r"/v1/accounts", stripe_params.AccountCreateParams),
    ("GET", r"/v1/accounts/[^/]+", stripe_params.AccountRetrieveParams),
    ("POST", r"/v1/account_links", stripe_params.AccountLinkCreateParams),
    ("POST", r"/v1/payment_intents", stripe_params.PaymentIntentCreateParams),
    ("GET", r"/v1/payment_intents/[^/]+", stripe_params.PaymentIntentRetrieveParams),
    ("POST", r"/v1/payment_intents/[^/]+/cancel", stripe_params.PaymentIntentCancelParams),
]


def _params_type(method: str, path: str) -> Any:
    for call_method, pattern, params_type in CALLS:
        if call_method == method and re.fullmatch(pattern, path):
            return params_type
    return None


def _refusal(code: str, param: str) -> Response:
    message = (
        f"Received unknown parameter: {param}"
        if code == "parameter_unknown"
        else f"Missing required param: {param}."
        if code == "parameter_missing"
        else f"Invalid value for {param}."
    )
    return _error(400, "invalid_request_error", message, code=code, param=param)


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
    # (Stripe-Account or None for the platform, Idempotency-Key) ->
    # (method, path, params, status, body) of the first answer.
    _replays: dict[tuple[str | None, str], tuple[str, str, dict[str, Any], int, str]] = field(
        default_factory=dict
    )
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

    def event(
        self,
        kind: str,
        obj: dict[str, Any],
        created: int | None = None,
        *,
        account: str | None = None,
        livemode: bool = False,
    ) -> dict[str, Any]:
        """An event as Stripe sends it. A connected account's event (``account.updated``)
        names its account, the account itself unless ``account`` says otherwise."""
        event = {
            "id": f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": stripe.api_version,
            "created": int(time.time()) if created is None else created,
            "livemode": livemode,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
            "data": {"object": json.loads(json.dumps(obj))},
        }
        if account is None and kind in CONNECT_EVENT_TYPES:
            account = obj.get("id")
        if account is not None:
            event["account"] = account
        return event

    @staticmethod
    def secret_for(payload: str) -> str:
        """The signing secret of the endpoint Stripe would send this event to."""
        try:
            event = json.loads(payload)
        except ValueError:
            return WEBHOOK_SECRET
        connect = isinstance(event, dict) and event.get("account") is not None
        return CONNECT_WEBHOOK_SECRET if connect else WEBHOOK_SECRET

    @staticmethod
    def sign(payload: str, secret: str | None = None, timestamp: int | None = None) -> str:
        """``Stripe-Signature`` for the payload, with its endpoint's secret unless told."""
        return stripe.WebhookSignature.generate_signature_header(
            payload, secret or LocalStripe.secret_for(payload), timestamp
        )

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
            recorded = Recorded(
                request.method,
                request.path,
                params,
                key,
                request.headers.get("Authorization"),
                request.headers.get("Stripe-Account"),
            )
            self.requests.append(recorded)
        if self.hang_seconds:  # recorded on arrival: a test counts the attempts
            self._released.wait(self.hang_seconds)
        with self._lock:
            response = self._answer(request, params, key)
            recorded.status = response.status_code
        return response(environ, start_response)

    def _answer(self, request: Request, params: dict[str, Any], key: str | None) -> Response:
        if self.outage:
            response = _error(500, "api_error", "Stripe is down (test).")
            response.headers["Stripe-Should-Retry"] = "false"
            return response
        if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            return _error(401, "invalid_request_error", "Invalid API Key provided.")
        params_type = _params_type(request.method, request.path)
        if params_type is not None:
            refused = check_params(params, params_type)
            if refused:
                # Refused before it ran: Stripe saves no idempotent result for it.
                return _refusal(*refused)
        scope = (request.headers.get("Stripe-Account"), key) if key is not None else None
        if scope is not None and scope in self._replays:
            method, path, first_params, status, body = self._replays[scope]
            if (method, path) != (request.method, request.path):
                return _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used for the same endpoint "
                    "they were first used for.",
                )
            if first_params != params:
                return _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with.",
                )
            response = Response(body, status=status, mimetype="application/json")
            response.headers["Idempotent-Replayed"] = "true"
            return response
        status, body = self._route(request.method, request.path, params)
        text = json.dumps(body)
        if scope is not None and request.method == "POST":
            self._replays[scope] = (request.method, request.path, params, status, text)
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
