"""Firebase sign-in: ID tokens are verified by firebase-admin's own verifier.

Emulator mode (``FIREBASE_AUTH_EMULATOR_HOST`` set, development and tests) accepts the
unsigned tokens the Auth emulator issues; otherwise tokens must be signed by Google.
firebase-admin skips the expiry check in emulator mode, so it is checked here as well:
development must fail the way production fails.

Operators are Firebase users with the custom claim ``operator: true``, set and cleared
with ``flask operators grant|revoke`` through firebase-admin's user management (the
emulator's in development and tests, Google's with a service account in production).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import firebase_admin
import google.auth.credentials
from firebase_admin import auth as firebase_auth
from firebase_admin import credentials
from firebase_admin import exceptions as firebase_exceptions
from flask import Flask, current_app, g, request

from otagai.config import ConfigError, Settings
from otagai.domain.actors import Actor
from otagai.errors import ServiceUnavailable, Unauthorized

EXTENSION_KEY = "otagai.auth"
EMULATOR_ENV = "FIREBASE_AUTH_EMULATOR_HOST"
CLOCK_SKEW_SECONDS = 5
# The custom claim that makes a Firebase user platform staff (Actor.is_operator reads it).
OPERATOR_CLAIM = "operator"


class AccountAdminError(Exception):
    """Firebase user management failed: unknown user, no credentials, Firebase unreachable.
    The message is meant for the person at the shell."""


@dataclass(frozen=True)
class FirebaseUser:
    uid: str
    email: str | None
    custom_claims: dict[str, Any] = field(default_factory=dict)

    @property
    def is_operator(self) -> bool:
        return self.custom_claims.get(OPERATOR_CLAIM) is True

    @classmethod
    def of(cls, record: Any) -> FirebaseUser:
        claims = dict(record.custom_claims or {})
        return cls(uid=record.uid, email=record.email, custom_claims=claims)


class _AnonymousCredential(credentials.Base):
    """Verifying ID tokens needs only Google's public certificates, no service account."""

    def get_credential(self) -> google.auth.credentials.Credentials:
        return google.auth.credentials.AnonymousCredentials()


