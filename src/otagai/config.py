"""Settings, read from the environment in one place (12-factor).

Every variable, its default and its meaning is listed in README.md; keep the two in step.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field, fields, replace
from typing import Any


class ConfigError(RuntimeError):
    """The environment describes a configuration the service must not start with."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _bounds(value: str) -> tuple[float, float, float, float] | None:
    if value.strip().lower() in {"", "none", "off"}:
        return None
    parts = [float(p) for p in value.split(",")]
    if len(parts) != 4:
        raise ConfigError("HOME_BOUNDS must be 'min_lat,min_lng,max_lat,max_lng' or 'none'")
    return (parts[0], parts[1], parts[2], parts[3])


def _overrides(value: str) -> dict[str, str]:
    """``RATELIMIT_OVERRIDES``: ``name=limit`` entries separated by ``;``."""
    out: dict[str, str] = {}
    for entry in value.split(";"):
        if not entry.strip():
            continue
        name, sep, limit = entry.partition("=")
        if not sep or not name.strip() or not limit.strip():
            raise ConfigError("RATELIMIT_OVERRIDES must be 'name=limit;name=limit'")
        out[name.strip()] = limit.strip()
    return out


# Late escalation (docs/late-escalation.md), per kind of help: minutes after the start by
# which ``picked_up`` (a pickup) or ``started`` must be recorded, minutes after the end by
# which ``handed_over`` / ``ended`` must be, and the minutes between one step and the next
# (the requester's household, then the supporter, then the coordinators). A grace of None
# watches nothing at that end.
LATE_ESCALATION_DEFAULTS: dict[str, dict[str, int | None]] = {
    "pickup": {"start_grace_minutes": 15, "end_grace_minutes": 30, "step_minutes": 10},
    "babysitting": {"start_grace_minutes": None, "end_grace_minutes": 30, "step_minutes": 10},
}
_LATE_KEYS = ("start_grace_minutes", "end_grace_minutes", "step_minutes")


def _late_escalation(value: str) -> dict[str, dict[str, int | None]]:
    """``LATE_ESCALATION``: JSON ``{kind: {start_grace_minutes, end_grace_minutes,
    step_minutes}}``; a kind or key left out keeps its default."""
    try:
        given = json.loads(value)
    except ValueError:
        raise ConfigError("LATE_ESCALATION must be JSON (docs/late-escalation.md)") from None
    if not isinstance(given, dict) or not all(isinstance(v, dict) for v in given.values()):
        raise ConfigError('LATE_ESCALATION must be {"<kind>": {"step_minutes": 10, ...}}')
    out = {kind: dict(window) for kind, window in LATE_ESCALATION_DEFAULTS.items()}
    for kind, window in given.items():
        if kind not in out:
            raise ConfigError(f"LATE_ESCALATION: unknown kind {kind!r} (pickup, babysitting)")
        unknown = set(window) - set(_LATE_KEYS)
        if unknown:
            raise ConfigError(f"LATE_ESCALATION: unknown keys {sorted(unknown)}")
        out[kind].update(window)
    return out


