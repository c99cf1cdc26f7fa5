"""GET /v1/share-requests/{id}/candidates: the five candidate rules, each on a hand-built
neighbourhood where exactly one person differs, then the ranking and who may ask."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from geoalchemy2 import WKTElement
from sqlalchemy import text

from otagai.domain.matching.candidates import activity_day
from tests.factories import (
    EXACT,
    URAWA,
    BlockFactory,
    CertificationFactory,
    CommunityFactory,
    CommunityMemberFactory,
    ConnectionFactory,
    ShareRequestFactory,
    TestSession,
    UserFactory,
    add_match,
    pin_place,
)
from tests.helpers import assert_problem

URAWA_WKT = f"SRID=4326;POINT({URAWA.lng} {URAWA.lat})"


@pytest.fixture
def hood(db) -> SimpleNamespace:
    """A community with a requesting parent (a member) living at Urawa station, measured
    there exactly (``public=EXACT``: a request from home takes the home's public point)."""
    community = CommunityFactory()
    parent = UserFactory(public=EXACT)
    CommunityMemberFactory(community=community, user=parent)
    return SimpleNamespace(db=db, community=community, parent=parent)


def _request(hood, **kw):
    """An open request of the parent at Urawa station, tomorrow (pickup, 2 km, community)."""
    return ShareRequestFactory(requester=hood.parent, community=hood.community, **kw)


def _certified(hood, kinds=("pickup", "babysitting"), **kw):
    user = UserFactory()
    CertificationFactory(community=hood.community, user=user, kinds=list(kinds), **kw)
    return user


def _member(hood):
    user = UserFactory()
    CommunityMemberFactory(community=hood.community, user=user)
    return user


def _place(db, user, metres: float, bearing_deg: float = 0.0, public: object = EXACT) -> None:
    """Move ``user``'s home ``metres`` from Urawa station along a geodesic (0° = north),
    measured there exactly unless ``public=None`` (then a public point is drawn)."""
    wkt = db.execute(
        text("SELECT ST_AsEWKT(ST_Project(ST_GeogFromText(:p), :m, radians(:b)))"),
        {"p": URAWA_WKT, "m": metres, "b": bearing_deg},
    ).scalar_one()
    if public is not None:
        pin_place(user.household_id, WKTElement(wkt, extended=True), public)
    db.execute(text("UPDATE users SET home = :w WHERE id = :id"), {"w": wkt, "id": user.id})


def _candidates(client_as, user, request) -> list[dict]:
    TestSession.flush()
    response = client_as(user).get(f"/v1/share-requests/{request.id}/candidates")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["next_cursor"] is None
    return body["items"]


def _ids(client_as, hood, request) -> set[uuid.UUID]:
    return {uuid.UUID(c["user_id"]) for c in _candidates(client_as, hood.parent, request)}


# --- the rules, one person excluded each ----------------------------------------------------


def test_candidates_same_household_excluded(client_as, hood):
    spouse, neighbour = _certified(hood), _certified(hood)
    spouse.household_id = hood.parent.household_id
    ConnectionFactory(a=hood.parent, b=spouse)
    assert _ids(client_as, hood, _request(hood)) == {neighbour.id}


def test_candidates_blocked_by_requester_excluded(client_as, hood):
    blocked, other = _certified(hood), _certified(hood)
    BlockFactory(blocker=hood.parent, blocked=blocked)
    assert _ids(client_as, hood, _request(hood)) == {other.id}


def test_candidates_blocking_the_requester_excluded(client_as, hood):
    blocking, other = _certified(hood), _certified(hood)
    BlockFactory(blocker=blocking, blocked=hood.parent)
    assert _ids(client_as, hood, _request(hood)) == {other.id}


def test_candidates_outside_radius_by_a_few_metres_excluded(client_as, db, hood):
    inside, outside = _certified(hood), _certified(hood)
    _place(db, inside, 1995)
    _place(db, outside, 2005)
    [only] = _candidates(client_as, hood.parent, _request(hood, radius_m=2000))
    assert (only["user_id"], only["distance_m"]) == (str(inside.id), 2000)


def test_candidates_uncertified_member_excluded_for_babysitting(client_as, hood):
    certified, _plain = _certified(hood), _member(hood)
    assert _ids(client_as, hood, _request(hood, kind="babysitting")) == {certified.id}


def test_candidates_plain_member_included_for_lending(client_as, hood):
    plain, _outsider = _member(hood), UserFactory()
    assert _ids(client_as, hood, _request(hood, kind="lending")) == {plain.id}


def test_candidates_certification_expired_the_day_before_excluded(client_as, hood):
    request = _request(hood)
    day = activity_day(request)
    on_the_day = _certified(hood, expires_on=day)
    _certified(hood, expires_on=day - dt.timedelta(days=1))
    assert _ids(client_as, hood, request) == {on_the_day.id}


def test_candidates_revoked_certification_excluded(client_as, hood):
    valid = _certified(hood)
    _certified(
        hood,
        revoked_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
        revoked_by_id=hood.parent.id,
        revoke_reason="研修の再受講が必要",
    )
    assert _ids(client_as, hood, _request(hood)) == {valid.id}


def test_candidates_certified_for_another_kind_excluded(client_as, hood):
    pickup = _certified(hood, kinds=["pickup"])
    _certified(hood, kinds=["lending"])
    assert _ids(client_as, hood, _request(hood)) == {pickup.id}


def test_candidates_overlapping_confirmed_match_excluded(client_as, hood):
    request = _request(hood)
    busy, free_after = _certified(hood), _certified(hood)
    other_parent = UserFactory()
    overlapping = ShareRequestFactory(
        requester=other_parent, community=hood.community,
        starts_at=request.starts_at + dt.timedelta(minutes=30),
    )  # fmt: skip
    # Starts exactly when this one ends: touching is not overlapping.
    adjacent = ShareRequestFactory(
        requester=other_parent, community=hood.community, starts_at=request.ends_at
    )
    add_match(overlapping, busy)
    add_match(adjacent, free_after)
    assert _ids(client_as, hood, request) == {free_after.id}


def test_candidates_busy_as_a_requester_excluded(client_as, hood):
    request = _request(hood)
    busy, other = _certified(hood), _certified(hood)
    own = ShareRequestFactory(requester=busy, community=hood.community, starts_at=request.starts_at)
    add_match(own, UserFactory())
    assert _ids(client_as, hood, request) == {other.id}


def test_candidates_audience_connections_excludes_certified_strangers(client_as, hood):
    friend, _stranger = UserFactory(), _certified(hood)
    ConnectionFactory(a=hood.parent, b=friend)
    assert _ids(client_as, hood, _request(hood, audience="connections")) == {friend.id}


def test_candidates_deleted_account_excluded(client_as, hood):
    active = _certified(hood)
    deleted = _certified(hood)
    deleted.status = "deleted"
    assert _ids(client_as, hood, _request(hood)) == {active.id}


# --- ranking and what is shown ---------------------------------------------------------------


def test_candidates_ranked_by_tier_then_distance_then_completed_shares(client_as, db, hood):
    request = _request(hood, kind="lending")
    both, friend = _certified(hood, kinds=["lending"]), UserFactory()
    near, far = _certified(hood, kinds=["lending"]), _certified(hood, kinds=["lending"])
    once, twice = _member(hood), _member(hood)
    for user in (both, friend):
        ConnectionFactory(a=hood.parent, b=user)
    for user, metres in ((both, 3000), (friend, 2500), (near, 400), (far, 800)):
        _place(db, user, metres)
    for user in (once, twice):
        _place(db, user, 600, 90)
    for user in (once, twice, twice):
        past = _request(hood, starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=9))
        add_match(past, user, status="completed")
    items = _candidates(client_as, hood.parent, request)
    expected = [both, friend, near, far, twice, once]
    assert [c["user_id"] for c in items] == [str(u.id) for u in expected]
    tiers = ["connection_certified", "connection", "certified", "certified", "member", "member"]
    assert [c["trust_tier"] for c in items] == tiers
    assert [c["completed_shares"] for c in items] == [0, 0, 0, 0, 2, 1]
    assert items[0]["certified_kinds"] == ["lending"] and items[1]["certified_kinds"] == []
    assert items[0]["display_name"] == both.display_name


