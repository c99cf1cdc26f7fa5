from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from otagai.domain.audit.models import AuditEntry
from otagai.domain.communities.models import Community, CommunityMember
from tests.factories import (
    CommunityFactory,
    CommunityMemberFactory,
    MunicipalityFactory,
    UserFactory,
)
from tests.helpers import assert_problem, unchanged

EN = {"Accept-Language": "en"}


def ring(west: float, south: float, east: float, north: float) -> list[list[float]]:
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def wkt(west: float, south: float, east: float, north: float) -> str:
    points = ",".join(f"{lng} {lat}" for lng, lat in ring(west, south, east, north))
    return f"SRID=4326;POLYGON(({points}))"


URAWA = ring(139.64, 35.84, 139.67, 35.87)  # inside さいたま市 (MunicipalityFactory)


def _body(**changes):
    body = {
        "municipality_code": "111007",
        "name": "浦和子育てシェア",
        "description": "浦和駅周辺の助け合い",
        "area": {"type": "Polygon", "coordinates": [URAWA]},
    }
    return {**body, **changes}


def _count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def _operator(client_as):
    return client_as("operator-1", operator=True)


def test_create_community_is_201(client_as):
    MunicipalityFactory()
    response = _operator(client_as).post("/v1/communities", json=_body())
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("municipality_code", "name", "description")} == {
        "municipality_code": "111007",
        "name": "浦和子育てシェア",
        "description": "浦和駅周辺の助け合い",
    }
    assert body["area"] == {"type": "Polygon", "coordinates": [URAWA]}
    assert (body["member_count"], body["coordinators"], body["my_role"]) == (0, [], None)
    assert uuid.UUID(body["id"]) and body["created_at"]


def test_create_community_writes_audit_entry(client_as, db):
    MunicipalityFactory()
    body = _operator(client_as).post("/v1/communities", json=_body()).get_json()
    entry = db.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor_role, entry.target_type) == (
        "community.create",
        "operator",
        "community",
    )
    assert (entry.target_id, str(entry.community_id)) == (body["id"], body["id"])
    assert entry.municipality_code == "111007"


@pytest.mark.parametrize(
    "area",
    [
        ring(139.70, 35.60, 139.75, 35.65),  # entirely outside
        ring(139.75, 35.95, 139.80, 36.00),  # straddles the boundary
    ],
)
def test_create_community_area_outside_municipality_is_422(client_as, db, area):
    MunicipalityFactory()
    with unchanged(db):
        response = _operator(client_as).post(
            "/v1/communities", json=_body(area={"type": "Polygon", "coordinates": [area]})
        )
    assert_problem(response, 422, "area_outside_municipality")
    assert _count(db, Community) == _count(db, AuditEntry) == 0


def test_create_community_unknown_municipality_is_422(client_as, db):
    with unchanged(db):
        response = _operator(client_as).post(
            "/v1/communities", json=_body(municipality_code="131121"), headers=EN
        )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == {"municipality_code": ["Unknown municipality."]}
    assert _count(db, Community) == 0


def test_create_community_self_intersecting_area_is_422_with_reason(client_as, db):
    MunicipalityFactory()
    bow_tie = [[139.64, 35.84], [139.66, 35.86], [139.66, 35.84], [139.64, 35.86], [139.64, 35.84]]
    with unchanged(db):
        response = _operator(client_as).post(
            "/v1/communities",
            json=_body(area={"type": "Polygon", "coordinates": [bow_tie]}),
            headers=EN,
        )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"]["area"][0].startswith("Invalid geometry: Self-intersection")
    assert _count(db, Community) == _count(db, AuditEntry) == 0


def test_create_community_multipolygon_area_is_422(client_as, db):
    MunicipalityFactory()
    area = {"type": "MultiPolygon", "coordinates": [[URAWA]]}
    with unchanged(db):
        response = _operator(client_as).post("/v1/communities", json=_body(area=area), headers=EN)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == {"area": ["Must be a GeoJSON Polygon object."]}


def test_create_community_as_coordinator_is_403(client_as, db):
    coordinator = UserFactory()
    CommunityMemberFactory(user=coordinator, role="coordinator")
    with unchanged(db):
        response = client_as(coordinator).post("/v1/communities", json=_body())
    assert_problem(response, 403, "operator_only")
    assert _count(db, Community) == 1 and _count(db, AuditEntry) == 0


# Near a point ---------------------------------------------------------------------------

POINT = "lat=35.86&lng=139.65"


@pytest.fixture
def three_communities():
    """Around POINT: one containing it, two to the east (1.8 km, 4.5 km), one 15.7 km away."""
    saitama = MunicipalityFactory()
    east_far = CommunityFactory(
        municipality=saitama, name="C", area=wkt(139.70, 35.85, 139.71, 35.87)
    )
    home = CommunityFactory(municipality=saitama, name="A", area=wkt(139.64, 35.85, 139.66, 35.87))
    east = CommunityFactory(municipality=saitama, name="B", area=wkt(139.67, 35.85, 139.68, 35.87))
    far = CommunityFactory(municipality=saitama, name="D", area=wkt(139.76, 35.97, 139.77, 35.98))
    return home, east, east_far, far


def test_list_communities_near_point_is_nearest_first(client_as, three_communities):
    response = client_as(UserFactory()).get(f"/v1/communities?{POINT}")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [(c["name"], c["distance_m"]) for c in items] == [("A", 0), ("B", 1900), ("C", 4600)]
    assert set(items[0]) == {
        "id",
        "name",
        "municipality_code",
        "description",
        "member_count",
        "distance_m",
        "my_role",
    }