def normalize_database_url(url: str) -> str:
    """Accept libpq-style URLs and point SQLAlchemy at psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Japan's bounding box, generous enough for Okinotorishima to Hokkaido. It also keeps
# geography KNN away from the ±180° meridian, where PostGIS 3.3 misorders results.
JAPAN_BOUNDS = (20.0, 122.0, 46.0, 154.0)

# The Stripe SDK's own retries of a failed call (each with the same idempotency key).
STRIPE_NETWORK_RETRIES = 2

# Signs dashboard links when DASHBOARD_LINK_SECRET is unset (never in production): links
# then stop working when the process restarts, and one process's links fail on another.
_PROCESS_DASHBOARD_LINK_SECRET = secrets.token_urlsafe(32)
DASHBOARD_LINK_SECRET_MIN_LENGTH = 32
# Signs pickup passes and derives the pass and handover codes when PASS_SECRET is unset
# (never in production): passes and codes then change when the process restarts.
_PROCESS_PASS_SECRET = secrets.token_urlsafe(32)
PASS_SECRET_MIN_LENGTH = 32
METRICS_TOKEN_MIN_LENGTH = 24
# Keep in step with scripts/ensure-fonts.sh.
DEFAULT_REPORT_FONT = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
# Stripe retries a webhook event it could not deliver for up to 3 days (live mode).
STRIPE_RETRY_DAYS = 3


@dataclass(frozen=True)
class Settings:
    env: str = "production"
    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/otagai"
    # A streaming replica for the read-heavy paths that tolerate its lag (feed,
    # statistics, communities near a point); unset: everything reads the primary.
    database_replica_url: str | None = None
    # "pgbouncer" (transaction pooling) in front of PostgreSQL: no prepared statements and
    # no startup options (the database's own defaults, set by a migration, apply).
    database_pooler: str = "none"
    db_pool_size: int = 10
    db_max_overflow: int = 10
    # Seconds a request waits for a pooled connection before it answers 503.
    db_pool_timeout: float = 10.0
    # What pg_stat_activity shows for the app's connections (operators find, and the
    # fault test terminates, exactly these).
    database_application_name: str = "otagai"
    # Milliseconds; 0 turns one off. A statement running longer is cancelled (the
    # request answers 503); a transaction left idle longer is ended by the server (its
    # locks released) — see README, Operations.
    # The idle-in-transaction one must outlast the longest wait on Stripe inside a
    # request's transaction (a card thank-you locks its match, then calls Stripe):
    # check() refuses a shorter one.
    db_statement_timeout_ms: int = 5000
    db_idle_in_transaction_timeout_ms: int = 30000
    # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (0: none, and
    # the headers are ignored: anybody could send them).
    proxy_hops: int = 0
    firebase_project_id: str = "demo-otagai"
    firebase_auth_emulator_host: str | None = None
    google_application_credentials: str | None = None
    home_bounds: tuple[float, float, float, float] | None = JAPAN_BOUNDS
    max_content_length: int = 64 * 1024
    log_level: str = "INFO"
    idempotency_ttl_hours: int = 24
    # Retention (domain/retention): delivered outbox events, finished notifications and
    # processed Stripe webhook events are deleted after these many days; stored
    # idempotent answers after IDEMPOTENCY_TTL_HOURS. The worker's tick purges at most
    # retention_batch rows of each kind per pass, a pass every retention_interval_seconds.
    outbox_retention_days: int = 7
    notifications_retention_days: int = 30
    stripe_webhook_events_retention_days: int = 30
    retention_batch: int = 1000
    retention_interval_seconds: int = 600
    household_invite_ttl_hours: int = 48
    token_cache_size: int = 10_000
    seeds_dir: str | None = None
    # Card thank-yous through Stripe Connect: the key and both endpoint secrets, or none
    # (card then 503s). The account endpoint's secret verifies our own objects' events
    # (the destination charges' payment_intent.*), the Connect endpoint's the connected
    # accounts' events (account.updated); README, "Stripe webhooks".
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_connect_webhook_secret: str | None = None
    # Where the SDK sends API calls; tests and local development point it at a stand-in.
    stripe_api_base: str | None = None
    # Where Stripe's onboarding sends the supporter back (app links or web pages).
    stripe_connect_return_url: str | None = None
    stripe_connect_refresh_url: str | None = None
    # Seconds one Stripe HTTP call may take (connect and read) before it is given up;
    # the SDK retries twice, so a card call answers within stripe_worst_wait (16.5 s).
    stripe_timeout_seconds: float = 5.0
    # Where firebase-admin sends pushes instead of Google's FCM; tests and local
    # development point it at a stand-in. Unset: real FCM with credentials, else log only.
    fcm_api_base: str | None = None
    # Seconds one FCM HTTP call may take; firebase-admin retries a read timeout once,
    # and the push then comes back as "retry" (the worker backs off and sends it again).
    fcm_timeout_seconds: float = 10.0
    # A file the notification worker touches on every round (liveness; README, Operations).
    worker_heartbeat_file: str | None = None
    # Signs the links to municipal dashboard pages; required in production.
    dashboard_link_secret: str | None = None
    # Signs pickup passes (/pass/{token}) and derives their human codes and the handover
    # codes (nothing of them is stored); required in production.
    pass_secret: str | None = None
    # The public address the pass's link and QR code point at (https://otagai.example);
    # unset: the address the API was called at.
    public_base_url: str | None = None
    # The TrueType font (with Japanese glyphs) the activity report's PDF is drawn with;
    # scripts/ensure-fonts.sh installs Debian's fonts-ipaexfont-gothic there. Missing:
    # the PDF answers 503 `report_font_missing` (the JSON report still works).
    report_font: str = DEFAULT_REPORT_FONT
    # Rate limits (docs/rate-limits.md): counted in Redis when REDIS_URL is set (shared by
    # every worker and instance), else in each process's memory.
    redis_url: str | None = None
    # None: on, except under OTAGAI_ENV=test (the suite, its servers and the benchmarks
    # call from one address as thousands of users; tests/api/test_rate_limits.py turns
    # them on).
    ratelimit_enabled: bool | None = None
    # Prefixes every Redis key of the limits (several deployments, or test runs, can
    # share one Redis).
    ratelimit_key_prefix: str = "otagai-limits"
    # "<budget>.<user|ip>" -> limit ("30/hour", "20/hour,100/day") replacing a default.
    ratelimit_overrides: dict[str, str] = field(default_factory=dict)
    # GET /metrics answers only with "Authorization: Bearer <this>"; unset: always 404.
    metrics_token: str | None = None
    # LATE_ESCALATION (JSON; docs/late-escalation.md): when a missing check-in escalates.
    late_escalation: dict[str, dict[str, int | None]] = field(
        default_factory=lambda: {k: dict(v) for k, v in LATE_ESCALATION_DEFAULTS.items()}
    )
    # Fair fan-out (docs/fair-fan-out.md): a new request is pushed to at most this many of
    # its candidates, and nobody gets more than this many new-request pushes a Tokyo day.
    new_request_fanout: int = 10
    new_request_pushes_per_day: int = 5
    # SERIES_HORIZON_DAYS (docs/share-series.md): how far ahead the worker makes a
    # series' occurrences into share requests.
    series_horizon_days: int = 21
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def emulator_mode(self) -> bool:
        return bool(self.firebase_auth_emulator_host)

    @property
    def rate_limits_enabled(self) -> bool:
        if self.ratelimit_enabled is None:
            return self.env != "test"
        return self.ratelimit_enabled

    @property
    def stripe_worst_wait(self) -> float:
        """Seconds a Stripe that does not answer can hold a request: every attempt times
        out, and the SDK waits between them (at most 0.5 s, then 1 s)."""
        return (1 + STRIPE_NETWORK_RETRIES) * self.stripe_timeout_seconds + 1.5

    @property
    def card_payments_configured(self) -> bool:
        return bool(
            self.stripe_secret_key
            and self.stripe_webhook_secret
            and self.stripe_connect_webhook_secret
        )

    @property
    def dashboard_link_signing_secret(self) -> str:
        """DASHBOARD_LINK_SECRET, or outside production a secret of this process."""
        return self.dashboard_link_secret or _PROCESS_DASHBOARD_LINK_SECRET

    @property
    def pass_signing_secret(self) -> str:
        """PASS_SECRET, or outside production a secret of this process."""
        return self.pass_secret or _PROCESS_PASS_SECRET

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if "OTAGAI_ENV" in env:
            values["env"] = env["OTAGAI_ENV"]
        if "DATABASE_URL" in env:
            values["database_url"] = normalize_database_url(env["DATABASE_URL"])
        if env.get("DATABASE_REPLICA_URL"):
            values["database_replica_url"] = normalize_database_url(env["DATABASE_REPLICA_URL"])
        if env.get("DATABASE_POOLER"):
            values["database_pooler"] = env["DATABASE_POOLER"].strip().lower()
        for name in (
            "DB_POOL_SIZE",
            "DB_MAX_OVERFLOW",
            "PROXY_HOPS",
            "DB_STATEMENT_TIMEOUT_MS",
            "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS",
            "NEW_REQUEST_FANOUT",
            "NEW_REQUEST_PUSHES_PER_DAY",
        ):
            if env.get(name, "").strip():
                values[name.lower()] = int(env[name])
        for name in ("DB_POOL_TIMEOUT", "STRIPE_TIMEOUT_SECONDS", "FCM_TIMEOUT_SECONDS"):
            if env.get(name, "").strip():
                values[name.lower()] = float(env[name])
        if env.get("DATABASE_APPLICATION_NAME", "").strip():
            values["database_application_name"] = env["DATABASE_APPLICATION_NAME"].strip()
        values["worker_heartbeat_file"] = env.get("WORKER_HEARTBEAT_FILE") or None
        if "FIREBASE_PROJECT_ID" in env:
            values["firebase_project_id"] = env["FIREBASE_PROJECT_ID"]
        values["firebase_auth_emulator_host"] = env.get("FIREBASE_AUTH_EMULATOR_HOST") or None
        values["google_application_credentials"] = env.get("GOOGLE_APPLICATION_CREDENTIALS") or None
        if "HOME_BOUNDS" in env:
            values["home_bounds"] = _bounds(env["HOME_BOUNDS"])
        if "MAX_CONTENT_LENGTH" in env:
            values["max_content_length"] = int(env["MAX_CONTENT_LENGTH"])
        if "LOG_LEVEL" in env:
            values["log_level"] = env["LOG_LEVEL"].upper()
        if "IDEMPOTENCY_TTL_HOURS" in env:
            values["idempotency_ttl_hours"] = int(env["IDEMPOTENCY_TTL_HOURS"])
        for name in (
            "OUTBOX_RETENTION_DAYS",
            "NOTIFICATIONS_RETENTION_DAYS",
            "STRIPE_WEBHOOK_EVENTS_RETENTION_DAYS",
            "RETENTION_BATCH",
            "RETENTION_INTERVAL_SECONDS",
        ):
            if env.get(name, "").strip():
                values[name.lower()] = int(env[name])
        if "HOUSEHOLD_INVITE_TTL_HOURS" in env:
            values["household_invite_ttl_hours"] = int(env["HOUSEHOLD_INVITE_TTL_HOURS"])
        if "TOKEN_CACHE_SIZE" in env:
            values["token_cache_size"] = int(env["TOKEN_CACHE_SIZE"])
        if "SEEDS_DIR" in env:
            values["seeds_dir"] = env["SEEDS_DIR"]
        for name in (
            "STRIPE_SECRET_KEY",
            "STRIPE_WEBHOOK_SECRET",
            "STRIPE_CONNECT_WEBHOOK_SECRET",
            "STRIPE_API_BASE",
            "STRIPE_CONNECT_RETURN_URL",
            "STRIPE_CONNECT_REFRESH_URL",
        ):
            values[name.lower()] = env.get(name) or None
        values["fcm_api_base"] = env.get("FCM_API_BASE") or None
        values["dashboard_link_secret"] = env.get("DASHBOARD_LINK_SECRET") or None
        values["pass_secret"] = env.get("PASS_SECRET") or None
        values["public_base_url"] = (env.get("PUBLIC_BASE_URL") or "").strip().rstrip("/") or None
        values["report_font"] = (env.get("REPORT_FONT") or "").strip() or DEFAULT_REPORT_FONT
        values["redis_url"] = env.get("REDIS_URL") or None
        if env.get("RATELIMIT_ENABLED", "").strip():
            values["ratelimit_enabled"] = _bool(env["RATELIMIT_ENABLED"])
        if env.get("RATELIMIT_KEY_PREFIX", "").strip():
            values["ratelimit_key_prefix"] = env["RATELIMIT_KEY_PREFIX"].strip()
        if env.get("RATELIMIT_OVERRIDES", "").strip():
            values["ratelimit_overrides"] = _overrides(env["RATELIMIT_OVERRIDES"])
        values["metrics_token"] = env.get("METRICS_TOKEN") or None
        if env.get("LATE_ESCALATION", "").strip():
            values["late_escalation"] = _late_escalation(env["LATE_ESCALATION"])
        if env.get("SERIES_HORIZON_DAYS", "").strip():
            values["series_horizon_days"] = int(env["SERIES_HORIZON_DAYS"])
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"unknown settings: {sorted(unknown)}")
        settings = replace(cls(**values), **overrides)
        settings.check()
        return settings

    def check(self) -> None:
        if self.env not in {"production", "development", "test"}:
            raise ConfigError("OTAGAI_ENV must be production, development or test")
        if self.database_pooler not in {"none", "pgbouncer"}:
            raise ConfigError("DATABASE_POOLER must be none or pgbouncer")
        if self.db_pool_size < 1 or self.db_max_overflow < 0 or self.proxy_hops < 0:
            raise ConfigError(
                "DB_POOL_SIZE must be at least 1, DB_MAX_OVERFLOW and PROXY_HOPS 0 or more"
            )
        if (
            self.idempotency_ttl_hours < 1
            or self.outbox_retention_days < 1
            or self.notifications_retention_days < 1
            or self.retention_batch < 1
            or self.retention_interval_seconds < 1
        ):
            raise ConfigError(
                "IDEMPOTENCY_TTL_HOURS, OUTBOX_RETENTION_DAYS, NOTIFICATIONS_RETENTION_DAYS, "
                "RETENTION_BATCH and RETENTION_INTERVAL_SECONDS must be at least 1"
            )
        if self.new_request_fanout < 1 or self.new_request_pushes_per_day < 1:
            raise ConfigError(
                "NEW_REQUEST_FANOUT and NEW_REQUEST_PUSHES_PER_DAY must be at least 1"
            )
        if self.stripe_webhook_events_retention_days < STRIPE_RETRY_DAYS + 1:
            # Stripe retries an event for up to 3 days: a replay must still be recognized.
            raise ConfigError(
                f"STRIPE_WEBHOOK_EVENTS_RETENTION_DAYS must be at least {STRIPE_RETRY_DAYS + 1}"
            )
        if self.db_statement_timeout_ms < 0 or self.db_idle_in_transaction_timeout_ms < 0:
            raise ConfigError(
                "DB_STATEMENT_TIMEOUT_MS and DB_IDLE_IN_TRANSACTION_TIMEOUT_MS must be 0 or more"
            )
        if min(self.db_pool_timeout, self.stripe_timeout_seconds, self.fcm_timeout_seconds) <= 0:
            raise ConfigError(
                "DB_POOL_TIMEOUT, STRIPE_TIMEOUT_SECONDS and FCM_TIMEOUT_SECONDS must be positive"
            )
        idle = self.db_idle_in_transaction_timeout_ms / 1000
        if self.card_payments_configured and idle and idle <= self.stripe_worst_wait:
            # The server would end the request's transaction while it waits on Stripe:
            # a payment made, and its record lost.
            raise ConfigError(
                "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS must be longer than a Stripe call can "
                f"take with its retries ({self.stripe_worst_wait:g} s with "
                "STRIPE_TIMEOUT_SECONDS): raise it or lower STRIPE_TIMEOUT_SECONDS"
            )
        if self.env == "production" and self.emulator_mode:
            # An emulator token is unsigned: accepting one in production would let
            # anybody sign in as anybody.
            raise ConfigError(
                "FIREBASE_AUTH_EMULATOR_HOST is set while OTAGAI_ENV=production; "
                "refusing to accept unsigned emulator tokens in production"
            )
        if self.emulator_mode and not self.firebase_project_id.startswith("demo-"):
            raise ConfigError(
                "emulator mode needs a 'demo-' FIREBASE_PROJECT_ID so no real project "
                "can be reached by mistake"
            )
        stripe_parts = (
            self.stripe_secret_key,
            self.stripe_webhook_secret,
            self.stripe_connect_webhook_secret,
        )
        if any(stripe_parts) and not all(stripe_parts):
            # Half a configuration would take card payments whose outcome (the webhook)
            # could never be verified, or supporters whose payout readiness (the Connect
            # endpoint's account.updated) would never arrive.
            raise ConfigError(
                "set STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_CONNECT_WEBHOOK_SECRET, "
                "or none of them"
            )
        if self.metrics_token is not None and len(self.metrics_token) < METRICS_TOKEN_MIN_LENGTH:
            raise ConfigError(
                f"METRICS_TOKEN must have at least {METRICS_TOKEN_MIN_LENGTH} characters"
            )
        if self.env == "production" and not self.dashboard_link_secret:
            # A per-process secret would break links behind a load balancer and on restart.
            raise ConfigError("DASHBOARD_LINK_SECRET is required when OTAGAI_ENV=production")
        if (
            self.dashboard_link_secret
            and len(self.dashboard_link_secret) < DASHBOARD_LINK_SECRET_MIN_LENGTH
        ):
            raise ConfigError(
                f"DASHBOARD_LINK_SECRET must have at least {DASHBOARD_LINK_SECRET_MIN_LENGTH} "
                "characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        if self.env == "production" and not self.pass_secret:
            # A per-process secret would void every pass and handover code on a restart.
            raise ConfigError("PASS_SECRET is required when OTAGAI_ENV=production")
        if self.pass_secret and len(self.pass_secret) < PASS_SECRET_MIN_LENGTH:
            raise ConfigError(f"PASS_SECRET must have at least {PASS_SECRET_MIN_LENGTH} characters")
        for kind, window in self.late_escalation.items():
            for key in _LATE_KEYS:
                minutes = window.get(key)
                required = key == "step_minutes"
                if (minutes is None and required) or (
                    minutes is not None
                    and (isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1)
                ):
                    raise ConfigError(
                        f"LATE_ESCALATION: {kind}.{key} must be a whole number of minutes, "
                        "at least 1" + ("" if required else " (or null: not watched)")
                    )
        if self.public_base_url and not self.public_base_url.startswith(("https://", "http://")):
            raise ConfigError("PUBLIC_BASE_URL must be an http(s) URL, e.g. https://otagai.example")
