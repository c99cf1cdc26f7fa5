"""Two parents of one household add the child's tenth authorised adult at the same
moment: one gets it, the other 422 ``too_many_authorised_adults``, never eleven. Real
commits, ten times over; the child's row lock in people/authorised_adults.py is why."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from otagai.domain.people.authorised_adults import MAX_PER_CHILD
from otagai.domain.people.models import AuthorisedAdult, Child, Household, User
from tests.helpers import ApiClient
from tests.races.world import Tally, committed_app


@pytest.fixture(scope="module")
def app() -> Iterator[Any]:
    with committed_app("otagai_adult_races") as app:
        yield app


def _family_at_nine(engine: Any) -> tuple[list[User], uuid.UUID]:
    with Session(engine, expire_on_commit=False) as s:
        household = Household(id=uuid.uuid4())
        s.add(household)
        s.flush()
        parents = [
            User(
                id=uuid.uuid4(),
                firebase_uid=f"adults-{uuid.uuid4().hex}",
                display_name="親",
                household_id=household.id,
            )
            for _ in range(2)
        ]
        child = Child(
            id=uuid.uuid4(), household_id=household.id, nickname="こ", birth_date=date(2021, 4, 1)
        )
        s.add_all([*parents, child])
        s.flush()
        s.add_all(
            AuthorisedAdult(child_id=child.id, name=f"大人{n}", relation="親戚")
            for n in range(MAX_PER_CHILD - 1)
        )
        s.commit()
        return parents, child.id


def test_two_parents_adding_the_last_place_at_once_never_pass_the_cap(app, engine):
    tally = Tally()
    project = app.config["OTAGAI"].firebase_project_id
    for _ in range(10):
        parents, child_id = _family_at_nine(engine)

        def adder(user: User, n: int, child_id: uuid.UUID = child_id) -> Any:
            client = ApiClient(app.test_client(), user.firebase_uid or "", project)
            path = f"/v1/me/children/{child_id}/authorised-adults"
            return lambda: client.post(path, json={"name": f"新しい大人{n}", "relation": "祖母"})

        answers = tally.race(*(adder(p, n) for n, p in enumerate(parents)))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201, 422], [a.get_json() for a in answers]
        refused = next(a for a in answers if a.status_code == 422)
        assert refused.get_json()["code"] == "too_many_authorised_adults"
        with Session(engine) as s:
            count = s.scalar(select(func.count()).where(AuthorisedAdult.child_id == child_id))
        assert count == MAX_PER_CHILD
        tally.won("first" if answers[0].status_code == 201 else "second")
    tally.check()
