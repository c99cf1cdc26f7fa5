"""Workers side by side, for real: a database of this module's own, real commits, and two
notification workers running rounds at the same moment against the local FCM stand-in.
Every notification must reach FCM exactly once (no row sent by both, none lost)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from otagai.domain import outbox
from otagai.domain.notifications.models import Notification, NotificationSettings
from otagai.domain.outbox import OutboxEvent
from otagai.domain.people.models import Device
from otagai.worker import run_once
from tests import fcm_local
from tests.fcm_local import LocalFcm
from tests.races.world import Tally, arrange, committed_app

PEOPLE = 30
ATTEMPTS = range(3)


@pytest.fixture(scope="module")
def fcm() -> Iterator[LocalFcm]:
    stand_in, server = fcm_local.serve()
    yield stand_in
    server.shutdown()


@pytest.fixture(scope="module")
def app(fcm: LocalFcm) -> Iterator[Any]:
    with committed_app("otagai_notification_races", fcm_api_base=fcm.url) as app:
        yield app


def _people_with_pending_pushes(engine: Any, community_id: uuid.UUID) -> list[uuid.UUID]:
    """PEOPLE users with a device each and an offer.created event for each, committed;
    no quiet hours, so everything is due at once."""
    w = arrange(engine, community_id, parents=PEOPLE, supporters=0, offers=False)
    with Session(engine) as s:
        for user in w.parents:
            s.add(Device(token=f"race-{user.id}", user_id=user.id, platform="ios"))
            s.add(NotificationSettings(user_id=user.id, quiet_hours_enabled=False,
                                       quiet_start=time(22), quiet_end=time(7)))  # fmt: skip
            s.add(
                OutboxEvent(
                    id=uuid.uuid4(),
                    kind=outbox.OFFER_CREATED,
                    payload={"request_id": str(w.requests[0])},
                    recipients=[user.id],
                )
            )
        s.commit()
    return [user.id for user in w.parents]


def _worker(app: Any) -> Any:
    def rounds() -> int:
        with app.app_context():
            claimed = 0
            while True:
                done = run_once(datetime.now(UTC), batch=4)
                claimed += done.delivery.claimed
                if not done.busy:
                    return claimed

    return rounds


def test_two_workers_never_send_the_same_notification(app, engine, community_id, fcm):
    tally = Tally()
    shared = 0  # attempts where both workers delivered some: they really contended
    for _ in ATTEMPTS:
        fcm.reset()
        people = _people_with_pending_pushes(engine, community_id)
        claimed = tally.race(_worker(app), _worker(app))
        assert sum(claimed) == PEOPLE
        shared += all(claimed)
        sent = Counter(r.data["message_id"] for r in fcm.received)
        assert len(sent) == PEOPLE and set(sent.values()) == {1}
        with Session(engine) as s:
            statuses = s.execute(
                select(Notification.status, func.count())
                .where(Notification.user_id.in_(people))
                .group_by(Notification.status)
            ).all()
        assert statuses == [("sent", PEOPLE)]
    tally.check()
    assert shared > 0, "one worker delivered everything every time: no contention shown"
