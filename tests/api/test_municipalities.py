from __future__ import annotations

import pytest
from sqlalchemy import func, select

from otagai.domain.audit.models import AuditEntry
from otagai.domain.communities.models import Municipality
from otagai.domain.people.models import Household
from otagai.extensions.geo import LatLng
from tests.factories import HouseholdFactory, MunicipalityFactory, UserFactory
from tests.helpers import assert_problem, unchanged

EN = {"Accept-Language": "en"}


def ring(west: float, south: float, east: float, north: float) -> list[list[float]]:
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


SETAGAYA_BOX = ring(139.58, 35.60, 139.68, 35.67)
SETAGAYA = {
    "code": "131121",
    "name_ja": "世田谷区",
    "name_en": "Setagaya",
    "boundary": {"type": "Polygon", "coordinates": [SETAGAYA_BOX]},
}
INSIDE_SETAGAYA = LatLng(35.64, 139.65)


def _count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def _create(client_as, body=None, **headers):
    return client_as("operator-1", operator=True).post(
        "/v1/municipalities", json=body or SETAGAYA, headers=headers
    )


def _with_boundary(boundary) -> dict:
    return {**SETAGAYA, "boundary": boundary}


def test_create_municipality_is_201_with_boundary_as_multipolygon(client_as):
    response = _create(client_as)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"code", "name_ja", "name_en", "boundary", "created_at"}
    assert (body["code"], body["name_ja"], body["name_en"]) == ("131121", "世田谷区", "Setagaya")
    assert body["boundary"] == {"type": "MultiPolygon", "coordinates": [[SETAGAYA_BOX]]}


def test_create_municipality_multipolygon_is_201(client_as):
    islands = [[ring(139.0, 34.0, 139.1, 34.1)], [[*ring(139.2, 34.2, 139.3, 34.3)]]]
    response = _create(client_as, _with_boundary({"type": "MultiPolygon", "coordinates": islands}))
    assert response.status_code == 201
    assert response.get_json()["boundary"]["coordinates"] == islands


def test_create_municipality_writes_audit_entry(client_as, db):
    _create(client_as)
    entry = db.scalars(select(AuditEntry)).one()
    assert (entry.actor_uid, entry.actor_role, entry.action) == (
        "operator-1",
        "operator",
        "municipality.create",
    )
    assert (entry.target_type, entry.target_id, entry.municipality_code) == (
        "municipality",
        "131121",
        "131121",
    )


def test_create_municipality_wrong_check_digit_is_422_naming_expected_digit(client_as, db):
    with unchanged(db):
        response = _create(client_as, {**SETAGAYA, "code": "131122"}, **EN)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == {"code": ["Wrong check digit: expected 1."]}
    assert _count(db, Municipality) == 0


@pytest.mark.parametrize("code", ["13112", "1311211", "13112a", "１３１１２１", ""])
def test_create_municipality_code_not_six_digits_is_422(client_as, db, code):
    with unchanged(db):
        response = _create(client_as, {**SETAGAYA, "code": code}, **EN)
    problem = assert_problem(response, 422, "validation_failed")
    assert list(problem["errors"]) == ["code"]
    assert _count(db, Municipality) == 0


def test_create_municipality_self_intersecting_boundary_is_422_with_reason(client_as, db):
    bow_tie = [[139.6, 35.6], [139.7, 35.7], [139.7, 35.6], [139.6, 35.7], [139.6, 35.6]]
    with unchanged(db):
        response = _create(
            client_as, _with_boundary({"type": "Polygon", "coordinates": [bow_tie]}), **EN
        )
    problem = assert_problem(response, 422, "validation_failed")
    (message,) = problem["errors"]["boundary"]
    assert message.startswith("Invalid geometry: Self-intersection[139.65 35.65]")
    assert _count(db, Municipality) == _count(db, AuditEntry) == 0


def test_create_municipality_unclosed_ring_is_422(client_as, db):
    unclosed = [*SETAGAYA_BOX[:-1], [139.58, 35.61]]
    with unchanged(db):
        response = _create(
            client_as, _with_boundary({"type": "Polygon", "coordinates": [unclosed]}), **EN
        )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == {
        "boundary": [
            "The linear ring is not closed: its last position must equal its first (ring 1)."
        ]
    }
    assert _count(db, Municipality) == 0


def test_create_municipality_ring_of_three_points_is_422(client_as, db):
    triangle = [[139.6, 35.6], [139.7, 35.6], [139.6, 35.6]]
    with unchanged(db):
        response = _create(
            client_as, _with_boundary({"type": "Polygon", "coordinates": [triangle]}), **EN
        )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == {
        "boundary": [
            "A linear ring needs at least 4 positions, the last equal to the first (ring 1)."
        ]
    }


def test_create_municipality_collapsed_ring_is_422_with_reason(client_as, db):
    line = [[139.5, 35.5], [139.75, 35.75], [140.0, 36.0], [139.5, 35.5]]
    with unchanged(db):
        response = _create(
            client_as, _with_boundary({"type": "Polygon", "coordinates": [line]}), **EN
        )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"]["boundary"][0].startswith("Invalid geometry: ")


