"""Attacks on the way in for isolated families (docs/welcome.md), as a member with a valid
token and a script would try them: list a community's newcomers without coordinating it
(a member of it, a coordinator of another community, an operator), read more of a
newcomer than a name and a day (an address, a child, a household), find a family that did
not consent, and read a name or a place in the welcome push."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from otagai.domain.clock import TOKYO
from otagai.domain.communities.models import Municipality
from otagai.domain.people.models import Device, Household
from otagai.worker import run_once
from tests.factories import (
    ChildFactory,
    CommunityFactory,
    CommunityMemberFactory,
    EventFactory,
    UserFactory,
    coordinate_keys_in,
)
from tests.helpers import assert_problem

pytestmark = pytest.mark.usefixtures("app_context")

NOW = dt.datetime.now(dt.UTC)
NAME = "孤立 花子"
CHILD = "はるとくん"


@pytest.fixture
def town(db):
    community = CommunityFactory()
    coordinator = UserFactory()
    CommunityMemberFactory(community=community, user=coordinator, role="coordinator")
    newcomer = UserFactory(display_name=NAME)
    CommunityMemberFactory(community=community, user=newcomer)
    ChildFactory(household=newcomer.household, nickname=CHILD)
    db.get(Household, newcomer.household_id).welcome_consent = True
    refused = UserFactory(display_name="同意 していない")
    CommunityMemberFactory(community=community, user=refused)
    db.flush()
    return community, coordinator, newcomer


def _newcomers(client_as, user, community, **claims):
    return client_as(user, **claims).get(f"/v1/communities/{community.id}/newcomers")


@pytest.mark.parametrize("who", ["member", "newcomer", "elsewhere", "operator", "no_profile"])
def test_only_the_communitys_coordinators_list_its_newcomers(client_as, db, town, who):
    community, _, newcomer = town
    claims = {}
    if who == "member":
        user = UserFactory()
        CommunityMemberFactory(community=community, user=user)
    elif who == "newcomer":
        user = newcomer
    elif who == "elsewhere":
        user = UserFactory()
        CommunityMemberFactory(
            community=CommunityFactory(
                municipality=db.get(Municipality, community.municipality_code)
            ),
            user=user,
            role="coordinator",
        )
    elif who == "operator":
        user, claims = UserFactory(), {"operator": True}
    else:
        user = "welcome-no-profile"
    response = _newcomers(client_as, user, community, **claims)
    code = "profile_required" if who == "no_profile" else "coordinator_only"
    assert_problem(response, 403, code)
    assert NAME not in response.get_data(as_text=True)


def test_a_coordinator_reads_a_name_and_a_day_and_nothing_else(client_as, town):
    community, coordinator, newcomer = town
    body = _newcomers(client_as, coordinator, community).get_json()
    [item] = body["items"]  # the household that did not consent is not there
    assert set(item) == {"person", "joined_on"}
    assert set(item["person"]) == {"id", "display_name"}
    text = json.dumps(body, ensure_ascii=False)
    assert CHILD not in text and str(newcomer.household_id) not in text
    assert coordinate_keys_in(body) == set()


def test_the_welcome_push_holds_no_name_no_child_no_place(db, clock, fcm_api, town):
    community, _, newcomer = town
    EventFactory(
        community=community,
        starts_at=NOW + dt.timedelta(days=30),
        title=f"{NAME}さん歓迎会",
        place_name="孤立様宅",
    )
    db.add(Device(token="welcome-attack", user_id=newcomer.id, platform="android"))
    db.flush()
    day = (NOW + dt.timedelta(days=15)).astimezone(TOKYO).date()
    run_once(clock.set(dt.datetime.combine(day, dt.time(12), TOKYO)))
    [message] = fcm_api.sent_to("welcome-attack")
    shown = json.dumps(message.message, ensure_ascii=False)
    for secret in ("孤立", "花子", CHILD, "歓迎会", "様宅"):
        assert secret not in shown