def test_list_communities_wider_radius_includes_farther_ones(client_as, three_communities):
    response = client_as(UserFactory()).get(f"/v1/communities?{POINT}&radius_m=20000")
    items = response.get_json()["items"]
    assert [(c["name"], c["distance_m"]) for c in items][-1] == ("D", 15800)


def test_list_communities_pages_with_cursor(client_as, three_communities):
    member = client_as(UserFactory())
    first = member.get(f"/v1/communities?{POINT}&limit=2").get_json()
    assert [c["name"] for c in first["items"]] == ["A", "B"]
    second = member.get(f"/v1/communities?{POINT}&limit=2&cursor={first['next_cursor']}")
    assert [c["name"] for c in second.get_json()["items"]] == ["C"]
    assert second.get_json()["next_cursor"] is None


def test_list_communities_shows_my_role_and_member_count(client_as, three_communities):
    home, east, _, _ = three_communities
    me = UserFactory()
    CommunityMemberFactory(community=home, user=me, role="coordinator")
    CommunityMemberFactory(community=east, user=me)
    CommunityMemberFactory(community=east)
    items = client_as(me).get(f"/v1/communities?{POINT}").get_json()["items"]
    assert [(c["my_role"], c["member_count"]) for c in items] == [
        ("coordinator", 1),
        ("member", 2),
        (None, 0),
    ]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("lng=139.65", ["lat"]),
        ("lat=51.5&lng=-0.12", ["lat", "lng"]),  # London
        (f"{POINT}&radius_m=50001", ["radius_m"]),
        (f"{POINT}&radius_m=0", ["radius_m"]),
        ("lat=abc&lng=139.65", ["lat"]),
        (f"{POINT}&cursor=bm90LWEtY3Vyc29y", ["cursor"]),
    ],
)
def test_list_communities_bad_query_is_422(client_as, query, fields):
    response = client_as(UserFactory()).get(f"/v1/communities?{query}")
    assert response.status_code == 422
    assert sorted(response.get_json()["errors"]) == fields


# One community --------------------------------------------------------------------------


def test_get_community_shows_area_coordinators_and_my_role(client_as):
    community = CommunityFactory(description="説明")
    coordinator, me = UserFactory(), UserFactory()
    CommunityMemberFactory(community=community, user=coordinator, role="coordinator")
    CommunityMemberFactory(community=community, user=me)
    body = client_as(me).get(f"/v1/communities/{community.id}").get_json()
    assert body["area"]["type"] == "Polygon"
    assert body["coordinators"] == [
        {"id": str(coordinator.id), "display_name": coordinator.display_name}
    ]
    assert (body["member_count"], body["my_role"], body["description"]) == (2, "member", "説明")


def test_get_community_unknown_is_404(client_as):
    response = client_as(UserFactory()).get(f"/v1/communities/{uuid.uuid4()}")
    assert_problem(response, 404, "community_not_found")


# Joining and leaving --------------------------------------------------------------------


def test_join_community_is_201_and_listed_in_my_profile(client_as, db):
    community = CommunityFactory()
    me = client_as(UserFactory())
    response = me.post(f"/v1/communities/{community.id}/members")
    assert response.status_code == 201
    body = response.get_json()
    assert (body["community_id"], body["role"]) == (str(community.id), "member")
    assert body["joined_at"]
    communities = me.get("/v1/me").get_json()["communities"]
    assert communities == [
        {
            "id": str(community.id),
            "name": community.name,
            "municipality_code": "111007",
            "role": "member",
        }
    ]
    assert _count(db, AuditEntry) == 0


def test_join_community_again_is_200_and_unchanged(client_as, db):
    community = CommunityFactory()
    me = client_as(UserFactory())
    first = me.post(f"/v1/communities/{community.id}/members").get_json()
    again = me.post(f"/v1/communities/{community.id}/members")
    assert again.status_code == 200
    assert again.get_json() == first
    assert _count(db, CommunityMember) == 1


def test_join_community_as_coordinator_keeps_role(client_as):
    user = UserFactory()
    membership = CommunityMemberFactory(user=user, role="coordinator")
    response = client_as(user).post(f"/v1/communities/{membership.community_id}/members")
    assert response.status_code == 200
    assert response.get_json()["role"] == "coordinator"


def test_join_community_without_profile_is_403(client_as, db):
    community = CommunityFactory()
    with unchanged(db):
        response = client_as("no-profile-yet").post(f"/v1/communities/{community.id}/members")
    assert_problem(response, 403, "profile_required")
    assert _count(db, CommunityMember) == 0


def test_join_community_unknown_is_404(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post(f"/v1/communities/{uuid.uuid4()}/members")
    assert_problem(response, 404, "community_not_found")


def test_leave_community_is_204_and_membership_gone(client_as, db):
    user = UserFactory()
    membership = CommunityMemberFactory(user=user)
    me = client_as(user)
    response = me.delete(f"/v1/communities/{membership.community_id}/members/me")
    assert response.status_code == 204
    assert _count(db, CommunityMember) == 0
    assert me.get("/v1/me").get_json()["communities"] == []


def test_leave_community_not_a_member_is_404(client_as, db):
    community = CommunityFactory()
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).delete(f"/v1/communities/{community.id}/members/me")
    assert_problem(response, 404, "not_a_member")


def test_leave_community_as_coordinator_gives_up_the_role(client_as):
    user = UserFactory()
    membership = CommunityMemberFactory(user=user, role="coordinator")
    me = client_as(user)
    me.delete(f"/v1/communities/{membership.community_id}/members/me")
    rejoined = me.post(f"/v1/communities/{membership.community_id}/members").get_json()
    assert rejoined["role"] == "member"
    detail = me.get(f"/v1/communities/{membership.community_id}").get_json()
    assert detail["coordinators"] == []
