"""The demo seeds (seeds/*.yaml, what `flask seed` loads) as a world to call the API in:
who plays each role, the ids worth aiming at, and the headers each role signs in with.

``seeded_world(settings)`` loads the seeds into a database of its own, for a module to
share; each case runs in ``world.case()``, a transaction rolled back at its end (see
tests/test_fuzz.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from otagai import create_app
from otagai.config import Settings, normalize_database_url
from otagai.domain.actors import Actor
from otagai.domain.clock import TOKYO, today_tokyo
from otagai.domain.communities.models import Community, CommunityMember
from otagai.domain.events.models import Event
from otagai.domain.insurance.models import InsuranceClaim, InsurancePolicy
from otagai.domain.matches.models import Match
from otagai.domain.partners import keys
from otagai.domain.people.models import AuthorisedAdult, Child, Device, HouseholdInvite, User
from otagai.domain.reports.services import draft_report
from otagai.domain.requests.models import Offer, ShareRequest
from otagai.domain.series.models import ShareSeries
from otagai.domain.series.services import create_share_series
from otagai.domain.thanks.services import record_thank_you
from otagai.domain.trust.models import Certification
from otagai.domain.trust.models import Connection as Acquaintance
from otagai.extensions.auth import mint_emulator_token
from otagai.extensions.db import EXTENSION_KEY, session
from otagai.extensions.geo import LatLng, latlng_of
from otagai.seeding import load_seeds
from tests.conftest import bound_to, temporary_database

# Roles, by the seeds' uids (seeds/households.yaml, seeds/requests.yaml).
MEMBER = "demo-sato-mika"  # her open pickup has a pending offer; she has children
COORDINATOR = "demo-takahashi-kazuko"  # coordinator of 浦和, supporter in a confirmed match
OPERATOR = "demo-operator"
REQUESTER_MATCHED = "demo-suzuki-yuki"  # requester of that confirmed match
SUPPORTER_OFFERING = "demo-nakamura-masao"  # the pending offer on the member's request
MUNICIPALITY = "111007"  # さいたま市
ROLES = ("member", "coordinator", "operator", "municipality_key")


@dataclass
class World:
    app: Any
    engine: Engine
    project_id: str
    api_key: str
    # Path parameter name → a value that exists and is worth aiming at.
    ids: dict[str, str] = field(default_factory=dict)
    # uid → (user id, household id) of the roles' people.
    people: dict[str, tuple[uuid.UUID, uuid.UUID]] = field(default_factory=dict)

    @contextmanager
    def case(self) -> Iterator[Connection]:
        """The app's sessions, for the block, in one transaction rolled back at its end."""
        connection = self.engine.connect()
        transaction = connection.begin()
        try:
            with bound_to(self.app, connection):
                yield connection
        finally:
            transaction.rollback()
            connection.close()

    def uid_of(self, user_id: str) -> str:
        with self.engine.connect() as connection:
            uid: str = connection.execute(
                select(User.firebase_uid).where(User.id == uuid.UUID(user_id))
            ).scalar_one()
        return uid

    def token(self, uid: str, **claims: Any) -> str:
        return mint_emulator_token(uid, self.project_id, **claims)

    def headers(self, role: str) -> dict[str, str]:
        """How ``role`` signs in."""
        if role == "member":
            return {"Authorization": f"Bearer {self.token(MEMBER)}"}
        if role == "coordinator":
            return {"Authorization": f"Bearer {self.token(COORDINATOR)}"}
        if role == "operator":
            return {"Authorization": f"Bearer {self.token(OPERATOR, operator=True)}"}
        if role == "municipality_key":
            return {"X-API-Key": self.api_key}
        raise ValueError(role)


def _user(uid: str) -> User:
    user = session.scalars(select(User).where(User.firebase_uid == uid)).one()
    return user


def _weekly_series(member: User, request: ShareRequest, child: Child) -> ShareSeries:
    """The member's weekly pickup, four Thursdays from next week (one a request already)."""
    first = dt.datetime.combine(today_tokyo() + dt.timedelta(days=7), dt.time(17, 30), tzinfo=TOKYO)
    location, dropoff = latlng_of(request.location), LatLng(35.8587, 139.6571)
    assert location is not None
    return create_share_series(
        Actor(uid=MEMBER, user=member),
        rrule="FREQ=WEEKLY;COUNT=4",
        kind="pickup",
        community_id=request.community_id,
        title="毎週のお迎え",
        starts_at=first,
        ends_at=first + dt.timedelta(hours=1),
        location=location,
        dropoff=dropoff,
        child_ids=[child.id],
        include_holidays=True,
    )


