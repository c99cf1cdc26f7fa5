"""Everything else that could carry a position, checked against the promise: the logs,
database errors, the communities near a point, and what the parties of an offer or a match
see of each other. (The candidate list and the feed are the attacks' business.)"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from otagai.extensions.logs import JsonFormatter
from tests.factories import (
    CommunityFactory,
    CommunityMemberFactory,
    UserFactory,
    add_offer,
    coordinate_keys_in,
    match_world,
    offer_world,
)

# Digits no factory uses, so finding them anywhere means they leaked.
HOME = {"lat": 35.861734, "lng": 139.645583}
HERE = {"lat": 35.852947, "lng": 139.660218}
DIGITS = ("861734", "645583", "852947", "660218")


def test_no_log_line_carries_coordinates_sent_or_stored(client_as, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.handler.setFormatter(JsonFormatter())
    community = CommunityFactory()
    api = client_as("log-watcher")
    assert api.put("/v1/me", json={"display_name": "見る人", "home": HOME}).status_code == 201
    assert api.post(f"/v1/communities/{community.id}/members").status_code == 201
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)
    body = {
        "kind": "lending", "community_id": str(community.id), "title": "ベビーカー",
        "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(days=1)).isoformat(),
        "location": HOME, "item": {"category": "stroller", "description": "A型"},
    }  # fmt: skip
    assert api.post("/v1/share-requests", json=body).status_code == 201
    assert api.get("/v1/share-requests/feed", query_string=HERE).status_code == 200
    assert api.get("/v1/communities", query_string=HERE).status_code == 200
    assert api.get("/v1/me").status_code == 200
    assert caplog.records, "nothing was logged: the check would be empty"
    for digits in DIGITS:
        assert digits not in caplog.text, digits
    paths = [r.path for r in caplog.records if r.name == "otagai.access"]
    assert "/v1/share-requests/feed" in paths  # the path, never its query


def test_database_error_messages_carry_no_parameters(engine):
    with engine.connect() as conn, pytest.raises(DBAPIError) as raised:
        conn.execute(
            text("SELECT ST_GeogFromText(:p)::integer"),
            {"p": f"SRID=4326;POINT({HOME['lng']} {HOME['lat']})"},
        )
    for digits in DIGITS[:2]:
        assert digits not in str(raised.value)


def test_communities_near_a_point_show_no_members_points(client_as, db):
    community = CommunityFactory()
    member = UserFactory()
    CommunityMemberFactory(community=community, user=member)
    raw = client_as(member).get("/v1/communities", query_string=HERE)
    assert raw.status_code == 200
    [item] = raw.get_json()["items"]
    assert item["id"] == str(community.id) and item["distance_m"] == 0
    assert not coordinate_keys_in(raw.get_json())


def test_offers_list_shows_the_requester_no_supporters_point(client_as, db):
    world = offer_world(supporters=2)
    for supporter in world.supporters:
        add_offer(world.request, supporter)
    body = client_as(world.parent).get(f"/v1/share-requests/{world.request.id}/offers")
    assert body.status_code == 200 and len(body.get_json()["items"]) == 2
    assert not coordinate_keys_in(body.get_json())


@pytest.mark.parametrize("party", ["parent", "supporter"])
def test_match_view_shows_neither_party_the_others_home(client_as, party):
    world = match_world()
    response = client_as(getattr(world, party)).get(f"/v1/matches/{world.match.id}")
    assert response.status_code == 200
    assert not coordinate_keys_in(response.get_json())
