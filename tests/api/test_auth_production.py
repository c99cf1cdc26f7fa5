"""Production sign-in, offline: ID tokens must be RS256-signed by a key Google publishes.

Each test builds its own app without FIREBASE_AUTH_EMULATOR_HOST. Google's certificate
endpoint (the one firebase-admin fetches) is served by ``responses`` with a certificate of
a key generated here, so the real verification path of firebase-admin runs end to end.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Iterator
from typing import Any

import firebase_admin
import jwt
import pytest
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from firebase_admin._token_gen import ID_TOKEN_CERT_URI
from sqlalchemy import func, select

from otagai import create_app
from otagai.config import ConfigError, Settings
from otagai.domain.people.models import User
from otagai.extensions import auth, db
from otagai.extensions.auth import mint_emulator_token
from tests.factories import UserFactory
from tests.helpers import assert_problem

PROJECT = "otagai-prod-test"
ISSUER = f"https://securetoken.google.com/{PROJECT}"
KID = "test-key-1"
EMULATOR_ENV = "FIREBASE_AUTH_EMULATOR_HOST"


def _self_signed_pem(key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "securetoken.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def google_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def attacker_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def google_cert(google_key: rsa.RSAPrivateKey) -> str:
    return _self_signed_pem(google_key)


@pytest.fixture
def google_certs(google_cert: str) -> Iterator[responses.RequestsMock]:
    """Google's certificate endpoint, answering {kid: PEM} as the real one does."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(ID_TOKEN_CERT_URI, json={KID: google_cert})
        yield mock