def _build(app: Any, engine: Engine, project_id: str) -> World:
    load_seeds()
    _key, api_key = keys.create_key(MUNICIPALITY, "fuzz")
    users = {
        uid: _user(uid)
        for uid in (MEMBER, COORDINATOR, OPERATOR, REQUESTER_MATCHED, SUPPORTER_OFFERING)
    }
    member, coordinator = users[MEMBER], users[COORDINATOR]
    open_request = session.scalars(
        select(ShareRequest)
        .where(ShareRequest.requester_id == member.id, ShareRequest.status == "open")
        .order_by(ShareRequest.starts_at)
    ).first()
    assert open_request is not None
    offer = session.scalars(select(Offer).where(Offer.request_id == open_request.id)).first()
    assert offer is not None
    match = session.scalars(
        select(Match).where(Match.supporter_id == coordinator.id, Match.status == "confirmed")
    ).first()
    assert match is not None
    # A thank-you in cash on the confirmed match, so that thank-you paths have one to read.
    requester = users[REQUESTER_MATCHED]
    assert match.requester_id == requester.id
    thank_you = record_thank_you(
        Actor(uid=REQUESTER_MATCHED, user=requester), match.id, amount_jpy=1000, method="cash"
    ).thank_you
    # The match's activity report, telling of an incident: a report to read, a claim.
    coordinator_actor = Actor(uid=COORDINATOR, user=coordinator)
    draft_report(
        coordinator_actor,
        match.id,
        started_at=match.starts_at,
        ended_at=match.ends_at,
        activities="保育園へお迎えに行き、自宅で過ごしました。",
        incident=True,
        incident_text="玄関で転んで膝をすりむきました。",
        now=match.ends_at + dt.timedelta(minutes=1),
    )
    claim = session.scalars(select(InsuranceClaim).where(InsuranceClaim.match_id == match.id)).one()
    child = session.scalars(select(Child).where(Child.household_id == member.household_id)).first()
    device = Device(user_id=member.id, token="fuzz-device-token", platform="ios")
    invite = HouseholdInvite(
        household_id=users[SUPPORTER_OFFERING].household_id,
        created_by_id=users[SUPPORTER_OFFERING].id,
        code="FUZZJOIN",
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
    )
    assert child is not None
    adult = AuthorisedAdult(child_id=child.id, name="佐藤 和子", relation="祖母")
    session.add_all([device, invite, adult])
    session.flush()
    series = _weekly_series(member, open_request, child)
    community = session.scalars(
        select(Community)
        .join(CommunityMember, CommunityMember.community_id == Community.id)
        .where(CommunityMember.user_id == coordinator.id, CommunityMember.role == "coordinator")
    ).first()
    assert community is not None and child is not None
    certification = session.scalars(
        select(Certification).where(Certification.community_id == community.id)
    ).first()
    event = session.scalars(select(Event).where(Event.community_id == community.id)).first()
    policy = session.scalars(select(InsurancePolicy)).first()
    acquaintance = session.scalars(
        select(Acquaintance).where(
            (Acquaintance.user_low_id == member.id) | (Acquaintance.user_high_id == member.id)
        )
    ).first()
    assert certification and event and policy and acquaintance
    low, high = acquaintance.user_low_id, acquaintance.user_high_id
    other = high if low == member.id else low
    session.commit()
    ids = {
        "request_id": str(open_request.id),
        "offer_id": str(offer.id),
        "match_id": str(match.id),
        "thank_you_id": str(thank_you.id),
        "child_id": str(child.id),
        "adult_id": str(adult.id),
        "token": device.token,
        "community_id": str(community.id),
        "certification_id": str(certification.id),
        "event_id": str(event.id),
        "policy_id": str(policy.id),
        "claim_id": str(claim.id),
        "series_id": str(series.id),
        "user_id": str(other),
        "code": MUNICIPALITY,
        "invite": invite.code,  # another household's: a body value, not a path's
    }
    people = {uid: (user.id, user.household_id) for uid, user in users.items()}
    return World(app, engine, project_id, api_key, ids, people)


@contextmanager
def seeded_world(settings: Settings) -> Iterator[World]:
    """The demo seeds, loaded and committed in a database of their own (dropped at the
    end), with an app on it. ``world.case()`` runs a block in a transaction rolled back
    at its end: no transaction lives longer than a case (a long one would gather a lock
    per subtransaction until the server's lock table is full)."""
    with temporary_database("otagai_world", migrated=True) as url:
        app = create_app(replace(settings, database_url=normalize_database_url(url)))
        engine: Engine = app.extensions[EXTENSION_KEY].engine
        try:
            with app.app_context():
                world = _build(app, engine, settings.firebase_project_id)
            yield world
        finally:
            engine.dispose()
