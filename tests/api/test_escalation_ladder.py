"""The escalation ladder (issue 15; docs/escalation-ladder.md): a widening request climbs
acquaintances → certified → friends of friends → neighbouring → coordinators under a
test-controlled clock, the worker run again and again; each rung's audience is exactly
right (a block anywhere on a friend-of-friend path excludes that person), each rung is
told once, and an offer stops the climb."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from geoalchemy2 import WKTElement
from sqlalchemy import select, text

from otagai.domain.notifications.models import Notification
from otagai.domain.requests.ladder import MAX_WAIT, MIN_WAIT, wait
from otagai.worker import run_once
from tests.factories import (
    EXACT,
    URAWA,
    BlockFactory,
    CertificationFactory,
    ChildFactory,
    CommunityFactory,
    CommunityMemberFactory,
    ConnectionFactory,
    MunicipalityFactory,
    TestSession,
    UserFactory,
    pin_place,
)

pytestmark = pytest.mark.usefixtures("app_context")

URAWA_WKT = f"SRID=4326;POINT({URAWA.lng} {URAWA.lat})"
NEAR_BOX = "SRID=4326;POLYGON((139.70 35.84,139.73 35.84,139.73 35.87,139.70 35.87,139.70 35.84))"
FAR_BOX = "SRID=4326;POLYGON((139.90 35.84,139.93 35.84,139.93 35.87,139.90 35.87,139.90 35.84))"
T0 = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)


def _place(db, user, metres: float, bearing_deg: float = 90.0) -> None:
    wkt = db.execute(
        text("SELECT ST_AsEWKT(ST_Project(ST_GeogFromText(:p), :m, radians(:b)))"),
        {"p": URAWA_WKT, "m": metres, "b": bearing_deg},
    ).scalar_one()
    pin_place(user.household_id, WKTElement(wkt, extended=True), EXACT)
    db.execute(text("UPDATE users SET home = :w WHERE id = :id"), {"w": wkt, "id": user.id})


def _user(db, name, metres=0.0):
    user = UserFactory(display_name=name, public=EXACT)
    if metres:
        _place(db, user, metres)
    return user


@pytest.fixture
def ladder(db) -> SimpleNamespace:
    town = MunicipalityFactory()
    here = CommunityFactory(municipality=town)
    near = CommunityFactory(area=NEAR_BOX, municipality=town)
    far = CommunityFactory(area=FAR_BOX, municipality=town)
    w = SimpleNamespace(community=here)
    w.parent = _user(db, "親")
    CommunityMemberFactory(community=here, user=w.parent)
    w.child = ChildFactory(household=w.parent.household)
    w.coordinator = _user(db, "コーディネーター", 50_000)  # far away: not a candidate
    CommunityMemberFactory(community=here, user=w.coordinator, role="coordinator")
    # rung 0: a connection
    w.friend = _user(db, "友だち")
    ConnectionFactory(a=w.parent, b=w.friend)
    # rung 1: certified here for pickup; a plain member is not
    w.certified = _user(db, "認定")
    CertificationFactory(community=here, user=w.certified, kinds=["pickup"])
    CommunityMemberFactory(community=here, user=_user(db, "会員"))
    # rung 2: friends of friends
    w.fof = _user(db, "友だちの友だち")
    ConnectionFactory(a=w.friend, b=w.fof)
    w.fof_blocking_parent = _user(db, "親をブロック")
    ConnectionFactory(a=w.friend, b=w.fof_blocking_parent)
    BlockFactory(blocker=w.fof_blocking_parent, blocked=w.parent)
    w.friend2 = _user(db, "友だち2")
    ConnectionFactory(a=w.parent, b=w.friend2)
    w.fof_blocked_by_friend = _user(db, "友だちにブロックされた")
    ConnectionFactory(a=w.friend2, b=w.fof_blocked_by_friend)
    BlockFactory(blocker=w.friend2, blocked=w.fof_blocked_by_friend)
    w.friend3 = _user(db, "友だち3")
    ConnectionFactory(a=w.parent, b=w.friend3)
    BlockFactory(blocker=w.parent, blocked=w.friend3)  # requester – intermediary
    w.fof_via_blocked = _user(db, "ブロックの先")
    ConnectionFactory(a=w.friend3, b=w.fof_via_blocked)
    w.fof_far = _user(db, "遠い友だちの友だち", 3000)  # outside the 2 km radius
    ConnectionFactory(a=w.friend, b=w.fof_far)
    # rung 3: certified in a neighbouring community, within twice the radius
    w.neighbour = _user(db, "隣の認定", 3000)
    CertificationFactory(community=near, user=w.neighbour, kinds=["pickup"])
    w.neighbour_too_far = _user(db, "隣の認定・遠い", 5000)
    CertificationFactory(community=near, user=w.neighbour_too_far, kinds=["pickup"])
    w.far_community = _user(db, "遠いコミュニティの認定", 3000)
    CertificationFactory(community=far, user=w.far_community, kinds=["pickup"])
    TestSession.flush()
    return w


def _post(client_as, w, starts_at):
    body = {
        "kind": "pickup",
        "community_id": str(w.community.id),
        "title": "保育園のお迎え",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(minutes=90)).isoformat(),
        "location": {"lat": URAWA.lat, "lng": URAWA.lng},
        "dropoff": {"lat": 35.8601, "lng": 139.6555},
        "child_ids": [str(w.child.id)],
        "audience": "widening",
    }
    response = client_as(w.parent).post(
        "/v1/share-requests", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _run(clock, at):
    clock.set(at)
    for _ in range(3):
        run_once(at)


def _candidates(client_as, w, request_id):
    items = client_as(w.parent).get(f"/v1/share-requests/{request_id}/candidates").get_json()
    return {uuid.UUID(c["user_id"]): c for c in items["items"]}


def _told(db, type="new_request"):
    db.expire_all()
    return sorted(
        str(n.user_id) for n in db.scalars(select(Notification).where(Notification.type == type))
    )


def _ids(*users):
    return sorted(str(u.id) for u in users)


def test_wait_is_an_eighth_of_the_time_left_between_10_minutes_and_a_day():
    assert wait(timedelta(hours=3)) == timedelta(minutes=22, seconds=30)
    assert wait(timedelta(minutes=30)) == MIN_WAIT
    assert wait(timedelta(days=7)) == timedelta(hours=21)
    assert wait(timedelta(days=10)) == MAX_WAIT
    assert wait(timedelta(hours=48)) == timedelta(hours=6)


def test_a_widening_request_climbs_every_rung_once_with_exactly_its_audience(
    client_as, db, ladder, clock
):
    w = ladder
    clock.set(T0)
    created = _post(client_as, w, T0 + timedelta(hours=3))
    rid = created["id"]
    assert created["audience"] == "widening"
    assert created["rung"]["name"] == "acquaintances"
    _run(clock, T0)
    # friend3 is a connection too, but the parent blocked them.
    assert set(_candidates(client_as, w, rid)) == {w.friend.id, w.friend2.id}
    assert _told(db) == _ids(w.friend, w.friend2)
    # Nobody on a later rung sees it yet.
    assert client_as(w.fof).get(f"/v1/share-requests/{rid}").status_code == 404
    assert client_as(w.certified).get(f"/v1/share-requests/{rid}").status_code == 404

    audiences = {
        "certified": [w.friend, w.friend2, w.certified],
        "friends_of_friends": [w.friend, w.friend2, w.certified, w.fof],
        "neighbouring": [w.friend, w.friend2, w.certified, w.fof, w.neighbour],
        "coordinators": [w.friend, w.friend2, w.certified, w.fof, w.neighbour],
    }
    told = {
        "certified": [w.certified],
        "friends_of_friends": [w.fof],
        "neighbouring": [w.neighbour],
        "coordinators": [],
    }
    at = T0
    everyone_told = [w.friend, w.friend2]
    for rung, audience in audiences.items():
        view = client_as(w.parent).get(f"/v1/share-requests/{rid}").get_json()
        next_at = datetime.fromisoformat(view["rung"]["next_at"])
        assert next_at == at + wait(T0 + timedelta(hours=3) - at)
        _run(clock, next_at - timedelta(seconds=1))  # not yet
        assert (
            client_as(w.parent).get(f"/v1/share-requests/{rid}").get_json()["rung"] == view["rung"]
        )
        at = next_at
        _run(clock, at)
        view = client_as(w.parent).get(f"/v1/share-requests/{rid}").get_json()
        assert view["rung"]["name"] == rung
        assert datetime.fromisoformat(view["rung"]["since"]) == at
        assert set(_candidates(client_as, w, rid)) == {u.id for u in audience}, rung
        everyone_told += told[rung]
        assert _told(db) == _ids(*everyone_told), rung
    assert view["rung"]["next_at"] is None
    assert _told(db, "request_unanswered") == _ids(w.coordinator)
    # The last rung: nothing further, however long the worker runs.
    _run(clock, at + timedelta(hours=2))
    assert _told(db) == _ids(*everyone_told)
    assert _told(db, "request_unanswered") == _ids(w.coordinator)


def test_a_friend_of_a_friend_and_the_requester_see_each_other_only_as_a_friend_of(
    client_as, db, ladder, clock
):
    w = ladder
    clock.set(T0)
    rid = _post(client_as, w, T0 + timedelta(hours=3))["id"]
    for _ in range(2):
        _run(clock, clock.at + timedelta(minutes=30))
    listed = _candidates(client_as, w, rid)[w.fof.id]
    assert (listed["trust_tier"], listed["display_name"], listed["friend_of"]) == (
        "friend_of_friend",
        None,
        "友だち",
    )
    seen = client_as(w.fof).get(f"/v1/share-requests/{rid}").get_json()
    assert seen["requester"] == {"id": str(w.parent.id), "display_name": None}
    assert seen["friend_of"] == "友だち"
    [item] = client_as(w.fof).get("/v1/share-requests/feed").get_json()["items"]
    assert (item["requester"]["display_name"], item["friend_of"]) == (None, "友だち")
    for excluded in (w.fof_blocking_parent, w.fof_blocked_by_friend, w.fof_via_blocked, w.fof_far):
        assert client_as(excluded).get(f"/v1/share-requests/{rid}").status_code == 404
        assert client_as(excluded).get("/v1/share-requests/feed").get_json()["items"] == []


def test_an_offer_stops_the_climb(client_as, db, ladder, clock):
    w = ladder
    clock.set(T0)
    rid = _post(client_as, w, T0 + timedelta(hours=3))["id"]
    _run(clock, T0)
    response = client_as(w.friend).post(
        f"/v1/share-requests/{rid}/offers",
        json={"note": "行けます"},
        headers={"Idempotency-Key": "offer-1"},
    )
    assert response.status_code == 201, response.get_json()
    _run(clock, T0 + timedelta(hours=2))
    view = client_as(w.parent).get(f"/v1/share-requests/{rid}").get_json()
    assert view["rung"]["name"] == "acquaintances"
    assert _told(db) == _ids(w.friend, w.friend2)
