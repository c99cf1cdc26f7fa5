"""Public points (src/otagai/domain/people/places.py): every home and request point the API
takes gets one, stable for its place, 150–300 m away; and matching stays honest within the
stated tolerance. The attacks that these defend against are in tests/privacy/."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text

from otagai.domain.people.models import User
from otagai.domain.people.places import (
    MAX_DISPLACEMENT_M,
    MAX_OFFSET_M,
    MIN_DISPLACEMENT_M,
    REUSE_WITHIN_M,
    HouseholdPlace,
)
from otagai.domain.requests.models import ShareRequest
from otagai.extensions.geo import LatLng
from tests.factories import (
    URAWA,
    CertificationFactory,
    CommunityFactory,
    CommunityMemberFactory,
    UserFactory,
)
from tests.helpers import assert_problem

TOMORROW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(days=1)


def _sql(db, statement: str, **params: Any) -> Any:
    return db.execute(text(statement), params)


def _projected(db, origin: LatLng, metres: float, bearing_deg: float) -> LatLng:
    """The point ``metres`` from ``origin`` along a geodesic (0° = north), as PostGIS has it."""
    lng, lat = _sql(
        db,
        "SELECT ST_X(p::geometry), ST_Y(p::geometry) FROM (SELECT ST_Project("
        "ST_SetSRID(ST_MakePoint(:lng, :lat), 4326)::geography, :m, radians(:b)) AS p) s",
        lng=origin.lng, lat=origin.lat, m=metres, b=bearing_deg,
    ).one()  # fmt: skip
    return LatLng(lat, lng)


def _put_home(client_as, uid: str, home: LatLng | None) -> uuid.UUID:
    body = {"display_name": "利用者", "home": None if home is None else vars(home)}
    response = client_as(uid).put("/v1/me", json=body)
    assert response.status_code in (200, 201), response.get_json()
    return uuid.UUID(response.get_json()["id"])


def _offset(db, user_id: uuid.UUID) -> float:
    """How far the user's public point lies from their home."""
    db.expire_all()
    return _sql(
        db, "SELECT ST_Distance(home, public_home) FROM users WHERE id = :id", id=user_id
    ).scalar_one()


def _public_home(db, user_id: uuid.UUID) -> str | None:
    db.expire_all()
    return _sql(
        db, "SELECT ST_AsText(public_home) FROM users WHERE id = :id", id=user_id
    ).scalar_one()


def _public_location(db, request_id: str) -> str:
    return _sql(
        db, "SELECT ST_AsText(public_location) FROM share_requests WHERE id = :id", id=request_id
    ).scalar_one()


# --- the draw ------------------------------------------------------------------------------


