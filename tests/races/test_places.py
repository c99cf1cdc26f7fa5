"""Two parents of one household post from the same new point at the same moment: the
household still gets ONE place there, so the point has one public point (two independent
ones could be intersected). Real commits, ten times over; people/places.py says why."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from otagai.domain.communities.models import CommunityMember
from otagai.domain.people.models import Household, User
from otagai.domain.people.places import HouseholdPlace
from otagai.domain.requests.models import ShareRequest
from tests.factories import URAWA
from tests.helpers import ApiClient
from tests.races.world import Tally, committed_app


@pytest.fixture(scope="module")
def app() -> Iterator[Any]:
    with committed_app("otagai_place_races") as app:
        yield app


def _parents(engine: Any, community_id: uuid.UUID) -> list[User]:
    with Session(engine, expire_on_commit=False) as s:
        household = Household(id=uuid.uuid4())
        s.add(household)
        s.flush()
        parents = [
            User(
                id=uuid.uuid4(),
                firebase_uid=f"place-{uuid.uuid4().hex}",
                display_name="親",
                household_id=household.id,
                home=URAWA.to_element(),
            )
            for _ in range(2)
        ]
        s.add_all(parents)
        s.flush()
        s.add_all(CommunityMember(community_id=community_id, user_id=p.id) for p in parents)
        s.commit()
        return parents


def test_two_parents_posting_from_one_new_point_at_once_make_one_place(app, engine, community_id):
    tally = Tally()
    project = app.config["OTAGAI"].firebase_project_id
    for attempt in range(10):
        parents = _parents(engine, community_id)
        start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
        # A nursery 1 km from home, a little further each attempt.
        point = {"lat": URAWA.lat + 0.009 + attempt * 0.001, "lng": URAWA.lng}
        body = {
            "kind": "lending", "community_id": str(community_id), "title": "ベビーカー",
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(days=2)).isoformat(),
            "location": point, "item": {"category": "stroller", "description": "A型"},
        }  # fmt: skip

        def poster(user: User, body: dict[str, Any] = body) -> Any:
            client = ApiClient(app.test_client(), user.firebase_uid or "", project)
            return lambda: client.post("/v1/share-requests", json=body)

        answers = tally.race(*(poster(p) for p in parents))
        assert [a.status_code for a in answers] == [201, 201]
        with Session(engine) as s:
            household_id = parents[0].household_id
            places = s.scalar(
                select(func.count()).where(HouseholdPlace.household_id == household_id)
            )
            publics = s.execute(
                select(func.ST_AsText(ShareRequest.public_location)).where(
                    ShareRequest.household_id == household_id
                )
            ).scalars()
            assert places == 2  # the home, and the nursery once
            assert len(set(publics)) == 1
    tally.check()
