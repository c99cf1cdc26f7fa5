"""``households_without_connections`` over the built months of tests/statistics_world.py:
households living in the town at each month's end none of whose members had a connection
by then, exactly, and suppressed as the other counts are."""

from __future__ import annotations

import pytest

from otagai.domain.trust.models import Connection
from tests import statistics_world
from tests.factories import MunicipalityFactory
from tests.statistics_world import jst

NAME = "households_without_connections"


def connect(db, a, b, at) -> None:
    low, high = sorted((a.id, b.id))
    db.add(Connection(user_low_id=low, user_high_id=high, created_at=at))
    db.flush()


@pytest.fixture
def world(db):
    world = statistics_world.april(db)
    s = world.supporters
    connect(db, s[0], s[1], jst(3, 15))  # two households of A, from March
    connect(db, s[2], s[3], jst(4, 30, 23, 30))  # two more, from April (JST)
    outsider = statistics_world.person_in(db, world.b.code)
    connect(db, s[4], outsider, jst(5, 1, 0, 30))  # one of A and one of B, from May
    connect(db, world.movers, statistics_world.person_in(db, world.b.code), jst(3, 20))
    return world


def figures(client, code: str) -> dict[str, int | None]:
    response = client.get(f"/v1/municipalities/{code}/stats?from=2026-02&to=2026-05")
    assert response.status_code == 200, response.get_json()
    return {m["month"]: m["total"][NAME] for m in response.get_json()["months"]}


def test_exact_at_each_month_end(client_as, world):
    operator = client_as("stats-operator", operator=True)
    # A: 22 households until the movers left on 10 April, 21 after.
    assert figures(operator, world.a.code) == {
        "2026-02": 22,
        "2026-03": 22 - 2 - 1,  # the first pair, and the movers (connected on 20 March)
        "2026-04": 21 - 2 - 2,  # the movers gone; the pair of 23:30 JST on 30 April
        "2026-05": 21 - 2 - 2 - 1,  # the connection of 00:30 JST on 1 May
    }
    # B: 5 households since January, 2 more made by the world (both connected, one from
    # May), the movers from 10 April (connected since March).
    b = figures(operator, world.b.code)
    assert b["2026-04"] == 5 + 1  # the outsider's household is not connected until May
    assert b["2026-05"] == 5


def test_defined_and_suppressed_as_usual(client_as, db, world):
    operator = client_as("stats-operator", operator=True)
    report = operator.get(f"/v1/municipalities/{world.b.code}/stats?from=2026-01&to=2026-01")
    body = report.get_json()
    assert NAME in body["definitions"]
    # In January B had 5 households plus the two the fixture added (their periods start
    # in January too), the movers' partner connected in March: 7 without connections.
    assert body["months"][0]["total"][NAME] == 7
    # A town with three unconnected households: withheld.
    town = MunicipalityFactory(code="112089", name_ja="草加市", name_en="Soka")
    for _ in range(3):
        statistics_world.person_in(db, town.code)
    hidden = operator.get(f"/v1/municipalities/{town.code}/stats?from=2026-01&to=2026-01")
    month = hidden.get_json()["months"][0]
    assert month["total"][NAME] is None
    assert f"2026-01.total.{NAME}" in hidden.get_json()["suppressed"]
