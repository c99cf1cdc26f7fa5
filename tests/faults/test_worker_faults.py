"""The notification worker (``flask notifications work``, a real process) while its
database backends are terminated under it: it logs the failed rounds, backs off, keeps
delivering to the FCM stand-in, keeps its heartbeat file fresh, and on SIGTERM finishes
the round under way and exits 0."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from otagai.domain.notifications.models import Notification
from otagai.domain.outbox import OutboxEvent
from tests import fcm_local
from tests.conftest import ROOT
from tests.faults.conftest import Held, application_name, terminate, until_waiting
from tests.fcm_local import LocalFcm
from tests.notification_world import offer_events, parents_with_offers
from tests.scale.processes import BIN, app_environment

pytestmark = pytest.mark.slow

PEOPLE = 12  # parents, each told of one offer per wave
FCM_LATENCY = 0.5  # seconds per push: a SIGTERM can arrive while a batch is in flight
BATCH = 4
FAULTS = 3


@pytest.fixture(scope="module")
def fcm() -> Iterator[LocalFcm]:
    stand_in, server = fcm_local.serve(latency=FCM_LATENCY)
    yield stand_in
    server.shutdown()


@pytest.fixture(scope="module")
def engine(database: str) -> Iterator[Engine]:
    engine = create_engine(database)
    yield engine
    engine.dispose()


def _states(engine: Engine, events: list[str]) -> dict[str, int]:
    """Notifications of these events by state: sent, claimed (pending under a lease),
    waiting (pending, unclaimed); and events not yet fanned out."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Notification.status, Notification.claimed_until.is_not(None), func.count())
            .where(Notification.outbox_event_id.in_([uuid.UUID(e) for e in events]))
            .group_by(Notification.status, Notification.claimed_until.is_not(None))
        ).all()
        unfanned = conn.scalar(
            select(func.count()).where(
                OutboxEvent.id.in_([uuid.UUID(e) for e in events]),
                OutboxEvent.processed_at.is_(None),
            )
        )
    states = {"sent": 0, "claimed": 0, "waiting": 0, "unfanned": int(unfanned or 0)}
    for status, leased, count in rows:
        key = "sent" if status == "sent" else ("claimed" if leased else "waiting")
        if status in {"sent", "pending"}:
            states[key] += count
    return states


def _wait(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.05)


def _log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def test_worker_survives_terminated_backends_keeps_delivering_and_stops_on_sigterm(
    database, engine, fcm, tmp_path
):
    offers = parents_with_offers(engine, PEOPLE, "faults")
    direct = create_engine(database, isolation_level="AUTOCOMMIT")
    app_name = application_name()
    heartbeat, log = tmp_path / "worker.alive", tmp_path / "worker.log"
    env = app_environment(DATABASE_URL=database, FCM_API_BASE=fcm.url,
                          DATABASE_APPLICATION_NAME=app_name,
                          WORKER_HEARTBEAT_FILE=str(heartbeat))  # fmt: skip
    with open(log, "wb") as stderr:
        worker = subprocess.Popen(
            [str(BIN / "flask"), "--app", "otagai.wsgi", "notifications", "work",
             "--interval", "0.2", "--batch", str(BATCH)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    try:
        _wait(lambda: heartbeat.exists(), "first heartbeat")

        # Its backend dies while a round waits for the outbox, FAULTS times; and every
        # connection it has, idle ones too.
        killed = []
        for _ in range(FAULTS):
            held = Held(direct, "LOCK TABLE outbox_events IN ACCESS EXCLUSIVE MODE")
            try:
                until_waiting(direct, app_name)
                killed += terminate(direct, app_name, waiting=True)
            finally:
                held.release()
            killed += terminate(direct, app_name)
        assert len(killed) >= FAULTS

        def failed() -> int:
            return sum(r["msg"] == "notification round failed" for r in _log(log))

        _wait(lambda: failed() >= FAULTS, "each fault logged as a failed round", 10)
        assert worker.poll() is None, log.read_text()[-3000:]

        # Still delivering, every push of a wave.
        first = offer_events(engine, offers)
        _wait(lambda: _states(engine, first)["sent"] == PEOPLE, "the first wave sent")
        touched = heartbeat.stat().st_mtime
        assert time.time() - touched < 2.0
        _wait(lambda: heartbeat.stat().st_mtime > touched, "the heartbeat moving on", 5)

        # SIGTERM while a batch is out at FCM: that round finishes, then the process ends.
        second = offer_events(engine, offers)
        _wait(lambda: _states(engine, second)["claimed"] > 0, "a batch claimed")
        worker.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        assert worker.wait(timeout=10) == 0, log.read_text()[-3000:]
        took = time.monotonic() - stopped_at
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        direct.dispose()
    states = _states(engine, second)
    # Nothing left claimed and unsent: the batch in flight was settled before exiting.
    assert states["claimed"] == 0 and states["sent"] >= 1, states
    assert states["sent"] < PEOPLE, states  # it stopped early, not after all the work
    assert took < 10
    messages = [r["msg"] for r in _log(log)]
    assert "stopping after this round" in messages and messages[-1] == "notification worker stopped"
    with engine.connect() as conn:  # no backend of the worker is left behind
        left = conn.scalar(text("SELECT count(*) FROM pg_stat_activity "
                                "WHERE application_name = :n"), {"n": app_name})  # fmt: skip
    assert left == 0
