"""GET /v1/share-requests/feed: the open requests I am a candidate for, nearest first —
and the same answer as ``candidate(request, me)`` for everybody in a neighbourhood."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from otagai.domain.matching.candidates import TIERS, candidate
from otagai.domain.requests.status import is_effectively_open
from otagai.extensions.geo import LatLng
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
    ShareRequestFactory,
    TestSession,
    UserFactory,
    add_match,
)
from tests.helpers import assert_problem

NORTH_1KM = LatLng(35.8677, 139.6571)  # about 1,000 m north of Urawa station
EAST_3KM = LatLng(35.8587, 139.6904)  # about 3,000 m east


def _at(point: LatLng):
    return point.to_element()


def _feed(client_as, user, **query) -> dict:
    TestSession.flush()
    response = client_as(user).get("/v1/share-requests/feed", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _ids(body) -> list[str]:
    return [item["id"] for item in body["items"]]


@pytest.fixture
def hood(db) -> SimpleNamespace:
    """A community; a parent living at Urawa station; a supporter certified for pickup and
    babysitting living there too, measured there exactly (``public=EXACT``), as are the
    parent's requests: these tests are about the rules, not the displacement."""
    community = CommunityFactory()
    parent, supporter = UserFactory(public=EXACT), UserFactory(public=EXACT)
    CommunityMemberFactory(community=community, user=parent)
    CertificationFactory(community=community, user=supporter)
    return SimpleNamespace(community=community, parent=parent, supporter=supporter)


def _request(hood, **kw):
    kw.setdefault("public", EXACT)
    return ShareRequestFactory(requester=hood.parent, community=hood.community, **kw)


def test_feed_lists_requests_i_may_help_with_nearest_first(client_as, hood):
    far = _request(hood, location=_at(NORTH_1KM))
    near = _request(hood)
    body = _feed(client_as, hood.supporter)
    assert _ids(body) == [str(near.id), str(far.id)]
    assert [i["distance_m"] for i in body["items"]] == [100, 1000]
    assert body["next_cursor"] is None


def test_feed_item_shows_counts_and_bands_not_points_or_names(client_as, hood):
    child = ChildFactory(
        household=hood.parent.household, nickname="はるとくん", birth_date=dt.date(2021, 4, 1),
        notes="卵アレルギー",
    )  # fmt: skip
    request = _request(hood, children=[child], title="お迎えのお願い")
    raw = client_as(hood.supporter).get("/v1/share-requests/feed")
    [item] = raw.get_json()["items"]
    assert set(item) == {
        "id", "kind", "title", "starts_at", "ends_at", "distance_m", "requester",
        "community", "trust_tier", "children", "item", "intended_thank_you_jpy",
        "recommended_thank_you",
    }  # fmt: skip
    assert item["id"] == str(request.id) and item["trust_tier"] == "certified"
    parent = hood.parent
    assert item["requester"] == {"id": str(parent.id), "display_name": parent.display_name}
    assert item["community"] == {"id": str(hood.community.id), "name": hood.community.name}
    assert item["children"]["count"] == 1 and len(item["children"]["age_bands"]) == 1
    assert item["recommended_thank_you"] == {"min_jpy": 1000, "max_jpy": 1400}
    assert item["item"] is None and item["intended_thank_you_jpy"] == 1000
    for secret in ("lat", "lng", "35.8", "139.6", "はると", "卵", str(child.id)):
        assert secret not in raw.get_data(as_text=True), secret


def test_feed_shows_lending_item_and_member_tier(client_as, hood):
    member = UserFactory()
    CommunityMemberFactory(community=hood.community, user=member)
    request = _request(hood, kind="lending")
    [item] = _feed(client_as, member)["items"]
    assert (item["id"], item["trust_tier"]) == (str(request.id), "member")
    assert item["item"] == {"category": "stroller", "description": "A型ベビーカー"}
    assert item["recommended_thank_you"] is None


