"""`reports_confirmed` and `incidents` in the municipal statistics: counted in the Tokyo
month the match was scheduled to start in, in the request's town and kind, kept by the
database's counters through every draft and decision, and suppressed like every count."""

from __future__ import annotations

import datetime as dt

import pytest

from otagai.domain.statistics import metrics
from otagai.domain.statistics.months import Month
from tests.api.safety.pickup import pickup_world
from tests.api.safety.reports import add_reported_match
from tests.api.safety.test_activity_report import decide, draft
from tests.factories import CommunityFactory, MunicipalityFactory
from tests.statistics_world import person_in

JUNE = "2026-06"


def jst(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@pytest.fixture
def june(db):
    """June 2026 in さいたま市. Pickup: 6 reports confirmed (one telling of an incident),
    one draft with an incident, one disputed; babysitting: 5 confirmed, one disputed
    with an incident; lending: none. Around the month: a confirmed pickup at 23:59 JST on
    30 June (June's) and one at 00:30 JST on 1 July (July's)."""
    town = MunicipalityFactory()
    community = CommunityFactory(municipality=town)
    supporter = person_in(db, town.code)

    def reported(kind: str, at: dt.datetime, **report: object) -> None:
        add_reported_match(community, person_in(db, town.code), supporter, at, kind=kind, **report)

    for day in range(1, 6):
        reported("pickup", jst(6, day), status="confirmed")
    reported("pickup", jst(6, 6), status="confirmed", incident=True)
    reported("pickup", jst(6, 7), incident=True)  # a draft
    reported("pickup", jst(6, 8), status="disputed")
    for day in range(10, 15):
        reported("babysitting", jst(6, day), status="confirmed")
    reported("babysitting", jst(6, 15), status="disputed", incident=True)
    reported("pickup", jst(6, 30, 23, 59), status="confirmed")
    reported("pickup", jst(7, 1, 0, 30), status="confirmed")
    return town


def report(client, code: str) -> dict:
    response = client.get(f"/v1/municipalities/{code}/stats?from={JUNE}&to=2026-07")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_june_reports_and_incidents_exactly(client_as, june):
    body = report(client_as("stats-operator", operator=True), june.code)
    june_figures, july = body["months"]
    figures = {
        cell: (values["reports_confirmed"], values["incidents"])
        for cell, values in {"total": june_figures["total"], **june_figures["by_kind"]}.items()
    }
    assert figures == {
        "total": (12, None),  # 7 pickups + 5 babysittings confirmed; incidents: 3
        "pickup": (7, None),  # 2 incidents (one confirmed, one a draft)
        "babysitting": (5, None),  # 1 incident (disputed)
        "lending": (0, 0),
    }
    new = (".reports_confirmed", ".incidents")
    assert [p for p in body["suppressed"] if p.startswith(JUNE) and p.endswith(new)] == [
        "2026-06.total.incidents",
        "2026-06.pickup.incidents",
        "2026-06.babysitting.incidents",
    ]
    # July's single report is a count from 1 to 4: withheld too.
    assert july["total"]["reports_confirmed"] is None
    assert "reports_confirmed" in body["definitions"] and "incidents" in body["definitions"]


def test_raw_counts_before_suppression(june, app_context):
    raw = metrics.raw_counts(june.code, Month(2026, 6), Month(2026, 7))
    assert raw[(JUNE, "pickup")]["reports_confirmed"] == 7
    assert raw[(JUNE, "pickup")]["incidents"] == 2
    assert raw[(JUNE, "babysitting")]["incidents"] == 1
    assert raw[("2026-07", "pickup")]["reports_confirmed"] == 1


def test_counters_follow_drafts_and_decisions(client_as, db, clock, app_context):
    world = pickup_world()
    # The town the request was posted in (the factories' households live nowhere).
    code = world.match.municipality_code = world.community.municipality_code
    db.flush()
    month = Month.of(world.start)
    clock.set(world.end + dt.timedelta(minutes=10))

    def counts() -> tuple[int, int]:
        cell = metrics.raw_counts(code, month, month).get((str(month), "pickup"), {})
        return cell.get("reports_confirmed", 0), cell.get("incidents", 0)

    draft(client_as, world.supporter, world, incident=True, incident_text="転びました")
    assert counts() == (0, 1)
    draft(client_as, world.supporter, world, incident=False)  # it was nothing after all
    assert counts() == (0, 0)
    decide(client_as, world.parent, world)
    assert counts() == (1, 0)


def test_csv_of_the_statistics_has_the_new_columns(client_as, june):
    response = client_as("stats-operator", operator=True).get(
        f"/v1/municipalities/{june.code}/stats?from={JUNE}&to={JUNE}&format=csv&lang=ja"
    )
    header = response.get_data().decode("utf-8-sig").splitlines()[0].split(",")
    assert header[header.index("確認済み活動報告数") + 1] == "事故・ケガ報告数"
