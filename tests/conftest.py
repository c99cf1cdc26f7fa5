"""Test harness: a real PostGIS database per run, a rolled-back transaction per test.

The database is created on the server DATABASE_URL points at (``make test`` provides
one), built with ``alembic upgrade head``, and dropped after the run. Each test runs inside
an outer transaction that sessions join with savepoints, so code under test may commit
and everything still rolls back (SQLAlchemy's "joining a session into an external
transaction" recipe).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError

# Tests run in emulator mode unless a test says otherwise (see test_auth_production.py).
os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9099"
os.environ["FIREBASE_PROJECT_ID"] = "demo-otagai"
os.environ["OTAGAI_ENV"] = "test"

from otagai import create_app
from otagai.config import Settings, normalize_database_url
from otagai.extensions.db import EXTENSION_KEY
from tests import factories, stripe_local
from tests.clock import clock  # noqa: F401  (a fixture for every test)
from tests.helpers import ApiClient
from tests.stripe_local import LocalStripe

ROOT = Path(__file__).resolve().parents[1]


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        pytest.exit("DATABASE_URL is not set: run the suite with `make test`", returncode=2)
    return normalize_database_url(url)


def create_database(prefix: str) -> tuple[str, Engine]:
    """A fresh, empty database on the test server; returns its URL and an admin engine."""
    server = make_url(_server_url())
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return server.set(database=name).render_as_string(hide_password=False), admin


def drop_database(url: str, admin: Engine) -> None:
    name = make_url(url).database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrate(url: str, revision: str = "head", *, down: bool = False) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    engine = create_engine(url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)
    engine.dispose()


@contextmanager
def temporary_database(prefix: str, *, migrated: bool = False) -> Iterator[str]:
    """A database of its own for the block (at ``upgrade head`` if asked), then dropped."""
    url, admin = create_database(prefix)
    try:
        if migrated:
            migrate(url)
        yield url
    finally:
        drop_database(url, admin)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with temporary_database("otagai_test", migrated=True) as url:
        yield url


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[LocalStripe]:
    """The local Stripe stand-in the app's SDK calls (see tests/stripe_local.py)."""
    stand_in, server = stripe_local.serve()
    yield stand_in
    server.shutdown()


@pytest.fixture
def stripe_api(stripe_server: LocalStripe) -> LocalStripe:
    """The stand-in, emptied for this test."""
    stripe_server.reset()
    return stripe_server


