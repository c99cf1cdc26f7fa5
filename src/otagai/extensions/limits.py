"""Rate limits (Flask-Limiter): a ceiling on every call, and tighter budgets on the paths
worth abusing. The defaults, and why, are in docs/rate-limits.md; keep the two in step.

Counters live in Redis when ``REDIS_URL`` is set (shared by every worker and instance),
else in this process's memory. Each app gets a Limiter of its own: one Limiter holds the
storage and limits of the last app it was initialized with.

- The **ceiling** is checked before the view's blueprint signs the caller in, so its key
  verifies the ID token itself (firebase-admin's verifier, through the token cache the
  sign-in then hits): a signed-in caller counts per Firebase uid, anybody else per address.
- A **budget** (``@limited(blp, "offers")``) marks an operation; ``init_app`` wraps its
  view so that it counts per uid and per address after sign-in and before the transaction.
- Failed partner keys count per address (``count_api_key_failure``).

Refusals are 429 problem+json ``too_many_requests`` with ``Retry-After`` (seconds). The
database counter of failed connection-code redemptions (domain/trust/ratelimit.py) stays:
it counts only failures, which roll their request back.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from limits import RateLimitItem, parse_many

from otagai.config import ConfigError, Settings
from otagai.errors import DomainError, TooManyRequests
from otagai.extensions.problems import PROBLEM_MIMETYPE, TYPE_PREFIX, ProblemSchema, problem
from otagai.messages import detail_for, title_for_status

EXTENSION_KEY = "otagai.limits"
STRATEGY = "sliding-window-counter"
_BUDGET_ATTR = "_otagai_rate_limit"
_UID_ENVIRON = "otagai.ratelimit_uid"
log = logging.getLogger("otagai.limits")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Budget:
    """Limits of one kind of call, shared by the operations that name it."""

    name: str
    per_user: str | None
    per_ip: str | None


# Per address limits are many times the per user ones: parents share addresses behind
# carrier-grade NAT and on an event venue's Wi-Fi.
BUDGETS: dict[str, Budget] = {
    b.name: b
    for b in (
        Budget("connection-codes", per_user="30/hour", per_ip="600/hour"),
        Budget("connection-redeem", per_user="30/hour", per_ip="600/hour"),
        Budget("household-invites", per_user="10/hour", per_ip="200/hour"),
        Budget("household-join", per_user="10/hour", per_ip="200/hour"),
        Budget("share-requests", per_user="20/hour,100/day", per_ip="400/hour"),
        Budget("share-request-cancel", per_user="20/hour", per_ip="400/hour"),
        Budget("offers", per_user="60/hour", per_ip="1200/hour"),
        Budget("checkins", per_user="60/hour", per_ip="1200/hour"),
        Budget("pass-page", per_user=None, per_ip="120/hour"),
        # Calendar apps poll a feed every few minutes to hours.
        Budget("calendar-feed", per_user=None, per_ip="240/hour"),
        Budget("stripe-webhook", per_user=None, per_ip="600/minute"),
        Budget("partner-key-failures", per_user=None, per_ip="20/10minutes"),
        Budget("ceiling", per_user="600/minute", per_ip="300/minute"),
    )
}
# Budgets that replace the anonymous ceiling on their operations (Stripe bursts).
OWN_CEILING = frozenset({"stripe-webhook"})
# Probes of the load balancer and the orchestrator: throttling them would take a healthy
# instance out of service.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})


def default_limits() -> dict[str, str]:
    """``<budget>.user`` / ``<budget>.ip`` -> limit string, as shipped."""
    out: dict[str, str] = {}
    for budget in BUDGETS.values():
        if budget.per_user:
            out[f"{budget.name}.user"] = budget.per_user
        if budget.per_ip:
            out[f"{budget.name}.ip"] = budget.per_ip
    return out


def effective_limits(overrides: Mapping[str, str]) -> dict[str, list[RateLimitItem]]:
    """The defaults with ``RATELIMIT_OVERRIDES`` applied, parsed; ConfigError if wrong."""
    limits = default_limits()
    unknown = set(overrides) - set(limits)
    if unknown:
        raise ConfigError(f"RATELIMIT_OVERRIDES names unknown limits: {sorted(unknown)}")
    limits.update(overrides)
    parsed: dict[str, list[RateLimitItem]] = {}
    for name, value in limits.items():
        try:
            parsed[name] = parse_many(value)
        except ValueError as exc:
            raise ConfigError(f"RATELIMIT_OVERRIDES: {name}={value!r} is not a limit") from exc
    return parsed


# Keys ---------------------------------------------------------------------------------


def client_address() -> str:
    """The caller's address (ProxyFix has put the forwarded one in place, if trusted)."""
    return request.remote_addr or "unknown"


