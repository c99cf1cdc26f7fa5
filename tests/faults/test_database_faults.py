"""Database faults as the app sees them, one at a time and on purpose: a statement that
waits past statement_timeout, a backend terminated under a read (retried once, unseen)
and under a write (503, nothing written), connections that died while idle in the pool
(pre-ping), and the timeouts as the server applies them."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from otagai.extensions.db import EXTENSION_KEY
from tests.faults.conftest import Held, application_name, terminate, until_waiting
from tests.helpers import ApiClient, assert_problem
from tests.scale.apps import app_on, unhandled

pytestmark = pytest.mark.slow

STATEMENT_TIMEOUT_MS = 400
HOME = {"lat": 35.8587, "lng": 139.6571}


@pytest.fixture(scope="module")
def app_name() -> str:
    return application_name()


@pytest.fixture(scope="module")
def app(database: str, app_name: str) -> Iterator[Flask]:
    """The app with its default timeouts (5 s statements)."""
    with app_on(database, database_application_name=app_name) as app:
        yield app


@pytest.fixture(scope="module")
def impatient(database: str, app_name: str) -> Iterator[Flask]:
    """The same app with a statement_timeout short enough to wait out in a test."""
    with app_on(
        database, database_application_name=app_name, db_statement_timeout_ms=STATEMENT_TIMEOUT_MS
    ) as app:
        yield app


def _member(app: Flask) -> ApiClient:
    api = ApiClient(app.test_client(), f"faults-{uuid.uuid4().hex[:12]}", "demo-otagai")
    created = api.put("/v1/me", json={"display_name": "佐藤 美香", "home": HOME})
    assert created.status_code == 201, created.get_data(as_text=True)
    return api


@pytest.fixture
def member(app: Flask) -> ApiClient:
    return _member(app)


@pytest.fixture
def hurried(impatient: Flask) -> ApiClient:
    return _member(impatient)


def _in_thread(call: Any) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(call()))
    thread.start()
    return thread, out


def test_connections_carry_the_configured_timeouts_and_application_name(impatient, app_name):
    engine = impatient.extensions[EXTENSION_KEY].engine
    with engine.connect() as conn:
        shown = [
            conn.scalar(text(f"SHOW {name}"))
            for name in ("statement_timeout", "idle_in_transaction_session_timeout")
        ]
        named = conn.scalar(text("SELECT application_name FROM pg_stat_activity "
                                 "WHERE pid = pg_backend_pid()"))  # fmt: skip
    assert shown == [f"{STATEMENT_TIMEOUT_MS}ms", "30s"]
    assert named == app_name


def test_read_waiting_past_statement_timeout_answers_503_then_recovers(hurried, direct, caplog):
    held = Held(direct, "LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
    try:
        started = time.monotonic()
        response = hurried.get("/v1/me")
        took = time.monotonic() - started
    finally:
        held.release()
    body = assert_problem(response, 503, "database_unavailable")
    assert response.headers["Retry-After"] == "1"
    assert body["request_id"]
    # Cancelled at the timeout, not retried (the statement would only wait again).
    assert STATEMENT_TIMEOUT_MS / 1000 <= took < 2.0, took
    assert not unhandled(caplog)
    assert hurried.get("/v1/me").status_code == 200


def test_write_waiting_past_statement_timeout_answers_503_and_changes_nothing(
    hurried, direct, caplog
):
    user_id = hurried.get("/v1/me").get_json()["id"]
    held = Held(direct, "SELECT 1 FROM users WHERE id = :id FOR UPDATE", id=user_id)
    try:
        response = hurried.put("/v1/me", json={"display_name": "高橋 和子", "home": HOME})
    finally:
        held.release()
    assert_problem(response, 503, "database_unavailable")
    assert response.headers["Retry-After"] == "1"
    assert not unhandled(caplog)
    assert hurried.get("/v1/me").get_json()["display_name"] == "佐藤 美香"
    renamed = hurried.put("/v1/me", json={"display_name": "高橋 和子", "home": HOME})
    assert renamed.status_code == 200


def test_read_whose_backend_is_terminated_mid_query_is_retried_and_answers(
    member, direct, app_name, caplog
):
    """The request's backend dies while its SELECT waits for a lock; the retry runs on a
    new connection once the lock is gone, and the caller sees only the answer."""
    held: Held | None = Held(direct, "LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
    try:
        thread, out = _in_thread(lambda: member.get("/v1/me"))
        until_waiting(direct, app_name)
        killed = terminate(direct, app_name, waiting=True)
        held.release()
        held = None
        thread.join(timeout=10)
    finally:
        if held is not None:
            held.release()
    assert len(killed) == 1
    (response,) = out
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["display_name"] == "佐藤 美香"
    assert not unhandled(caplog)
    assert any("retrying it once" in r.getMessage() for r in caplog.records)


def test_write_whose_backend_is_terminated_mid_query_answers_503_and_changes_nothing(
    member, direct, app_name, caplog
):
    user_id = member.get("/v1/me").get_json()["id"]
    held = Held(direct, "SELECT 1 FROM users WHERE id = :id FOR UPDATE", id=user_id)
    try:
        renaming = {"display_name": "鈴木", "home": HOME}
        thread, out = _in_thread(lambda: member.put("/v1/me", json=renaming))
        until_waiting(direct, app_name)
        killed = terminate(direct, app_name, waiting=True)
        thread.join(timeout=10)
    finally:
        held.release()
    assert len(killed) == 1
    (response,) = out
    assert_problem(response, 503, "database_unavailable")
    assert response.headers["Retry-After"] == "1"
    assert not unhandled(caplog)
    assert not any("retrying it once" in r.getMessage() for r in caplog.records)
    assert member.get("/v1/me").get_json()["display_name"] == "佐藤 美香"


def test_connections_terminated_while_idle_in_the_pool_are_replaced_unseen(
    app, member, direct, app_name, caplog
):
    member.get("/v1/me")
    pool = app.extensions[EXTENSION_KEY].engine.pool
    assert pool.checkedin() >= 1
    assert terminate(direct, app_name)
    time.sleep(0.2)  # the server has closed them
    answers = [member.get("/v1/me").status_code for _ in range(pool.checkedin() + 1)]
    assert answers == [200] * len(answers)
    assert not unhandled(caplog)
    assert not any("retrying it once" in r.getMessage() for r in caplog.records)


def test_a_write_on_a_server_turned_read_only_answers_503_and_the_pool_is_replaced(
    database, direct, caplog
):
    """A failover as the app meets it: its connections now reach a server that refuses
    writes (here the database made read-only by default, and the old connections cut)."""
    name = direct.url.database
    with app_on(database, database_application_name=application_name()) as app:
        api = _member(app)
        state = app.extensions[EXTENSION_KEY]
        with direct.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
        try:
            state.dispose()  # the next connections are opened on the "standby"
            pool_before = state.engine.pool
            response = api.put("/v1/me", json={"display_name": "高橋", "home": HOME})
            assert_problem(response, 503, "database_unavailable")
            assert response.headers["Retry-After"] == "1"
            assert state.engine.pool is not pool_before  # every connection dropped
            assert any("ReadOnlySqlTransaction" in r.getMessage() for r in caplog.records)
            assert api.get("/v1/me").status_code == 200  # reads still answer
        finally:
            with direct.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
        state.dispose()  # "promoted": new connections write again
        assert api.put("/v1/me", json={"display_name": "高橋", "home": HOME}).status_code == 200
        assert api.get("/v1/me").get_json()["display_name"] == "高橋"
        assert not unhandled(caplog)


def test_no_free_pooled_connection_in_time_answers_503(database, caplog):
    with app_on(database, database_application_name=application_name(), db_pool_size=1,
                db_max_overflow=0, db_pool_timeout=0.3) as app:  # fmt: skip
        api = _member(app)
        engine = app.extensions[EXTENSION_KEY].engine
        with engine.connect():  # the pool's only connection, busy elsewhere
            response, took = _timed(lambda: api.get("/v1/me"))
        assert_problem(response, 503, "database_unavailable")
        assert response.headers["Retry-After"] == "1"
        assert 0.3 <= took < 2.0
        assert api.get("/v1/me").status_code == 200
        assert not unhandled(caplog)


def _timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started
