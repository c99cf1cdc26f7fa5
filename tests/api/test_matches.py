"""Reading a match (its parties only) and the insurance tag it carries: its shape, the
children's ages on the activity day in Tokyo, and that it is stored, not recomputed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest

from otagai.domain.clock import TOKYO
from otagai.domain.matches.models import Match
from otagai.domain.matching.candidates import activity_day
from otagai.domain.people.ages import age_on
from tests.factories import UserFactory, add_match, add_offer, coordinate_keys_in, offer_world
from tests.helpers import assert_problem

TAG_KEYS = {
    "covered",
    "policy_id",
    "policy_version",
    "policy_name",
    "policy_number",
    "kinds",
    "limits",
    "computed_at",
    "children",
    "reasons",
}


def _years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


def _early_morning_in_tokyo(days_ahead: int = 20) -> datetime:
    """00:30 in Tokyo, which is still the previous day in UTC (away from 29 February, so
    that a year before it and its next day both exist)."""
    day = (datetime.now(TOKYO) + timedelta(days=days_ahead)).date()
    if day.month == 2 and day.day >= 28:
        day = day.replace(month=3, day=2)
    return datetime.combine(day, time(0, 30), tzinfo=TOKYO)


def _accepted(client_as, world, supporter=None):
    """Accept an offer of ``supporter`` (the first one by default); the match's body."""
    offer = add_offer(world.request, supporter or world.supporters[0])
    response = client_as(world.parent).post(f"/v1/offers/{offer.id}/accept")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def world(db):
    return offer_world()


# --- GET /matches/{id} -------------------------------------------------------------------


def test_get_match_as_requester_is_200_with_insurance(client_as, world):
    made = _accepted(client_as, world)
    response = client_as(world.parent).get(f"/v1/matches/{made['id']}")
    assert response.status_code == 200
    body = response.get_json()
    assert body == made
    assert set(body) >= {
        "id",
        "request_id",
        "requester_id",
        "supporter_id",
        "status",
        "insurance",
        "created_at",
    }
    assert body["supporter"] == {
        "id": str(world.supporters[0].id),
        "display_name": world.supporters[0].display_name,
    }
    assert coordinate_keys_in(body) == set()


def test_get_match_as_supporter_is_200(client_as, world):
    made = _accepted(client_as, world)
    response = client_as(world.supporters[0]).get(f"/v1/matches/{made['id']}")
    assert response.status_code == 200
    assert response.get_json()["insurance"] == made["insurance"]


def test_get_match_as_requesters_household_member_is_200(client_as, world):
    made = _accepted(client_as, world)
    partner = UserFactory(household=world.parent.household)
    response = client_as(partner).get(f"/v1/matches/{made['id']}")
    assert response.status_code == 200
    assert response.get_json() == made


def test_get_match_as_declined_supporter_is_404(client_as, world):
    add_offer(world.request, world.supporters[1])
    made = _accepted(client_as, world)
    response = client_as(world.supporters[1]).get(f"/v1/matches/{made['id']}")
    assert_problem(response, 404, "match_not_found")


def test_get_match_as_stranger_is_404(client_as, world):
    match = add_match(world.request, world.supporters[0])
    response = client_as(UserFactory()).get(f"/v1/matches/{match.id}")
    assert_problem(response, 404, "match_not_found")


def test_get_unknown_match_is_404(client_as, world):
    response = client_as(world.parent).get(f"/v1/matches/{uuid.uuid4()}")
    assert_problem(response, 404, "match_not_found")


# --- the insurance tag -------------------------------------------------------------------


def test_insurance_tag_without_policy_is_not_covered(client_as, world):
    tag = _accepted(client_as, world)["insurance"]
    assert set(tag) == TAG_KEYS
    assert tag["covered"] is False
    assert tag["reasons"] == ["no_active_policy"]
    assert [tag[k] for k in TAG_KEYS - {"covered", "computed_at", "children", "reasons"}] == [
        None
    ] * 6
    assert datetime.fromisoformat(tag["computed_at"]).utcoffset() is not None
    age = age_on(world.child.birth_date, activity_day(world.request))
    assert tag["children"] == [
        {"child_id": str(world.child.id), "age_on_activity_date": age, "covered": False}
    ]


def test_insurance_tag_child_turning_one_on_activity_day_is_age_one(client_as, db):
    starts = _early_morning_in_tokyo()
    day = starts.date()
    turns_one_that_day = _years_before(day, 1)
    turns_one_next_day = _years_before(day + timedelta(days=1), 1)
    seven = _years_before(day, 7) - timedelta(days=1)
    world = offer_world(
        birth_dates=(turns_one_that_day, turns_one_next_day, seven),
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    tag = _accepted(client_as, world)["insurance"]
    ages = {c["child_id"]: c["age_on_activity_date"] for c in tag["children"]}
    one, zero, seven = world.children
    assert ages == {str(one.id): 1, str(zero.id): 0, str(seven.id): 7}


def test_insurance_tag_lists_no_children_for_lending(client_as):
    world = offer_world(birth_dates=(), kind="lending")
    assert _accepted(client_as, world)["insurance"]["children"] == []


def test_insurance_tag_is_stored_not_recomputed(client_as, db, world):
    made = _accepted(client_as, world)
    world.child.birth_date = date(2010, 1, 1)
    db.flush()
    again = client_as(world.parent).get(f"/v1/matches/{made['id']}").get_json()
    assert again["insurance"] == made["insurance"]
    stored = again["insurance"]["children"][0]["age_on_activity_date"]
    assert stored == age_on(date(2021, 4, 1), activity_day(world.request))


def test_insurance_preview_is_the_tag_accepting_gives(client_as, db, world):
    offer = add_offer(world.request, world.supporters[0])
    listed = client_as(world.parent).get(f"/v1/share-requests/{world.request.id}/offers")
    preview = listed.get_json()["items"][0]["insurance_preview"]
    made = client_as(world.parent).post(f"/v1/offers/{offer.id}/accept").get_json()
    assert {**preview, "computed_at": None} == {**made["insurance"], "computed_at": None}
    db.expire_all()
    assert db.get(Match, uuid.UUID(made["id"])).insurance == made["insurance"]