def test_candidates_distances_rounded_up_to_100_never_below_what_is_measured(client_as, db, hood):
    request = _request(hood, radius_m=6000)
    users = [_certified(hood) for _ in range(6)]
    for user, metres in zip(users, (0, 1, 99.5, 100.5, 1234.5, 4999), strict=True):
        _place(db, user, metres, 45, public=None)
    # From the request's exact location to each supporter's public home.
    truth = dict(
        db.execute(
            text(
                "SELECT u.id, ST_Distance(u.public_home, r.location) "
                "FROM users u, share_requests r WHERE r.id = :r AND u.id = ANY(:ids)"
            ),
            {"r": request.id, "ids": [u.id for u in users]},
        ).all()
    )
    items = _candidates(client_as, hood.parent, request)
    assert len(items) == 6
    for c in items:
        true_m = truth[uuid.UUID(c["user_id"])]
        assert c["distance_m"] % 100 == 0 and c["distance_m"] >= max(true_m, 100)
        assert c["distance_m"] - true_m < 100 or (true_m < 1 and c["distance_m"] == 100)


def test_candidates_show_no_coordinates(client_as, hood):
    _certified(hood)
    raw = client_as(hood.parent).get(f"/v1/share-requests/{_request(hood).id}/candidates")
    body = raw.get_data(as_text=True)
    assert "lat" not in body and "139.6" not in body and "35.8" not in body


# --- who may ask, and when ---------------------------------------------------------------


def test_candidates_by_second_parent_of_the_household_listed(client_as, hood):
    second, helper = UserFactory(household=hood.parent.household), _certified(hood)
    items = _candidates(client_as, second, _request(hood))
    assert [c["user_id"] for c in items] == [str(helper.id)]


@pytest.mark.parametrize("who", ["candidate", "stranger"])
def test_candidates_by_someone_outside_the_household_is_404(client_as, hood, who):
    asker = _certified(hood) if who == "candidate" else UserFactory()
    response = client_as(asker).get(f"/v1/share-requests/{_request(hood).id}/candidates")
    assert_problem(response, 404, "share_request_not_found")


def test_candidates_of_unknown_request_is_404(client_as, hood):
    response = client_as(hood.parent).get(f"/v1/share-requests/{uuid.uuid4()}/candidates")
    assert_problem(response, 404, "share_request_not_found")


def test_candidates_without_profile_is_403(client_as, hood):
    response = client_as("no-profile").get(f"/v1/share-requests/{_request(hood).id}/candidates")
    assert_problem(response, 403, "profile_required")


@pytest.mark.parametrize("state", ["matched", "cancelled", "started"])
def test_candidates_of_request_no_longer_open_is_409(client_as, db, hood, state):
    request = _request(hood)
    if state == "matched":
        add_match(request, _certified(hood))
    elif state == "cancelled":
        request.status = "cancelled"
    else:
        db.execute(
            text("UPDATE share_requests SET starts_at = now() - interval '1 min' WHERE id = :id"),
            {"id": request.id},
        )
    db.flush()
    response = client_as(hood.parent).get(f"/v1/share-requests/{request.id}/candidates")
    assert_problem(response, 409, "share_request_not_open")