@pytest.mark.parametrize(
    ("boundary", "message"),
    [
        ({"type": "Point", "coordinates": [139.6, 35.6]}, "Must be a GeoJSON Polygon or"),
        ("POLYGON((0 0,1 0,1 1,0 0))", "Must be a GeoJSON Polygon or"),
        ({"type": "Polygon"}, "A polygon must be a non-empty array of linear rings."),
        ({"type": "Polygon", "coordinates": []}, "A polygon must be a non-empty array"),
        ({"type": "MultiPolygon", "coordinates": [[]]}, "A polygon must be a non-empty"),
        ({"type": "Polygon", "coordinates": [SETAGAYA_BOX], "id": 1}, "Unexpected GeoJSON"),
        (
            {"type": "Polygon", "coordinates": [[[139.6, 35.6, 10.0], *SETAGAYA_BOX[1:]]]},
            "A position must be [longitude, latitude] (ring 1 position 1).",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[239.6, 35.6], *SETAGAYA_BOX[1:-1], [239.6, 35.6]]],
            },
            "Longitude must be within -180..180 and latitude within -90..90 (ring 1 position 1).",
        ),
        (
            {"type": "Polygon", "coordinates": [[["139.6", 35.6], *SETAGAYA_BOX[1:]]]},
            "A position must be [longitude, latitude]",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [SETAGAYA_BOX],
                "crs": {"type": "name", "properties": {"name": "EPSG:6668"}},
            },
            "Coordinates must be WGS 84 longitude/latitude (SRID 4326).",
        ),
    ],
)
def test_create_municipality_malformed_boundary_is_422(client_as, db, boundary, message):
    with unchanged(db):
        response = _create(client_as, _with_boundary(boundary), **EN)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"]["boundary"][0].startswith(message)
    assert _count(db, Municipality) == 0


def test_create_municipality_wgs84_crs_is_accepted(client_as):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    boundary = {"type": "Polygon", "coordinates": [SETAGAYA_BOX], "crs": crs}
    assert _create(client_as, _with_boundary(boundary)).status_code == 201


def test_create_municipality_duplicate_code_is_409_and_not_audited(client_as, db):
    assert _create(client_as).status_code == 201
    with unchanged(db):
        response = _create(client_as, {**SETAGAYA, "name_en": "Setagaya again"})
    assert_problem(response, 409, "municipality_exists")
    assert _count(db, AuditEntry) == 1
    assert db.get(Municipality, "131121").name_en == "Setagaya"


def test_create_municipality_as_member_is_403(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post("/v1/municipalities", json=SETAGAYA)
    assert_problem(response, 403, "operator_only")
    assert _count(db, Municipality) == _count(db, AuditEntry) == 0


def test_create_municipality_attributes_unattributed_households_inside(client_as, db):
    inside = UserFactory(home=INSIDE_SETAGAYA.to_element())
    outside = UserFactory(home=LatLng(35.70, 139.70).to_element())
    MunicipalityFactory()  # さいたま市, covers neither
    elsewhere = HouseholdFactory(municipality_code="111007")
    UserFactory(household=elsewhere, home=INSIDE_SETAGAYA.to_element())
    _create(client_as)
    db.expire_all()
    assert db.get(Household, inside.household_id).municipality_code == "131121"
    assert db.get(Household, outside.household_id).municipality_code is None
    assert db.get(Household, elsewhere.id).municipality_code == "111007"
    entry = db.scalars(select(AuditEntry)).one()
    assert entry.details["households_attributed"] == 1


def test_get_municipality_is_200_with_boundary(client_as):
    _create(client_as)
    response = client_as(UserFactory()).get("/v1/municipalities/131121")
    assert response.status_code == 200
    assert response.get_json()["boundary"]["type"] == "MultiPolygon"


@pytest.mark.parametrize("code", ["131121", "13112", "abc"])
def test_get_municipality_unknown_is_404(client_as, code):
    response = client_as(UserFactory()).get(f"/v1/municipalities/{code}")
    assert_problem(response, 404, "municipality_not_found")


def test_list_municipalities_pages_in_code_order(client_as):
    _create(client_as)
    MunicipalityFactory()  # 111007
    _create(client_as, {**SETAGAYA, "code": "131016", "name_en": "Chiyoda"})
    member = client_as(UserFactory())
    first = member.get("/v1/municipalities?limit=2").get_json()
    assert [m["code"] for m in first["items"]] == ["111007", "131016"]
    assert "boundary" not in first["items"][0]
    second = member.get(f"/v1/municipalities?limit=2&cursor={first['next_cursor']}").get_json()
    assert [m["code"] for m in second["items"]] == ["131121"]
    assert second["next_cursor"] is None


def test_list_municipalities_bad_cursor_is_422(client_as):
    response = client_as(UserFactory()).get("/v1/municipalities?cursor=WzFd")
    assert_problem(response, 422, "invalid_cursor")
