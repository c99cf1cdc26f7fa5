"""What the statistics count is written by the real flows: the town of the household at
the time, on requests, offers, matches and thank-yous, and the periods a household
lived in each town (kept by the database trigger, whatever changed the town)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from otagai.domain.matches.models import Match
from otagai.domain.people.models import HouseholdMunicipalityPeriod, User
from otagai.domain.requests.models import Offer, ShareRequest
from otagai.domain.statistics import metrics
from otagai.domain.statistics.months import Month
from otagai.domain.thanks.models import ThankYou
from tests.factories import MunicipalityFactory, ShareRequestFactory, offer_world
from tests.statistics_world import KAWAGUCHI_BOX


def periods(db, household_id) -> list[tuple[str, bool]]:
    rows = db.execute(
        select(HouseholdMunicipalityPeriod.municipality_code, HouseholdMunicipalityPeriod.valid_to)
        .where(HouseholdMunicipalityPeriod.household_id == household_id)
        .order_by(HouseholdMunicipalityPeriod.id)
    )
    return [(code, valid_to is None) for code, valid_to in rows]


def test_moving_home_closes_the_old_towns_period_and_opens_the_new(client_as, db):
    MunicipalityFactory()
    MunicipalityFactory(
        code="112038", name_ja="川口市", name_en="Kawaguchi", boundary=KAWAGUCHI_BOX
    )
    me = client_as("mover-1")
    body = {"display_name": "引っ越す人", "home": {"lat": 35.8587, "lng": 139.6571}}
    created = me.put("/v1/me", json=body)
    assert created.status_code in (200, 201), created.get_json()
    household = db.scalar(select(User.household_id).where(User.firebase_uid == "mover-1"))
    assert periods(db, household) == [("111007", True)]
    me.put("/v1/me", json={**body, "home": {"lat": 35.75, "lng": 139.72}})  # 川口
    assert periods(db, household) == [("111007", False), ("112038", True)]
    me.put("/v1/me", json={**body, "home": None})
    assert periods(db, household) == [("111007", False), ("112038", False)]


def test_the_flow_of_a_share_writes_the_town_on_every_row(client_as, db, app_context):
    world = offer_world()
    for person in (world.parent, *world.supporters):
        person.household.municipality_code = world.community.municipality_code
    db.flush()
    # Posted now that the family lives in the town.
    posted = ShareRequestFactory(
        requester=world.parent, community=world.community, children=world.children
    )
    supporter = world.supporters[0]
    offered = client_as(supporter).post(f"/v1/share-requests/{posted.id}/offers", json={})
    assert offered.status_code == 201
    accepted = client_as(world.parent).post(f"/v1/offers/{offered.get_json()['id']}/accept")
    assert accepted.status_code == 201
    thanked = client_as(world.parent).post(
        f"/v1/matches/{accepted.get_json()['id']}/thank-yous",
        json={"amount_jpy": 1000, "method": "cash"},
    )
    assert thanked.status_code == 201
    code = world.community.municipality_code
    offer = db.get(Offer, offered.get_json()["id"])
    match = db.get(Match, accepted.get_json()["id"])
    request = db.get(ShareRequest, posted.id)
    thank_you = db.get(ThankYou, thanked.get_json()["id"])
    for row in (offer, match, request, thank_you):
        db.refresh(row)
    assert offer.municipality_code == code
    assert (match.municipality_code, match.kind, match.insured) == (code, "pickup", False)
    assert match.supporter_municipality_code == code
    assert request.matched_at is not None
    assert (thank_you.municipality_code, thank_you.kind) == (code, "pickup")

    this_month = Month.of(dt.datetime.now(dt.UTC))
    raw = metrics.raw_counts(code, this_month, this_month)
    assert raw[(str(this_month), "pickup")]["uninsured_matches"] == 1
    assert raw[(str(this_month), "pickup")]["thank_you_total_jpy"] == 1000
    assert raw[(str(this_month), None)]["households_active"] == 2  # requester and supporter


def test_posting_through_the_api_records_the_requesters_town(client_as, db):
    world = offer_world()
    world.parent.household.municipality_code = world.community.municipality_code
    db.flush()
    starts = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    posted = client_as(world.parent).post(
        "/v1/share-requests",
        json={
            "kind": "lending",
            "community_id": str(world.community.id),
            "title": "ベビーカーを貸してください",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(days=2)).isoformat(),
            "location": {"lat": 35.8587, "lng": 139.6571},
            "item": {"category": "stroller", "description": "A型"},
        },
    )
    assert posted.status_code == 201, posted.get_json()
    request = db.get(ShareRequest, posted.get_json()["id"])
    assert request.municipality_code == world.community.municipality_code
