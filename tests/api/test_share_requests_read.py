"""Reading share requests: who sees what (the visibility matrix), effective expiry, and
my own requests listed newest first."""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import text, update

from otagai.domain.requests.models import ShareRequest
from tests.factories import (
    CertificationFactory,
    ChildFactory,
    CommunityFactory,
    CommunityMemberFactory,
    ShareRequestFactory,
    UserFactory,
    add_match,
    add_offer,
)
from tests.helpers import assert_problem

FULL_KEYS = {"location", "dropoff", "match_id"}
HOUSEHOLD_KEYS = FULL_KEYS | {"offers_count", "radius_m", "supporter", "candidate_count"}


def _years_ago(years: int, days: int = 0) -> dt.date:
    today = dt.date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - dt.timedelta(days)


@pytest.fixture
def world(db) -> SimpleNamespace:
    """A pickup of ``parent`` for two children (aged 4 and 0), a certified supporter near
    it (a candidate) and a plain member next door (not a candidate for pickup)."""
    community = CommunityFactory()
    parent, second_parent, candidate, neighbour = (UserFactory() for _ in range(4))
    second_parent.household_id = parent.household_id
    for user in (parent, neighbour):
        CommunityMemberFactory(community=community, user=user)
    CertificationFactory(community=community, user=candidate)
    children = [
        ChildFactory(
            household=parent.household, nickname="はるとくん", birth_date=_years_ago(4),
            notes="卵アレルギー",
        ),
        ChildFactory(
            household=parent.household, nickname="みおちゃん", birth_date=_years_ago(0, 30)
        ),
    ]  # fmt: skip
    request = ShareRequestFactory(requester=parent, community=community, children=children)
    db.flush()
    return SimpleNamespace(
        community=community, parent=parent, second_parent=second_parent, candidate=candidate,
        neighbour=neighbour, children=children, request=request,
    )  # fmt: skip


def _get(client_as, user, request_id):
    return client_as(user).get(f"/v1/share-requests/{request_id}")


def _start_passed(db, request) -> None:
    """Age the request: it started an hour ago (written as SQL; time is never patched)."""
    db.execute(
        update(ShareRequest)
        .where(ShareRequest.id == request.id)
        .values(starts_at=ShareRequest.starts_at - dt.timedelta(days=1, hours=1))
    )
    db.expire_all()


# --- visibility matrix --------------------------------------------------------------------


def test_get_by_requester_shows_everything(client_as, world):
    response = _get(client_as, world.parent, world.request.id)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["viewer_role"] == "household"
    assert set(body) >= HOUSEHOLD_KEYS
    assert body["location"] == {"lat": 35.8587, "lng": 139.6571}
    assert body["children"]["count"] == 2
    assert {c["nickname"]: c["notes"] for c in body["children"]["list"]} == {
        "はるとくん": "卵アレルギー",
        "みおちゃん": None,
    }
    assert (body["offers_count"], body["match_id"], body["candidate_count"]) == (0, None, 1)


def test_get_by_household_member_shows_everything(client_as, world):
    body = _get(client_as, world.second_parent, world.request.id).get_json()
    assert body["viewer_role"] == "household"
    assert [c["birth_date"] for c in body["children"]["list"]] == [
        c.birth_date.isoformat() for c in world.children
    ]


def test_get_by_candidate_shows_the_limited_view(client_as, db, world):
    response = _get(client_as, world.candidate, world.request.id)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["viewer_role"] == "candidate"
    assert not HOUSEHOLD_KEYS & set(body)
    assert body["children"] == {"count": 2, "age_bands": ["0", "3-5"]}
    # From the candidate's home to the request's public point, rounded up.
    measured = db.scalar(
        text(
            "SELECT ST_Distance(u.home, r.public_location) FROM users u, share_requests r "
            "WHERE u.id = :u AND r.id = :r"
        ),
        {"u": world.candidate.id, "r": world.request.id},
    )
    assert body["distance_m"] == max(100, math.ceil(measured / 100) * 100)
    assert body["requester"] == {
        "id": str(world.parent.id),
        "display_name": world.parent.display_name,
    }
    assert body["community"]["id"] == str(world.community.id)
    assert body["recommended_thank_you"] == {"min_jpy": 1000, "max_jpy": 1400}


def test_get_by_candidate_leaks_no_coordinates_and_no_child_details(client_as, world):
    raw = _get(client_as, world.candidate, world.request.id).get_data(as_text=True)
    for secret in ("35.8", "139.6", "lat", "lng", "はると", "みお", "卵", "birth", "nickname"):
        assert secret not in raw, secret
    for child in world.children:
        assert str(child.id) not in raw


def test_get_by_non_candidate_neighbour_is_404(client_as, world):
    assert_problem(
        _get(client_as, world.neighbour, world.request.id), 404, "share_request_not_found"
    )


def test_get_by_stranger_is_404(client_as, world):
    assert_problem(_get(client_as, UserFactory(), world.request.id), 404, "share_request_not_found")


def test_get_unknown_id_is_404(client_as, world):
    assert_problem(_get(client_as, world.parent, uuid.uuid4()), 404, "share_request_not_found")


