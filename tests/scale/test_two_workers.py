"""The outbox worker scaled to two OS processes: ``flask --app otagai.wsgi notifications
work`` twice, in its loop, against one committed database and the local FCM stand-in.
Every push reaches FCM exactly once, nothing is left undelivered, and both processes did
some of the work (each logs what it claimed).

How they stop: SIGTERM, once the work is done; each finishes the round under way and
exits 0 (tests/faults/test_worker_faults.py checks that in detail)."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from otagai.domain.notifications.models import Notification
from otagai.domain.outbox import OutboxEvent
from tests import fcm_local
from tests.conftest import ROOT
from tests.fcm_local import LocalFcm
from tests.notification_world import offer_events, parents_with_offers
from tests.scale.processes import BIN, app_environment, stop_all

pytestmark = pytest.mark.slow

PEOPLE = 60
BATCH = 3  # rows per claim: many rounds, so that both workers get some
FCM_LATENCY = 0.02  # seconds per push, as FCM's own round trip: the workers overlap


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


def _start_worker(database: str, fcm: LocalFcm, log: Path) -> subprocess.Popen[bytes]:
    env = app_environment(DATABASE_URL=database, FCM_API_BASE=fcm.url)
    with open(log, "wb") as stderr:
        return subprocess.Popen(
            [str(BIN / "flask"), "--app", "otagai.wsgi", "notifications", "work",
             "--interval", "0.2", "--batch", str(BATCH)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip


def _claimed(log: Path) -> int:
    """Pushes this worker claimed, from its "notification round" log lines."""
    rounds = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return sum(r.get("claimed", 0) for r in rounds if r.get("msg") == "notification round")


def _wait(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)


def _undelivered(engine: Engine, people: list[uuid.UUID]) -> tuple[int, int]:
    """(outbox events not yet fanned out, their notifications not yet sent)."""
    with engine.connect() as conn:
        events = conn.scalar(
            select(func.count()).where(OutboxEvent.processed_at.is_(None))
        )  # fmt: skip
        sent = conn.scalar(
            select(func.count()).where(
                Notification.user_id.in_(people), Notification.status == "sent"
            )
        )
    return int(events or 0), PEOPLE - int(sent or 0)


def test_two_worker_processes_send_every_push_exactly_once(database, engine, fcm, tmp_path):
    offers = parents_with_offers(engine, PEOPLE, "scale")
    people = list(offers)
    logs = [tmp_path / "worker-0.log", tmp_path / "worker-1.log"]
    workers = [_start_worker(database, fcm, log) for log in logs]
    try:
        # Both in their loop (they say where they send) before there is anything to do.
        _wait(lambda: all("FCM: sending" in log.read_text() for log in logs), "workers up")
        assert all(w.poll() is None for w in workers), [log.read_text() for log in logs]
        offer_events(engine, offers)
        _wait(lambda: _undelivered(engine, people) == (0, 0), "every push sent")
        time.sleep(0.5)  # a round still going would show up as a second send below
    finally:
        stop_all(workers)
    sent = Counter(r.data["message_id"] for r in fcm.received if r.status == 200)
    assert len(sent) == PEOPLE and set(sent.values()) == {1}
    # Each parent's device was told of the offer on their own request.
    told = {r.token: (r.data.get("request_id"), r.data.get("offer_id")) for r in fcm.received}
    assert told == {f"scale-{p}": (str(r), str(o)) for p, (r, o) in offers.items()}
    claimed = [_claimed(log) for log in logs]
    assert sum(claimed) == PEOPLE
    assert min(claimed) > 0, claimed  # both did some of the work