def _signed_in_uid() -> str | None:
    """The uid of a valid ID token on this request, verified once per request (kept in
    the WSGI environ: ``g`` outlives the request when an app context was already up)."""
    if _UID_ENVIRON in request.environ:
        known: str | None = request.environ[_UID_ENVIRON]
        return known
    uid: str | None = None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        from otagai.extensions.auth import EXTENSION_KEY as AUTH_KEY

        try:
            # The sign-in that follows gets these claims from the token cache.
            claims = current_app.extensions[AUTH_KEY].verify(token.strip())
            uid = str(claims.get("uid") or claims.get("sub"))
        except DomainError:
            uid = None  # the sign-in answers 401 (or 503) right after
    request.environ[_UID_ENVIRON] = uid
    return uid


def user_key() -> str:
    uid = _signed_in_uid()
    return f"user:{uid}" if uid else f"ip:{client_address()}"


def ip_key() -> str:
    return f"ip:{client_address()}"


# Marking operations -------------------------------------------------------------------


def limited(blp: Any, budget: str, *, note: str | None = None) -> Callable[[F], F]:
    """Give a view method the budget ``budget`` and document its 429 answer."""
    spec = BUDGETS[budget]
    parts = []
    if spec.per_user:
        parts.append(f"{spec.per_user} per user")
    if spec.per_ip:
        parts.append(f"{spec.per_ip} per client address")
    description = (
        f"Rate limited (`too_many_requests`): more than {' or '.join(parts)} "
        f"(budget `{budget}`; defaults, see docs/rate-limits.md)."
    )
    if note:
        description += " " + note

    def decorator(view: F) -> F:
        setattr(view, _BUDGET_ATTR, budget)
        documented: F = document_429(blp, description)(view)
        return documented

    return decorator


def budgeted(budget: str) -> Callable[[F], F]:
    """The budget ``budget`` on a view method outside the API (an HTML page, which has no
    spec entry to document the 429 in)."""
    BUDGETS[budget]  # a KeyError for a budget that does not exist

    def decorator(view: F) -> F:
        setattr(view, _BUDGET_ATTR, budget)
        return view

    return decorator