def test_get_without_profile_is_403(client_as, world):
    assert_problem(_get(client_as, "no-profile", world.request.id), 403, "profile_required")


def test_get_by_matched_supporter_shows_points_and_children(client_as, world):
    match = add_match(world.request, world.candidate)
    body = _get(client_as, world.candidate, world.request.id).get_json()
    assert (body["viewer_role"], body["status"], body["match_id"]) == (
        "supporter", "matched", str(match.id),
    )  # fmt: skip
    assert body["location"] == {"lat": 35.8587, "lng": 139.6571}
    assert body["dropoff"] == {"lat": 35.8601, "lng": 139.6555}
    [older, baby] = body["children"]["list"]
    assert (older["nickname"], older["age"], older["notes"]) == ("はるとくん", 4, "卵アレルギー")
    assert (baby["age"], baby["age_band"]) == (0, "0")
    assert "birth_date" not in older
    assert "offers_count" not in body


def test_get_by_other_candidate_once_matched_is_404(client_as, world):
    other = UserFactory()
    CertificationFactory(community=world.community, user=other)
    add_match(world.request, world.candidate)
    assert_problem(_get(client_as, other, world.request.id), 404, "share_request_not_found")


def test_get_by_supporter_of_cancelled_match_is_limited(client_as, db, world):
    add_match(world.request, world.candidate, status="cancelled")
    world.request.status = "cancelled"
    db.flush()
    body = _get(client_as, world.candidate, world.request.id).get_json()
    assert (body["viewer_role"], body["status"]) == ("past_supporter", "cancelled")
    assert "location" not in body and "list" not in body["children"]


def test_get_by_household_counts_pending_offers_and_names_the_supporter(client_as, world):
    add_offer(world.request, world.candidate)
    body = _get(client_as, world.parent, world.request.id).get_json()
    assert (body["offers_count"], body["supporter"]) == (1, None)


def test_get_shows_lending_item_to_candidate_member(client_as, world):
    lending = ShareRequestFactory(requester=world.parent, community=world.community, kind="lending")
    body = _get(client_as, world.neighbour, lending.id).get_json()
    assert body["viewer_role"] == "candidate"
    assert body["item"] == {"category": "stroller", "description": "A型ベビーカー"}
    assert body["recommended_thank_you"] is None


# --- effective expiry ---------------------------------------------------------------------


def test_get_open_request_past_its_start_reads_expired_before_the_command(client_as, db, world):
    _start_passed(db, world.request)
    body = _get(client_as, world.parent, world.request.id).get_json()
    assert body["status"] == "expired"
    assert "candidate_count" not in body


def test_get_open_request_past_its_start_is_404_for_candidates(client_as, db, world):
    _start_passed(db, world.request)
    assert_problem(_get(client_as, world.candidate, world.request.id), 404)


# --- my requests --------------------------------------------------------------------------


def _mine(client_as, user, query=""):
    response = client_as(user).get(f"/v1/me/share-requests{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _three(world):
    """Three more requests of the parent, created in this order (the fixture's is first)."""
    made = [world.request]
    for minutes in (1, 2, 3):
        r = ShareRequestFactory(requester=world.parent, community=world.community)
        r.created_at = world.request.created_at + dt.timedelta(minutes=minutes)
        made.append(r)
    return made


def test_list_mine_is_newest_first_and_pages(client_as, db, world):
    made = _three(world)
    db.flush()
    first = _mine(client_as, world.parent, "?limit=3")
    second = _mine(client_as, world.parent, f"?limit=3&cursor={first['next_cursor']}")
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert ids == [str(r.id) for r in reversed(made)]
    assert second["next_cursor"] is None


def test_list_mine_filters_by_effective_status(client_as, db, world):
    made = _three(world)
    made[1].status = "cancelled"
    db.flush()
    _start_passed(db, made[2])
    expired = _mine(client_as, world.parent, "?status=expired")
    open_ = _mine(client_as, world.parent, "?status=open")
    assert [i["id"] for i in expired["items"]] == [str(made[2].id)]
    assert {i["id"] for i in open_["items"]} == {str(made[0].id), str(made[3].id)}


def test_list_mine_leaves_out_other_peoples_requests(client_as, world):
    ShareRequestFactory(requester=world.neighbour, community=world.community)
    assert [i["id"] for i in _mine(client_as, world.parent)["items"]] == [str(world.request.id)]
    assert _mine(client_as, world.second_parent)["items"] == []


def test_list_mine_with_unknown_status_is_422(client_as, world):
    response = client_as(world.parent).get("/v1/me/share-requests?status=lost")
    assert "status" in assert_problem(response, 422, "validation_failed")["errors"]


def test_list_mine_with_bad_cursor_is_422(client_as, world):
    response = client_as(world.parent).get("/v1/me/share-requests?cursor=bm9wZQ")
    assert_problem(response, 422, "invalid_cursor")


def test_list_mine_shows_my_exact_points(client_as, world):
    # The household's own data: the points are there, as numbers.
    item = _mine(client_as, world.parent)["items"][0]
    assert json.dumps(item["location"]) == '{"lat": 35.8587, "lng": 139.6571}'