def test_public_points_lie_150_to_300_m_away_in_every_direction(db):
    users = [UserFactory() for _ in range(400)]
    rows = _sql(
        db,
        "SELECT ST_Distance(home, public_home), degrees(ST_Azimuth(home, public_home)) "
        "FROM users WHERE id = ANY(:ids)",
        ids=[u.id for u in users],
    ).all()
    distances = [d for d, _ in rows]
    assert min(distances) >= MIN_DISPLACEMENT_M and max(distances) <= MAX_DISPLACEMENT_M
    # Uniform over the ring's area: the median radius is sqrt((150² + 300²) / 2) ≈ 237 m.
    median = sorted(distances)[len(distances) // 2]
    assert 215 < median < 260, median
    octants = {int(azimuth // 45) for _, azimuth in rows}
    assert octants == set(range(8))
    east = sum(math.sin(math.radians(a)) for _, a in rows) / len(rows)
    north = sum(math.cos(math.radians(a)) for _, a in rows) / len(rows)
    assert math.hypot(east, north) < 0.2  # no favoured bearing


def test_public_point_cannot_be_written_directly(db):
    user = UserFactory()
    before = _public_home(db, user.id)
    _sql(db, "UPDATE users SET public_home = home WHERE id = :id", id=user.id)
    assert _public_home(db, user.id) == before
    assert _offset(db, user.id) >= MIN_DISPLACEMENT_M


# --- stable for a place ----------------------------------------------------------------------


def test_home_saved_again_keeps_its_public_point(client_as, db):
    user_id = _put_home(client_as, "same-home", URAWA)
    first = _public_home(db, user_id)
    for _ in range(5):
        _put_home(client_as, "same-home", URAWA)
    assert _public_home(db, user_id) == first


@pytest.mark.parametrize(
    ("metres", "same"), [(REUSE_WITHIN_M - 2, True), (REUSE_WITHIN_M + 2, False)]
)
def test_home_nudged_keeps_its_public_point_moved_gets_a_new_one(client_as, db, metres, same):
    user_id = _put_home(client_as, "nudged", URAWA)
    first = _public_home(db, user_id)
    _put_home(client_as, "nudged", _projected(db, URAWA, metres, 60))
    assert (_public_home(db, user_id) == first) is same
    # The guarantee holds for the new point either way.
    assert _offset(db, user_id) >= MIN_DISPLACEMENT_M - REUSE_WITHIN_M


def test_home_moved_back_gets_its_old_public_point_back(client_as, db):
    user_id = _put_home(client_as, "mover", URAWA)
    first = _public_home(db, user_id)
    _put_home(client_as, "mover", _projected(db, URAWA, 3000, 200))
    assert _public_home(db, user_id) != first
    _put_home(client_as, "mover", URAWA)
    assert _public_home(db, user_id) == first


def test_home_cleared_clears_its_public_point(client_as, db):
    user_id = _put_home(client_as, "cleared", URAWA)
    _put_home(client_as, "cleared", None)
    assert _public_home(db, user_id) is None


def _community_member(client_as, db, uid: str) -> tuple[Any, User]:
    community = CommunityFactory()
    user_id = _put_home(client_as, uid, URAWA)
    user = db.get(User, user_id)
    CommunityMemberFactory(community=community, user=user)
    return community, user


def _lend(client_as, user: User, community: Any, at: LatLng) -> str:
    body = {
        "kind": "lending", "community_id": str(community.id), "title": "ベビーカー",
        "starts_at": TOMORROW.isoformat(), "ends_at": (TOMORROW + dt.timedelta(days=2)).isoformat(),
        "location": vars(at), "item": {"category": "stroller", "description": "A型"},
    }  # fmt: skip
    response = client_as(user).post("/v1/share-requests", json=body)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def test_request_from_home_takes_the_homes_public_point(client_as, db):
    community, user = _community_member(client_as, db, "lender-at-home")
    request_id = _lend(client_as, user, community, URAWA)
    assert _public_location(db, request_id) == _public_home(db, user.id)


def test_requests_from_one_other_place_share_a_public_point_of_their_own(client_as, db):
    community, user = _community_member(client_as, db, "lender-elsewhere")
    nursery = _projected(db, URAWA, 900, 120)
    first, again = (_lend(client_as, user, community, nursery) for _ in range(2))
    nudged = _lend(client_as, user, community, _projected(db, nursery, 10, 0))
    publics = {_public_location(db, r) for r in (first, again, nudged)}
    assert len(publics) == 1
    assert publics != {_public_home(db, user.id)}
    offset = _sql(
        db, "SELECT ST_Distance(location, public_location) FROM share_requests WHERE id = :id",
        id=first,
    ).scalar_one()  # fmt: skip
    assert MIN_DISPLACEMENT_M <= offset <= MAX_DISPLACEMENT_M


def test_second_parent_at_the_same_home_shares_its_public_point(client_as, db):
    first_id = _put_home(client_as, "parent-one", URAWA)
    code = client_as("parent-one").post("/v1/me/household/invites").get_json()["code"]
    _put_home(client_as, "parent-two", _projected(db, URAWA, 3000, 0))
    response = client_as("parent-two").post("/v1/households/join", json={"code": code})
    assert response.status_code == 201, response.get_json()
    second_id = db.scalar(select(User.id).where(User.firebase_uid == "parent-two"))
    _put_home(client_as, "parent-two", _projected(db, URAWA, 5, 90))
    assert _public_home(db, second_id) == _public_home(db, first_id)


def test_joining_a_household_brings_the_joiners_places(client_as, db):
    _put_home(client_as, "host", URAWA)
    code = client_as("host").post("/v1/me/household/invites").get_json()["code"]
    elsewhere = _projected(db, URAWA, 4000, 270)
    joiner_id = _put_home(client_as, "joiner", elsewhere)
    before = _public_home(db, joiner_id)
    assert client_as("joiner").post("/v1/households/join", json={"code": code}).status_code == 201
    assert _public_home(db, joiner_id) == before
    _put_home(client_as, "joiner", elsewhere)  # saved again, now in the new household
    assert _public_home(db, joiner_id) == before


def test_deleting_the_last_member_forgets_the_households_places(client_as, db):
    user_id = _put_home(client_as, "leaving", URAWA)
    household_id = db.get(User, user_id).household_id
    assert client_as("leaving").delete("/v1/me").status_code == 204
    db.expire_all()
    places = db.scalar(select(func.count()).where(HouseholdPlace.household_id == household_id))
    assert places == 0
    assert _public_home(db, user_id) is None


# --- matching within the tolerance -------------------------------------------------------------


def test_radius_holds_within_the_stated_tolerance(client_as, db):
    """Whoever is within 2,000 − 680 m is a candidate for a 2 km pickup, whoever is beyond
    2,000 + 680 m is not, whatever the draws."""
    community = CommunityFactory()
    parent = UserFactory()
    CommunityMemberFactory(community=community, user=parent)
    child_id = (
        client_as(parent)
        .post("/v1/me/children", json={"nickname": "こども", "birth_date": "2021-04-01"})
        .get_json()["id"]
    )
    inside, outside = [], []
    for bearing in range(0, 360, 30):
        for metres, group in ((2000 - 2 * MAX_OFFSET_M - 5, inside),
                              (2000 + 2 * MAX_OFFSET_M + 5, outside)):  # fmt: skip
            user = UserFactory(home=_projected(db, URAWA, metres, bearing).to_element())
            CertificationFactory(community=community, user=user)
            group.append(str(user.id))
    body = {
        "kind": "pickup", "community_id": str(community.id), "title": "お迎え",
        "starts_at": TOMORROW.isoformat(),
        "ends_at": (TOMORROW + dt.timedelta(minutes=90)).isoformat(),
        "location": vars(URAWA), "dropoff": vars(URAWA), "child_ids": [child_id],
        "radius_m": 2000,
    }  # fmt: skip
    request_id = client_as(parent).post("/v1/share-requests", json=body).get_json()["id"]
    items = client_as(parent).get(f"/v1/share-requests/{request_id}/candidates").get_json()
    found = {c["user_id"] for c in items["items"]}
    assert set(inside) <= found and not set(outside) & found


def test_distances_shown_are_within_340_m_of_the_truth(client_as, db):
    community = CommunityFactory()
    parent = UserFactory()
    CommunityMemberFactory(community=community, user=parent)
    true_m = {}
    for i, metres in enumerate((700, 1500, 3000)):
        user = UserFactory(home=_projected(db, URAWA, metres, 40 * i).to_element())
        CommunityMemberFactory(community=community, user=user)
        true_m[str(user.id)] = metres
    request_id = _lend(client_as, parent, community, URAWA)
    items = client_as(parent).get(f"/v1/share-requests/{request_id}/candidates").get_json()
    shown = {c["user_id"]: c["distance_m"] for c in items["items"]}
    assert shown.keys() == true_m.keys()
    for user_id, metres in true_m.items():
        assert abs(shown[user_id] - metres) <= MAX_OFFSET_M + 100, (metres, shown[user_id])
    # The other way: each of them sees the request about as far away in their feed.
    for user_id, metres in true_m.items():
        uid = db.get(User, uuid.UUID(user_id)).firebase_uid
        [item] = client_as(uid).get("/v1/share-requests/feed").get_json()["items"]
        assert abs(item["distance_m"] - metres) <= MAX_OFFSET_M + 100


def test_radius_below_500_m_is_422_and_writes_nothing(client_as, db):
    community, user = _community_member(client_as, db, "tiny-radius")
    body = {
        "kind": "lending", "community_id": str(community.id), "title": "ベビーカー",
        "starts_at": TOMORROW.isoformat(), "ends_at": (TOMORROW + dt.timedelta(days=2)).isoformat(),
        "location": vars(URAWA), "item": {"category": "stroller", "description": "A型"},
        "radius_m": 499,
    }  # fmt: skip
    problem = assert_problem(client_as(user).post("/v1/share-requests", json=body), 422)
    assert "radius_m" in problem["errors"]
    assert db.scalar(select(func.count()).select_from(ShareRequest)) == 0
