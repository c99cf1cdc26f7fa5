"""The insurance tag through the API: stored on the match when an offer is accepted (GET
/v1/matches/{id}) and shown beforehand as each pending offer's ``insurance_preview``."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from otagai.domain.matching.candidates import activity_day
from tests.factories import (
    ConnectionFactory,
    InsurancePolicyFactory,
    ShareRequestFactory,
    UserFactory,
    add_offer,
    offer_world,
)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return dt.date(day.year - years, 2, 28)


def _accept(client_as, world, supporter=None) -> dict:
    offer = add_offer(world.request, supporter or world.supporters[0])
    response = client_as(world.parent).post(f"/v1/offers/{offer.id}/accept")
    assert response.status_code == 201, response.json
    match = client_as(world.parent).get(f"/v1/matches/{response.json['id']}")
    assert match.status_code == 200
    return match.json


def _preview(client_as, world) -> dict:
    response = client_as(world.parent).get(f"/v1/share-requests/{world.request.id}/offers")
    assert response.status_code == 200, response.json
    (offer,) = [o for o in response.json["items"] if o["status"] == "pending"]
    return offer["insurance_preview"]


@pytest.fixture
def policy(db):
    return InsurancePolicyFactory()


def test_accept_pickup_of_five_year_old_is_covered(client_as, db, policy):
    world = offer_world()
    day = activity_day(world.request)
    world.child.birth_date = _years_before(day, 5)
    db.flush()
    tag = _accept(client_as, world)["insurance"]
    assert tag["covered"] is True and tag["reasons"] == []
    assert (tag["policy_id"], tag["policy_version"]) == (str(policy.id), 1)
    assert tag["policy_number"] == policy.policy_number
    assert tag["limits"] == policy.limits
    assert tag["children"] == [
        {"child_id": str(world.child.id), "age_on_activity_date": 5, "covered": True}
    ]


def test_accept_pickup_of_zero_year_old_is_not_covered_for_that_child(client_as, db, policy):
    world = offer_world(birth_dates=(dt.date(2021, 4, 1),))
    day = activity_day(world.request)
    world.child.birth_date = day - dt.timedelta(days=100)
    db.flush()
    tag = _accept(client_as, world)["insurance"]
    assert tag["covered"] is False
    assert tag["reasons"] == ["child_under_min_age"]
    assert tag["children"][0]["age_on_activity_date"] == 0
    assert tag["children"][0]["covered"] is False


def test_accept_child_whose_first_birthday_is_the_activity_date_is_covered(client_as, db, policy):
    world = offer_world()
    world.child.birth_date = _years_before(activity_day(world.request), 1)
    db.flush()
    tag = _accept(client_as, world)["insurance"]
    assert tag["children"][0]["age_on_activity_date"] == 1
    assert tag["covered"] is True and tag["children"][0]["covered"] is True


def test_accept_pickup_of_nineteen_year_old_is_not_covered_for_that_child(client_as, db, policy):
    """Registered at 18 (the most the API takes), 19 by the activity day."""
    world = offer_world()
    world.child.birth_date = _years_before(activity_day(world.request), 19)
    db.flush()
    tag = _accept(client_as, world)["insurance"]
    assert tag["covered"] is False
    assert tag["reasons"] == ["child_over_max_age"]
    assert tag["children"][0]["age_on_activity_date"] == 19
    assert tag["children"][0]["covered"] is False


def test_accept_kind_not_in_policy_is_kind_not_covered(client_as, db):
    InsurancePolicyFactory(kinds=["babysitting"])
    tag = _accept(client_as, offer_world())["insurance"]
    assert tag["covered"] is False
    assert tag["reasons"] == ["kind_not_covered"]
    assert tag["kinds"] == ["babysitting"]


def test_accept_without_active_policy_is_no_active_policy(client_as, db):
    InsurancePolicyFactory(valid_from=dt.date(2020, 4, 1), valid_to=dt.date(2021, 3, 31))  # expired
    tag = _accept(client_as, offer_world())["insurance"]
    assert tag["covered"] is False
    assert tag["reasons"] == ["no_active_policy"]
    assert tag["policy_id"] is None and tag["policy_version"] is None


def test_policy_edited_after_match_keeps_match_version_while_preview_shows_new(
    client_as, db, policy
):
    world = offer_world()
    match = _accept(client_as, world)
    operator = client_as(UserFactory(), operator=True)
    edit = operator.patch(f"/v1/insurance-policies/{policy.id}", json={"name": "改定版"})
    assert edit.status_code == 200 and edit.json["version"] == 2
    again = client_as(world.parent).get(f"/v1/matches/{match['id']}").json
    assert again["insurance"] == match["insurance"]
    assert again["insurance"]["policy_version"] == 1

    later = world.request.starts_at + dt.timedelta(hours=3)
    other = SimpleNamespace(
        parent=world.parent,
        request=ShareRequestFactory(
            requester=world.parent,
            community=world.community,
            children=world.children,
            starts_at=later,
            ends_at=later + dt.timedelta(hours=1),
        ),
    )
    add_offer(other.request, world.supporters[1])
    preview = _preview(client_as, other)
    assert (preview["policy_version"], preview["policy_name"]) == (2, "改定版")


def test_preview_shows_the_tag_accepting_would_give(client_as, db, policy):
    world = offer_world()
    add_offer(world.request, world.supporters[0])
    preview = _preview(client_as, world)
    assert preview["covered"] is True and preview["policy_id"] == str(policy.id)


def test_accept_connection_who_is_not_a_member_is_party_not_member(client_as, db, policy):
    world = offer_world(supporters=0, audience="connections")
    friend = UserFactory()
    ConnectionFactory(a=world.parent, b=friend)
    tag = _accept(client_as, world, friend)["insurance"]
    assert tag["covered"] is False
    assert tag["reasons"] == ["party_not_member"]
    assert tag["children"][0]["covered"] is False