def test_feed_pages_by_distance_then_id_without_repeats(client_as, hood):
    points = [LatLng(URAWA.lat + i * 0.002, URAWA.lng) for i in (0, 0, 1, 2, 2, 3, 4)]
    created = {str(_request(hood, location=_at(p)).id) for p in points}
    whole = _ids(_feed(client_as, hood.supporter))
    seen, cursor = [], None
    while True:
        page = _feed(client_as, hood.supporter, limit=2, **({"cursor": cursor} if cursor else {}))
        seen += _ids(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == whole and set(seen) == created


def test_feed_from_position_orders_from_there(client_as, hood):
    at_home, near_position = _request(hood), _request(hood, location=_at(NORTH_1KM))
    body = _feed(client_as, hood.supporter, lat=NORTH_1KM.lat, lng=NORTH_1KM.lng)
    assert _ids(body) == [str(near_position.id), str(at_home.id)]
    assert [i["distance_m"] for i in body["items"]] == [100, 1000]


def test_feed_position_does_not_change_who_may_help(client_as, hood):
    _request(hood, location=_at(EAST_3KM))  # 3 km from my home: outside its 2 km radius
    assert _feed(client_as, hood.supporter, lat=EAST_3KM.lat, lng=EAST_3KM.lng)["items"] == []


def test_feed_leaves_out_requests_no_longer_open(client_as, db, hood):
    open_one = _request(hood)
    add_match(_request(hood), UserFactory())
    _request(hood, status="cancelled")
    started = _request(hood)
    db.execute(
        text("UPDATE share_requests SET starts_at = now() - interval '1 minute' WHERE id = :id"),
        {"id": started.id},
    )
    assert _ids(_feed(client_as, hood.supporter)) == [str(open_one.id)]


def test_feed_leaves_out_my_households_requests(client_as, hood):
    ConnectionFactory(a=hood.parent, b=hood.supporter)
    hood.supporter.household_id = hood.parent.household_id
    _request(hood)
    assert _feed(client_as, hood.supporter)["items"] == []


def test_feed_without_home_is_403(client_as, hood):
    hood.supporter.home = None
    TestSession.flush()
    response = client_as(hood.supporter).get("/v1/share-requests/feed")
    assert_problem(response, 403, "home_required")


def test_feed_without_profile_is_403(client_as, hood):
    assert_problem(client_as("no-profile").get("/v1/share-requests/feed"), 403, "profile_required")


@pytest.mark.parametrize(
    "query",
    [
        {"lat": 35.86},
        {"lng": 139.65},
        {"lat": 48.85, "lng": 2.35},
        {"lat": "north", "lng": 139.65},
        {"limit": 101},
        {"cursor": "not-a-cursor"},
        {"cursor": "WyJ4IiwgIjEiXQ"},  # ["x", "1"]
        {"cursor": "WzFlKzMwLCAiMSJd"},  # [1e+30, "1"]
        {"cursor": "WzEwMDAwMDAwMDAwMDAwMDAwMDAwMCwgIjEiXQ"},  # [10**20, "1"]
        {"cursor": "Wy0xMDAsICIxIl0"},  # [-100, "1"]
    ],
)
def test_feed_with_bad_query_is_422(client_as, hood, query):
    response = client_as(hood.supporter).get("/v1/share-requests/feed", query_string=query)
    assert_problem(response, 422)


# --- consistency with candidate(request, user) ---------------------------------------------


@pytest.fixture
def neighbourhood(db) -> SimpleNamespace:
    """Two communities, three requesters, supporters of every kind of relation, and
    requests of every kind, audience, radius and state."""
    municipality = MunicipalityFactory()
    a, b = (CommunityFactory(municipality=municipality) for _ in range(2))
    p1, p2, p3 = UserFactory(), UserFactory(), UserFactory()
    spouse = UserFactory(household=p1.household)
    for parent, community in ((p1, a), (p2, a), (p3, b)):
        CommunityMemberFactory(community=community, user=parent)
    friend, certified, member, lender = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    far, blocked, busy, lapsed, outsider = (UserFactory() for _ in range(5))
    ConnectionFactory(a=p1, b=friend)
    ConnectionFactory(a=p3, b=certified)
    ConnectionFactory(a=p1, b=certified)
    ConnectionFactory(a=p2, b=p3)
    for user in (certified, far, blocked, busy):
        CertificationFactory(community=a, user=user)
    CertificationFactory(community=b, user=busy, kinds=["lending"])
    CertificationFactory(community=a, user=lender, kinds=["lending"])
    CertificationFactory(community=a, user=lapsed, expires_on=dt.date.today())
    CommunityMemberFactory(community=a, user=member)
    CommunityMemberFactory(community=b, user=friend)
    far.home, outsider.home = _at(EAST_3KM), _at(NORTH_1KM)
    BlockFactory(blocker=p2, blocked=blocked)
    tomorrow = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)

    def req(parent, community, **kw):
        return ShareRequestFactory(requester=parent, community=community, **kw)

    requests = [
        req(p1, a),
        req(p1, a, kind="babysitting", audience="connections", location=_at(NORTH_1KM)),
        req(p1, a, kind="lending", radius_m=5000, location=_at(EAST_3KM)),
        req(p2, a, radius_m=20000, location=_at(EAST_3KM), starts_at=tomorrow),
        req(p2, a, kind="lending", radius_m=500, location=_at(NORTH_1KM)),
        req(p2, a, kind="babysitting", starts_at=tomorrow + dt.timedelta(days=2)),
        req(p3, b, kind="lending"),
        req(p3, b, audience="connections", starts_at=tomorrow + dt.timedelta(hours=1)),
        req(p1, a, status="cancelled"),
    ]
    add_match(req(p3, b, starts_at=tomorrow), busy)
    add_match(req(p2, a, starts_at=tomorrow + dt.timedelta(days=3)), certified)
    people = [p1, p2, p3, spouse, friend, certified, member, lender, far, blocked, busy]
    return SimpleNamespace(requests=requests, people=[*people, lapsed, outsider])


def test_feed_of_everyone_matches_candidate_rules(client_as, app_context, neighbourhood):
    TestSession.flush()
    nonempty, tiers = 0, set()
    for user in neighbourhood.people:
        items = _feed(client_as, user, limit=100)["items"]
        got = {item["id"]: (item["trust_tier"], item["distance_m"]) for item in items}
        expected = {}
        for request in neighbourhood.requests:
            found = candidate(request, user.id) if is_effectively_open(request) else None
            if found is not None:
                expected[str(request.id)] = (found.trust_tier, found.distance_m)
        assert got == expected, user.display_name
        nonempty += bool(got)
        tiers.update(tier for tier, _ in got.values())
    # The neighbourhood exercises the rules, not only empty feeds.
    # (The ladder's own two tiers: test_escalation_ladder.py.)
    assert nonempty >= 8 and tiers == set(TIERS[:4])
