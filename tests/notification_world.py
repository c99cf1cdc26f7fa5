"""Parents waiting to be told of an offer, and the outbox events that tell them: the
world of the tests that run the notification worker as a real process
(tests/scale/test_two_workers.py, tests/faults/test_worker_faults.py)."""

from __future__ import annotations

import uuid
from datetime import time as clock

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from otagai.domain import outbox
from otagai.domain.notifications.models import NotificationSettings
from otagai.domain.outbox import OutboxEvent
from otagai.domain.people.models import Device
from tests.races.world import arrange, make_community

Offers = dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]]


def parents_with_offers(engine: Engine, people: int, token_prefix: str) -> Offers:
    """``people`` parents with a device each and no quiet hours (everything due at once),
    each with an open request and a pending offer on it: {parent: (request, offer)}."""
    world = arrange(engine, make_community(engine), parents=people, supporters=1)
    with Session(engine) as s:
        for user in world.parents:
            s.add(Device(token=f"{token_prefix}-{user.id}", user_id=user.id, platform="android"))
            s.add(NotificationSettings(user_id=user.id, quiet_hours_enabled=False,
                                       quiet_start=clock(22), quiet_end=clock(7)))  # fmt: skip
        s.commit()
    [supporter] = world.supporters
    return {
        parent.id: (request_id, world.offers[(request_id, supporter.id)])
        for parent, request_id in zip(world.parents, world.requests, strict=True)
    }


def offer_events(engine: Engine, offers: Offers) -> list[str]:
    """ "A new offer on your request" for each parent, committed at once, as making an
    offer writes them (domain/sharing/offers.py); the events' ids."""
    ids = []
    with Session(engine) as s, s.begin():
        for parent_id, (request_id, offer_id) in offers.items():
            event_id = uuid.uuid4()
            payload = {"offer_id": str(offer_id), "request_id": str(request_id)}
            s.add(OutboxEvent(id=event_id, kind=outbox.OFFER_CREATED, payload=payload,
                              recipients=[parent_id]))  # fmt: skip
            ids.append(str(event_id))
    return ids