def document_429(blp: Any, description: str) -> Callable[[F], F]:
    """The 429 answer of one operation, with its Retry-After (like ``blp.problem``)."""
    decorator: Callable[[F], F] = blp.alt_response(
        429,
        schema=ProblemSchema,
        content_type=PROBLEM_MIMETYPE,
        description=description,
        example={
            "type": f"{TYPE_PREFIX}too_many_requests",
            "title": title_for_status(429, "ja"),
            "status": 429,
            "detail": detail_for("too_many_requests", "ja"),
            "code": "too_many_requests",
        },
        headers={
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    )
    return decorator


# The extension ------------------------------------------------------------------------


class LimitsState:
    def __init__(self, app: Flask, settings: Settings) -> None:
        self.enabled = settings.rate_limits_enabled
        self.texts = {**default_limits(), **settings.ratelimit_overrides}
        self.limits = effective_limits(settings.ratelimit_overrides)
        if settings.redis_url:
            storage_uri = settings.redis_url
            # Short timeouts: an unreachable Redis must not hold requests; Flask-Limiter
            # then counts in memory until it answers again.
            options: dict[str, Any] = {
                "key_prefix": settings.ratelimit_key_prefix,
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
            }
        else:
            storage_uri, options = "memory://", {}
            if settings.env == "production" and self.enabled:
                log.warning("REDIS_URL is unset: rate limits count per process, in memory")
        self.own_ceiling: set[str] = set()
        self.limiter = Limiter(
            user_key,
            application_limits=[
                ApplicationLimit(
                    lambda: self.texts["ceiling.user"],
                    key_function=user_key,
                    scope="ceiling-user",
                    exempt_when=lambda: request.path in UNLIMITED_PATHS or _signed_in_uid() is None,
                ),
                ApplicationLimit(
                    lambda: self.texts["ceiling.ip"],
                    key_function=ip_key,
                    scope="ceiling-ip",
                    exempt_when=lambda: (
                        request.path in UNLIMITED_PATHS
                        or request.endpoint in self.own_ceiling
                        or _signed_in_uid() is not None
                    ),
                ),
            ],
            strategy=STRATEGY,
            storage_uri=storage_uri,
            storage_options=options,
            in_memory_fallback_enabled=True,
            swallow_errors=True,
            headers_enabled=False,  # written by _headers: see there
            enabled=self.enabled,
        )
        self.limiter.init_app(app)

    def retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        reset = self.limiter.limiter.get_window_stats(item, *identifiers).reset_time
        return max(1, math.ceil(reset - time.time()))

    def wrap_budgeted_views(self, app: Flask) -> None:
        """Put each budgeted method's limits around its endpoint's view function."""
        for endpoint, original in list(app.view_functions.items()):
            view: Any = original
            view_class = getattr(view, "view_class", None)
            for method in sorted(getattr(view_class, "methods", None) or ()):
                budget = getattr(getattr(view_class, method.lower(), None), _BUDGET_ATTR, None)
                if budget is None:
                    continue
                if budget in OWN_CEILING:
                    self.own_ceiling.add(endpoint)
                for who, key in (("user", user_key), ("ip", ip_key)):
                    name = f"{budget}.{who}"
                    if name in self.limits:
                        view = self.limiter.shared_limit(
                            self.texts[name],
                            scope=f"{budget}-{who}",
                            key_func=key,
                            methods=[method],
                        )(view)
            app.view_functions[endpoint] = view


def _refused(error: RateLimitExceeded) -> Response:
    state: LimitsState = current_app.extensions[EXTENSION_KEY]
    breached = state.limiter.current_limit
    seconds = 1
    if breached is not None:
        seconds = state.retry_after(breached.limit, *breached.request_args)
    return problem(429, "too_many_requests", headers={"Retry-After": str(seconds)})


def _headers(response: Response) -> Response:
    """Flask-Limiter's X-RateLimit-* for the tightest limit of the call. Its own writer
    also puts Retry-After on every answer, rewriting a 503's; this one leaves it alone."""
    state: LimitsState | None = current_app.extensions.get(EXTENSION_KEY)
    current = state.limiter.current_limit if state and state.enabled else None
    if current is not None:
        try:
            response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
            response.headers["X-RateLimit-Remaining"] = str(current.remaining)
            response.headers["X-RateLimit-Reset"] = str(current.reset_at)
        except Exception:  # storage unreachable: the answer matters more than its headers
            log.warning("rate limit headers unavailable", exc_info=True)
    return response


def count_api_key_failure() -> None:
    """Count an unknown or revoked X-API-Key against the caller's address; 429 once the
    address has spent its budget. Valid keys never count and are never refused here, so
    a municipality sharing an address (a prefecture's security cloud) with a broken or
    hostile client keeps working; guessing a key (32 random bytes) is hopeless anyway."""
    state: LimitsState | None = current_app.extensions.get(EXTENSION_KEY)
    if state is None or not state.enabled:
        return
    identifiers = ("partner-key-failures", client_address())
    try:
        for item in state.limits["partner-key-failures.ip"]:
            if not state.limiter.limiter.hit(item, *identifiers):
                seconds = state.retry_after(item, *identifiers)
                raise TooManyRequests("too_many_requests", headers={"Retry-After": str(seconds)})
    except TooManyRequests:
        raise
    except Exception:  # storage unreachable: answer the 401 rather than a 500
        log.warning("could not count a failed API key", exc_info=True)


def init_app(app: Flask, settings: Settings) -> LimitsState:
    """After the blueprints are registered (budgets are found on their views)."""
    state = LimitsState(app, settings)
    app.extensions[EXTENSION_KEY] = state
    app.register_error_handler(RateLimitExceeded, _refused)
    if state.enabled:
        state.wrap_budgeted_views(app)
        app.after_request(_headers)
    return state
