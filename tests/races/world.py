"""Fresh, committed people for the race tests (which need real commits, not the rolled-
back transaction of the other tests): a community, parents with open pickups, and
supporters connected to them with pending offers."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import firebase_admin
from flask import Flask
from sqlalchemy.orm import Session

from otagai import create_app
from otagai.config import Settings
from otagai.domain.communities.models import Community, CommunityMember, Municipality
from otagai.domain.people.models import Household, User
from otagai.domain.requests.models import Offer, ShareRequest
from otagai.domain.trust.models import Connection
from otagai.extensions.db import EXTENSION_KEY
from tests.conftest import temporary_database
from tests.factories import SAITAMA_BOX, URAWA, URAWA_BOX
from tests.helpers import Span, overlapped, together


@contextmanager
def committed_app(prefix: str, **settings: Any) -> Iterator[Flask]:
    """An app on a migrated database of its own, where commits are real (no rolled-back
    test transaction); the database is dropped afterwards."""
    with temporary_database(prefix, migrated=True) as url:
        app = create_app(Settings.from_env(database_url=url, env="test", **settings))
        try:
            yield app
        finally:
            app.extensions[EXTENSION_KEY].engine.dispose()
            firebase_admin.delete_app(app.extensions["otagai.auth"].firebase_app)


def make_community(engine: Any) -> uuid.UUID:
    with Session(engine) as s:
        s.add(Municipality(code="111007", name_ja="さいたま市", name_en="Saitama",
                           boundary=SAITAMA_BOX))  # fmt: skip
        s.flush()
        community = Community(id=uuid.uuid4(), municipality_code="111007", name="浦和",
                              area=URAWA_BOX)  # fmt: skip
        s.add(community)
        s.commit()
        return community.id


def _user(s: Session) -> User:
    household = Household(id=uuid.uuid4())
    s.add(household)
    s.flush()
    user = User(
        id=uuid.uuid4(),
        firebase_uid=f"race-{uuid.uuid4().hex}",
        display_name="利用者",
        household_id=household.id,
        home=URAWA.to_element(),
    )
    s.add(user)
    s.flush()
    return user


def _request(s: Session, community_id: uuid.UUID, parent: User, starts_at: datetime) -> uuid.UUID:
    request = ShareRequest(
        id=uuid.uuid4(),
        requester_id=parent.id,
        household_id=parent.household_id,
        community_id=community_id,
        kind="pickup",
        title="お迎えのお願い",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        location=URAWA.to_element(),
        dropoff=URAWA.to_element(),
        audience="connections",
        radius_m=2000,
        status="open",
    )
    s.add(request)
    s.flush()
    return request.id


def _offer(s: Session, request_id: uuid.UUID, supporter: User) -> uuid.UUID:
    offer = Offer(id=uuid.uuid4(), request_id=request_id, supporter_id=supporter.id)
    s.add(offer)
    s.flush()
    return offer.id


def arrange(engine: Any, community_id: uuid.UUID, *, parents: int = 1, supporters: int = 2,
             offers: bool = True) -> SimpleNamespace:  # fmt: skip
    """Fresh people: ``parents`` members, each with an open pickup tomorrow at the same
    time, and ``supporters`` connected to every parent (so candidates of every request),
    each with a pending offer on every request unless ``offers=False``. Committed."""
    starts_at = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
    with Session(engine, expire_on_commit=False) as s:
        people = [_user(s) for _ in range(parents)]
        helpers = [_user(s) for _ in range(supporters)]
        for parent in people:
            s.add(CommunityMember(community_id=community_id, user_id=parent.id))
            for helper in helpers:
                low, high = sorted((parent.id, helper.id))
                s.add(Connection(user_low_id=low, user_high_id=high))
        requests = [_request(s, community_id, p, starts_at) for p in people]
        offer_ids = {
            (r, h.id): _offer(s, r, h) for r in requests for h in helpers if offers
        }  # fmt: skip
        s.commit()
    return SimpleNamespace(parents=people, supporters=helpers, requests=requests,
                           offers=offer_ids)  # fmt: skip


def codes(answers: list[Any]) -> list[tuple[int, str | None]]:
    """(status, problem code) of each answer."""
    return [(a.status_code, (a.get_json() or {}).get("code")) for a in answers]


class Tally:
    """The attempts of one race. A race test fires its calls through ``race`` on every
    attempt and ends with ``check``: most attempts must really have raced (their calls in
    flight at one moment; on a busy machine a thread can wake too late, and that attempt
    shows nothing about contention), and, where a race has several possible winners, each
    must have won a raced attempt. Invariants are asserted on every attempt regardless."""

    def __init__(self) -> None:
        self.attempts = 0
        self.raced = 0
        self.last_raced = False
        self.winners: Counter[str] = Counter()

    def race(self, *calls: Callable[[], Any], stagger: float = 0.0) -> list[Any]:
        spans: list[Span] = []
        answers = together(*calls, stagger=stagger, spans=spans)
        self.attempts += 1
        self.last_raced = overlapped(spans)
        self.raced += self.last_raced
        return answers

    def won(self, winner: str) -> None:
        """Who won the last attempt (counted only if it raced)."""
        if self.last_raced:
            self.winners[winner] += 1

    def check(self, *winners: str) -> None:
        assert self.raced * 2 > self.attempts, (
            f"only {self.raced} of {self.attempts} attempts raced: the calls took turns"
        )
        if winners:
            assert set(self.winners) == set(winners), f"winners seen: {self.winners}"