class _TokenCache:
    """Verified claims by token digest until the token expires: a token is verified once,
    not on every request. Failures are never cached."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[bytes, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes, now: float) -> dict[str, Any] | None:
        with self._lock:
            claims = self._items.get(key)
            if claims is None:
                return None
            if claims.get("exp", 0) <= now:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return claims

    def put(self, key: bytes, claims: dict[str, Any]) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = claims
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class AuthState:
    def __init__(self, settings: Settings, flask_app: Flask) -> None:
        if settings.emulator_mode != bool(os.environ.get(EMULATOR_ENV)):
            # firebase-admin reads the variable from the process environment, so a value
            # passed any other way would be silently ignored.
            raise ConfigError(f"{EMULATOR_ENV} must be set in the process environment")
        credential: credentials.Base = (
            credentials.ApplicationDefault()
            if settings.google_application_credentials
            else _AnonymousCredential()
        )
        self.firebase_app = firebase_admin.initialize_app(
            credential,
            # httpTimeout bounds every call of this app: FCM sends, and admin calls.
            options={
                "projectId": settings.firebase_project_id,
                "httpTimeout": settings.fcm_timeout_seconds,
            },
            # Unique per app: id() of a collected app can be reused by a new one.
            name=f"otagai-{uuid.uuid4().hex}",
        )
        # firebase-admin still re-reads the emulator variable on every call: see verify().
        self.client = firebase_auth.Client(self.firebase_app)
        self.emulator_mode = settings.emulator_mode
        # Changing users needs the emulator or a service account; verifying tokens does not.
        self.can_manage_users = settings.emulator_mode or bool(
            settings.google_application_credentials
        )
        self.cache = _TokenCache(settings.token_cache_size)

    def verify(self, token: str) -> dict[str, Any]:
        if bool(os.environ.get(EMULATOR_ENV)) != self.emulator_mode:
            # firebase-admin consults the variable on every call: a production process
            # whose environment gained it would start accepting unsigned tokens.
            raise Unauthorized("token_invalid")
        now = time.time()
        key = hashlib.sha256(token.encode()).digest()
        cached = self.cache.get(key, now)
        if cached is not None:
            return cached
        try:
            claims: dict[str, Any] = self.client.verify_id_token(
                token, clock_skew_seconds=CLOCK_SKEW_SECONDS
            )
        except firebase_auth.ExpiredIdTokenError as exc:
            raise Unauthorized("token_expired") from exc
        except firebase_auth.CertificateFetchError as exc:
            # Our outage, not the caller's fault: a 401 would make the app sign them out.
            raise ServiceUnavailable("token_verification_unavailable") from exc
        except (firebase_auth.InvalidIdTokenError, ValueError) as exc:
            raise Unauthorized("token_invalid") from exc
        try:
            expires = float(claims["exp"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Unauthorized("token_invalid") from exc
        if expires + CLOCK_SKEW_SECONDS <= now:
            raise Unauthorized("token_expired")
        self.cache.put(key, claims)
        return claims

    # User management, for the admin CLI ------------------------------------------------

    def _managing(self) -> None:
        if not self.can_manage_users:
            raise AccountAdminError(
                "managing Firebase users needs a service account: set "
                "GOOGLE_APPLICATION_CREDENTIALS (or FIREBASE_AUTH_EMULATOR_HOST for the emulator)"
            )
        if bool(os.environ.get(EMULATOR_ENV)) != self.emulator_mode:
            raise AccountAdminError(f"{EMULATOR_ENV} changed since the app started")

    def find_user(self, uid_or_email: str) -> FirebaseUser:
        """The Firebase user with this uid, or this email when it contains an @."""
        self._managing()
        try:
            if "@" in uid_or_email:
                record = self.client.get_user_by_email(uid_or_email)
            else:
                record = self.client.get_user(uid_or_email)
        except firebase_auth.UserNotFoundError as exc:
            raise AccountAdminError(f"no Firebase user {uid_or_email!r}") from exc
        except (firebase_exceptions.FirebaseError, ValueError) as exc:
            raise AccountAdminError(f"Firebase: {exc}") from exc
        return FirebaseUser.of(record)

    def set_operator(self, user: FirebaseUser, operator: bool) -> FirebaseUser:
        """Set or clear the operator claim, keeping the user's other custom claims.

        Tokens already issued keep the claims they were minted with until they expire
        (an hour at most); the next token, after a refresh or sign-in, has the new ones.
        """
        self._managing()
        claims = dict(user.custom_claims)
        if operator:
            claims[OPERATOR_CLAIM] = True
        else:
            claims.pop(OPERATOR_CLAIM, None)
        try:
            self.client.set_custom_user_claims(user.uid, claims or None)
        except firebase_auth.UserNotFoundError as exc:
            raise AccountAdminError(f"no Firebase user {user.uid!r}") from exc
        except (firebase_exceptions.FirebaseError, ValueError) as exc:
            raise AccountAdminError(f"Firebase: {exc}") from exc
        return FirebaseUser(uid=user.uid, email=user.email, custom_claims=claims)

    def operators(self) -> Iterator[FirebaseUser]:
        """Every Firebase user of the project with the operator claim (pages through all)."""
        self._managing()
        try:
            for record in self.client.list_users().iterate_all():
                user = FirebaseUser.of(record)
                if user.is_operator:
                    yield user
        except (firebase_exceptions.FirebaseError, ValueError) as exc:
            raise AccountAdminError(f"Firebase: {exc}") from exc


def init_app(app: Flask, settings: Settings) -> AuthState:
    state = AuthState(settings, app)
    app.extensions[EXTENSION_KEY] = state
    return state


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized("token_missing")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("token_invalid")
    return token.strip()


def authenticate_request() -> None:
    """before_request hook of every non-public blueprint."""
    if request.method == "OPTIONS":
        return
    from otagai.domain.people.queries import user_by_firebase_uid

    state: AuthState = current_app.extensions[EXTENSION_KEY]
    claims = state.verify(_bearer_token())
    uid = str(claims.get("uid") or claims.get("sub"))
    g.actor = Actor(uid=uid, claims=claims, user=user_by_firebase_uid(uid))


def current_actor() -> Actor:
    actor: Actor | None = g.get("actor")
    if actor is None:  # a view of a public blueprint asked for a caller
        raise Unauthorized("token_missing")
    return actor


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mint_emulator_token(
    uid: str,
    project_id: str,
    *,
    operator: bool = False,
    expires_in: int = 3600,
    issued_at: float | None = None,
    **extra_claims: Any,
) -> str:
    """An ID token as the Firebase Auth emulator issues it (unsigned, ``alg: none``).

    Only emulator mode accepts these; production rejects them as unsigned.
    """
    iat = int(issued_at if issued_at is not None else time.time())
    claims: dict[str, Any] = {
        "iss": f"https://securetoken.google.com/{project_id}",
        "aud": project_id,
        "sub": uid,
        "user_id": uid,
        "iat": iat,
        "auth_time": iat,
        "exp": iat + expires_in,
        "firebase": {"identities": {}, "sign_in_provider": "custom"},
    }
    if operator:
        claims[OPERATOR_CLAIM] = True
    claims.update(extra_claims)
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
