"""Attacks on the activity report, its PDF, the coordinators' CSV and the insurance claims,
as a member with a valid token and a script would try them: read or write another
family's report (JSON, PDF, any Accept header, the supporter of the match next door);
export another community's CSV as a coordinator elsewhere; reach a claim as anybody but
an operator, or find its id in what the parties do see."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from otagai.domain.communities.models import Municipality
from otagai.domain.insurance.models import InsuranceClaim
from tests.api.safety.pickup import another_pickup, pickup_world
from tests.api.safety.test_activity_report import REPORT, decide, draft
from tests.factories import CommunityFactory, CommunityMemberFactory, UserFactory
from tests.helpers import assert_problem, unchanged

ACTIVITIES = "保育園へお迎えに行き、自宅で絵本を読みました。"
HURT = "階段で転んで額を打ちました。"
ACCEPTS = (None, "application/json", "application/pdf", "*/*", "application/pdf;q=1, */*;q=0.1")


@pytest.fixture
def world(db, clock, client_as):
    """Match A with its report (an incident, so a claim), and match B beside it in the
    same community, the same evening, with a supporter of its own."""
    world = pickup_world()
    world.other = another_pickup(world)
    clock.set(world.end + timedelta(minutes=10))
    response = draft(
        client_as,
        world.supporter,
        world,
        activities=ACTIVITIES,
        incident=True,
        incident_text=HURT,
    )
    assert response.status_code == 201
    world.claim = db.scalars(
        select(InsuranceClaim).where(InsuranceClaim.match_id == world.match.id)
    ).one()
    return world


def _secrets(world) -> list[str]:
    return [
        ACTIVITIES,
        HURT,
        world.supporter.display_name,
        world.parent.display_name,
        *(child.nickname for child in world.children),
    ]


def _assert_nothing_shown(response, world, status=404) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    body = response.get_data(as_text=True)
    assert not [s for s in _secrets(world) if s in body]
    assert b"%PDF" not in response.get_data()


def _intruders(world) -> dict[str, object]:
    member = UserFactory()
    CommunityMemberFactory(community=world.community, user=member)
    coordinator = UserFactory()
    CommunityMemberFactory(community=world.community, user=coordinator, role="coordinator")
    return {
        "member of the community": member,
        "stranger": UserFactory(),
        "supporter of the match next door": world.other.supporter,
        "requester of the match next door": world.other.parent,
        "the supporter's own household": UserFactory(household=world.supporter.household),
        "coordinator of the community": coordinator,
    }


def test_no_outsider_reads_the_report_or_its_pdf(client_as, world):
    for who, intruder in _intruders(world).items():
        for accept in ACCEPTS:
            headers = {"Accept": accept} if accept else {}
            response = client_as(intruder).get(REPORT.format(world.match.id), headers=headers)
            _assert_nothing_shown(response, world)
            assert response.get_json()["code"] == "match_not_found", (who, accept)


def test_an_outsider_learns_nothing_from_an_unsupported_accept_either(client_as, world):
    """The 406 a party would get must not tell an outsider the match exists."""
    intruder = UserFactory()
    response = client_as(intruder).get(
        REPORT.format(world.match.id), headers={"Accept": "text/html"}
    )
    assert response.status_code in (404, 406)
    body = response.get_data(as_text=True)
    assert not [s for s in _secrets(world) if s in body]
    unknown = client_as(intruder).get(REPORT.format(uuid.uuid4()), headers={"Accept": "text/html"})
    assert unknown.status_code == response.status_code  # the same, match or no match


def test_no_outsider_drafts_or_decides_the_report(client_as, world, db):
    for intruder in _intruders(world).values():
        with unchanged(db):
            wrote = draft(client_as, intruder, world, activities="改ざん")
            decided = decide(client_as, intruder, world)
        _assert_nothing_shown(wrote, world)
        _assert_nothing_shown(decided, world)


def test_the_match_next_door_shows_only_its_own_report(client_as, world):
    response = client_as(world.other.supporter).get(REPORT.format(world.other.match.id))
    assert_problem(response, 404, "report_not_found")
    assert HURT not in response.get_data(as_text=True)


def test_a_coordinator_elsewhere_cannot_export_this_communitys_csv(client_as, world, db):
    elsewhere = UserFactory()
    other = CommunityFactory(municipality=db.get(Municipality, world.community.municipality_code))
    CommunityMemberFactory(community=other, user=elsewhere, role="coordinator")
    month = f"{world.start:%Y-%m}"
    for query in (
        f"?month={month}",
        f"?month={month}&community_id={other.id}",
        f"?month={month}&lang=en",
    ):
        response = client_as(elsewhere).get(
            f"/v1/communities/{world.community.id}/activity-reports.csv{query}"
        )
        assert_problem(response, 403, "coordinator_only")
        assert str(world.match.id) not in response.get_data(as_text=True)
    # Their own community's CSV holds nothing of this one.
    own = client_as(elsewhere).get(f"/v1/communities/{other.id}/activity-reports.csv?month={month}")
    assert own.status_code == 200
    assert str(world.match.id) not in own.get_data(as_text=True)


@pytest.mark.parametrize("who", ["supporter", "parent", "partner"])
def test_the_parties_never_reach_the_claim(client_as, world, db, who):
    party = client_as(getattr(world, who))
    claim = str(world.claim.id)
    for headers in ({}, {"X-Operator": "true"}):
        assert_problem(party.get("/v1/insurance-claims", headers=headers), 403, "operator_only")
        assert_problem(
            party.get("/v1/insurance-claims?operator=true", headers=headers), 403, "operator_only"
        )
    with unchanged(db):
        response = party.patch(f"/v1/insurance-claims/{claim}", json={"status": "closed"})
    assert_problem(response, 403, "operator_only")
    # What the parties do read says an incident was reported, never the claim's id.
    for path in ("", "/timeline", "/report"):
        body = party.get(f"/v1/matches/{world.match.id}{path}").get_data(as_text=True)
        assert claim not in body


def test_a_coordinator_of_the_community_never_reaches_the_claim(client_as, world, db):
    coordinator = _intruders(world)["coordinator of the community"]
    assert_problem(client_as(coordinator).get("/v1/insurance-claims"), 403, "operator_only")
    with unchanged(db):
        response = client_as(coordinator).patch(
            f"/v1/insurance-claims/{world.claim.id}", json={"note": "見ました"}
        )
    assert_problem(response, 403, "operator_only")