def signed_token(key: rsa.RSAPrivateKey, uid: str, *, kid: str = KID, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": PROJECT,
        "sub": uid,
        "iat": now,
        "exp": now + 3600,
        "auth_time": now,
        "firebase": {"identities": {}, "sign_in_provider": "password"},
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def dispose(app: Any) -> None:
    """Free what create_app took that outlives the Flask app: its firebase-admin app
    (registered by name for the whole process) and its engine's pool."""
    firebase_admin.delete_app(app.extensions[auth.EXTENSION_KEY].firebase_app)
    app.extensions[db.EXTENSION_KEY].engine.dispose()


@pytest.fixture
def prod_app(app: Any, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[Any]:
    # `app` first: the session's emulator app must exist before the variable goes away.
    monkeypatch.delenv(EMULATOR_ENV)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    settings = Settings.from_env(
        database_url=database_url,
        env="production",
        dashboard_link_secret="d" * 32,
        pass_secret="p" * 32,
        firebase_project_id=PROJECT,
    )
    production = create_app(settings)
    yield production
    dispose(production)


@pytest.fixture
def prod_client(prod_app: Any, connection: Any) -> Any:
    """The production app's sessions join the test's transaction, as tests/conftest.py's
    `connection` fixture arranges for the session app."""
    prod_app.extensions[db.EXTENSION_KEY].session_options = {
        "bind": connection,
        "join_transaction_mode": "create_savepoint",
        "expire_on_commit": False,
    }
    return prod_app.test_client()


# --- the production verification path --------------------------------------------------


def test_get_me_with_google_signed_token_is_200(prod_client, google_certs, google_key):
    user = UserFactory()
    response = prod_client.get(
        "/v1/me", headers=bearer(signed_token(google_key, user.firebase_uid))
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["id"] == str(user.id)
    assert [call.request.url for call in google_certs.calls] == [ID_TOKEN_CERT_URI]


def test_get_me_with_signed_operator_claim_has_operator_role(prod_client, google_certs, google_key):
    user = UserFactory()
    token = signed_token(google_key, user.firebase_uid, operator=True)
    response = prod_client.get("/v1/me", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "operator" in response.get_json()["roles"]


def test_get_me_with_token_signed_by_other_key_is_401_token_invalid(
    prod_client, google_certs, attacker_key
):
    user = UserFactory()
    token = signed_token(attacker_key, user.firebase_uid)  # same kid, wrong key
    assert_problem(prod_client.get("/v1/me", headers=bearer(token)), 401, "token_invalid")


def test_get_me_with_unknown_kid_is_401_token_invalid(prod_client, google_certs, google_key):
    user = UserFactory()
    token = signed_token(google_key, user.firebase_uid, kid="retired-key")
    assert_problem(prod_client.get("/v1/me", headers=bearer(token)), 401, "token_invalid")


def test_get_me_with_expired_signed_token_is_401_token_expired(
    prod_client, google_certs, google_key
):
    user = UserFactory()
    two_hours_ago = int(time.time()) - 2 * 3600
    token = signed_token(
        google_key,
        user.firebase_uid,
        iat=two_hours_ago,
        auth_time=two_hours_ago,
        exp=two_hours_ago + 3600,
    )
    response = prod_client.get("/v1/me", headers=bearer(token))
    assert_problem(response, 401, "token_expired")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_get_me_with_unsigned_emulator_token_is_401_token_invalid(prod_client, google_certs):
    user = UserFactory()
    token = mint_emulator_token(user.firebase_uid, PROJECT)
    assert_problem(prod_client.get("/v1/me", headers=bearer(token)), 401, "token_invalid")


def test_get_me_with_signed_token_for_other_project_is_401_token_invalid(
    prod_client, google_certs, google_key
):
    user = UserFactory()
    token = signed_token(google_key, user.firebase_uid, aud="otagai-other", iss=ISSUER)
    assert_problem(prod_client.get("/v1/me", headers=bearer(token)), 401, "token_invalid")


def test_put_me_with_token_signed_by_other_key_creates_nothing(
    prod_client, google_certs, attacker_key, db
):
    response = prod_client.put(
        "/v1/me",
        json={"display_name": "なりすまし"},
        headers=bearer(signed_token(attacker_key, "forged-uid")),
    )
    assert_problem(response, 401, "token_invalid")
    assert (
        db.scalar(select(func.count()).select_from(User).where(User.firebase_uid == "forged-uid"))
        == 0
    )


def test_get_me_when_google_certificates_unavailable_is_503_verification_unavailable(
    prod_client, google_key
):
    user = UserFactory()
    with responses.RequestsMock() as mock:
        mock.get(ID_TOKEN_CERT_URI, status=503)
        response = prod_client.get(
            "/v1/me", headers=bearer(signed_token(google_key, user.firebase_uid))
        )
    assert_problem(response, 503, "token_verification_unavailable")
    assert response.headers["Retry-After"]


def test_get_me_with_unsigned_token_after_emulator_variable_appears_is_401(
    prod_client, google_certs, monkeypatch
):
    user = UserFactory()
    monkeypatch.setenv(EMULATOR_ENV, "127.0.0.1:9099")
    token = mint_emulator_token(user.firebase_uid, PROJECT)
    assert_problem(prod_client.get("/v1/me", headers=bearer(token)), 401, "token_invalid")


# --- refusing unsafe configurations ---------------------------------------------------


def test_settings_for_production_with_emulator_variable_raise_config_error(
    monkeypatch, database_url
):
    monkeypatch.setenv(EMULATOR_ENV, "127.0.0.1:9099")
    with pytest.raises(ConfigError, match="production"):
        Settings.from_env(database_url=database_url, env="production", firebase_project_id=PROJECT)


def test_settings_for_emulator_with_real_project_id_raise_config_error(monkeypatch, database_url):
    monkeypatch.setenv(EMULATOR_ENV, "127.0.0.1:9099")
    with pytest.raises(ConfigError, match="demo-"):
        Settings.from_env(database_url=database_url, env="development", firebase_project_id=PROJECT)


def test_create_app_for_production_with_emulator_host_raises_config_error(app, database_url):
    settings = Settings(
        env="production",
        database_url=database_url,
        firebase_project_id="demo-otagai",
        firebase_auth_emulator_host="127.0.0.1:9099",
    )
    built: list[Any] = []
    try:
        with pytest.raises(ConfigError):
            built.append(create_app(settings))
    finally:
        for unsafe in built:
            dispose(unsafe)


def test_create_app_repeatedly_after_earlier_apps_are_freed_succeeds(settings):
    firebase_apps = []
    try:
        # Twenty apps, each freed before the next: as telling as more (each one costs a
        # full garbage collection of the suite's heap).
        for _ in range(20):
            built = create_app(settings)
            firebase_apps.append(built.extensions[auth.EXTENSION_KEY].firebase_app)
            built.extensions[db.EXTENSION_KEY].engine.dispose()
            del built
            gc.collect()
    finally:
        for firebase_app in firebase_apps:
            firebase_admin.delete_app(firebase_app)