@pytest.fixture(scope="session")
def settings(database_url: str, stripe_server: LocalStripe, fcm_server: Any) -> Settings:
    return Settings.from_env(
        database_url=database_url,
        env="test",
        stripe_secret_key=stripe_local.SECRET_KEY,
        stripe_webhook_secret=stripe_local.WEBHOOK_SECRET,
        stripe_connect_webhook_secret=stripe_local.CONNECT_WEBHOOK_SECRET,
        stripe_api_base=stripe_server.url,
        fcm_api_base=fcm_server.url,
        # The suite calls from one address as thousands of users: real limits would make
        # it flaky. tests/api/test_rate_limits.py turns them on, against the real Redis.
        ratelimit_enabled=False,
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Any:
    return create_app(settings)


@pytest.fixture(scope="session")
def app_without_stripe(settings: Settings) -> Any:
    """The service as deployed without Stripe secrets: card thank-yous are off."""
    return create_app(
        replace(
            settings,
            stripe_secret_key=None,
            stripe_webhook_secret=None,
            stripe_connect_webhook_secret=None,
            stripe_api_base=None,
        )
    )


@pytest.fixture(scope="session")
def engine(app: Any) -> Engine:
    return app.extensions[EXTENSION_KEY].engine


@contextmanager
def bound_to(app: Any, conn: Connection) -> Iterator[None]:
    """The app's sessions join ``conn``'s transaction with savepoints for the block."""
    state = app.extensions[EXTENSION_KEY]
    saved = state.session_options
    state.session_options = {
        "bind": conn,
        "join_transaction_mode": "create_savepoint",
        "expire_on_commit": False,
    }
    try:
        yield
    finally:
        state.session_options = saved


@pytest.fixture
def connection(app: Any, engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    factories.TestSession.configure(bind=conn, join_transaction_mode="create_savepoint")
    try:
        with bound_to(app, conn):
            yield conn
    finally:
        try:
            factories.TestSession.remove()
        except DBAPIError:
            # A service session of the same test rolled back to an earlier savepoint,
            # taking this session's with it; the outer rollback below undoes it all.
            factories.TestSession.registry.clear()
        outer.rollback()
        conn.close()


@pytest.fixture
def db(connection: Connection) -> Any:
    """A session on the test's transaction, for arranging data and checking the result."""
    return factories.TestSession()


@pytest.fixture
def client(app: Any, connection: Connection) -> Any:
    return app.test_client()


@pytest.fixture
def client_as(app: Any, client: Any, settings: Settings) -> Any:
    """``client_as(user)`` or ``client_as("uid", operator=True)``: a test client whose
    requests carry a real emulator ID token, minted the way ``flask dev-token`` does."""

    return _clients_of(client, settings)


def _clients_of(test_client: Any, settings: Settings) -> Any:
    def make(user_or_uid: Any, **claims: Any) -> ApiClient:
        uid = user_or_uid if isinstance(user_or_uid, str) else user_or_uid.firebase_uid
        return ApiClient(test_client, uid, settings.firebase_project_id, **claims)

    return make


@pytest.fixture
def client_without_stripe(
    app_without_stripe: Any, connection: Connection, settings: Settings
) -> Any:
    """``client_without_stripe(user)``: like ``client_as``, on the app without Stripe."""
    with bound_to(app_without_stripe, connection):
        yield _clients_of(app_without_stripe.test_client(), settings)


@pytest.fixture
def app_context(app: Any, connection: Connection) -> Iterator[None]:
    """For service-level tests: services use the session of the current app context."""
    with app.app_context():
        yield


@pytest.fixture
def forget_rate_limit_hits(engine: Engine) -> Iterator[None]:
    """Failed code redemptions are counted outside the request's transaction, so they are
    committed for real: remove them after the test."""
    from otagai.domain.trust.models import RateLimitHit

    yield
    with engine.begin() as conn:
        conn.execute(delete(RateLimitHit).where(RateLimitHit.bucket.like("connection-redeem:%")))


@pytest.fixture(scope="session")
def fcm_server() -> Iterator[Any]:
    """The local FCM stand-in the app's firebase-admin sends pushes to (tests/fcm_local.py)."""
    from tests import fcm_local

    stand_in, server = fcm_local.serve()
    yield stand_in
    server.shutdown()


@pytest.fixture
def fcm_api(fcm_server: Any) -> Any:
    """The FCM stand-in, emptied for this test."""
    fcm_server.reset()
    return fcm_server


@pytest.fixture(scope="session")
def node_tools() -> Path:
    """tools/node, installed by the project's bootstrap (scripts/ensure-node-tools.sh).
    Skips with the reason where it cannot be installed, except under CI=true, which must
    have it."""
    from tests import firebase_local

    try:
        return firebase_local.node_tools()
    except firebase_local.EmulatorUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs the Node tools (scripts/ensure-node-tools.sh): {exc}")
        pytest.skip(reason=f"no Node tools (scripts/ensure-node-tools.sh): {exc}")


@pytest.fixture(scope="session")
def auth_emulator(node_tools: Path) -> Iterator[Any]:
    """The real Firebase Auth emulator on free ports (tests/firebase_local.py), for the
    session."""
    from tests import firebase_local

    with firebase_local.auth_emulator(node_tools, os.environ["FIREBASE_PROJECT_ID"]) as emulator:
        yield emulator


@pytest.fixture
def production_app(app: Any, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[Any]:
    """The app as production runs it (no emulator, no service account), on the test
    database: what the CLI commands that need real Firebase do there."""
    import firebase_admin

    from otagai.extensions import auth

    # `app` first: the session's emulator app must exist before the variable goes away.
    monkeypatch.delenv(auth.EMULATOR_ENV)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    settings = Settings.from_env(
        database_url=database_url,
        env="production",
        dashboard_link_secret="d" * 32,
        pass_secret="p" * 32,
        firebase_project_id="otagai-prod-test",
    )
    production = create_app(settings)
    yield production
    firebase_admin.delete_app(production.extensions[auth.EXTENSION_KEY].firebase_app)
    production.extensions[EXTENSION_KEY].engine.dispose()
