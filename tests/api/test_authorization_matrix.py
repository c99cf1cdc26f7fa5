"""Who may do what, as a matrix: every community/trust endpoint × every role answers the
documented status. Roles: anonymous, member of community A, member of another community
B only, coordinator of A, coordinator of B, operator (who has a profile but no community).

404 rather than 403 where the caller may not even know the thing exists (an event or a
certification of a community they are not in): ids must not be probeable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from otagai.domain.clock import today_tokyo
from tests.factories import (
    CertificationFactory,
    CommunityFactory,
    CommunityMemberFactory,
    EventFactory,
    MunicipalityFactory,
    UserFactory,
)

ROLES = ["anonymous", "member", "member_other", "coordinator", "coordinator_other", "operator"]

BOX = "POLYGON((139.65 35.85,139.66 35.85,139.66 35.86,139.65 35.86,139.65 35.85))"
SETAGAYA = {
    "type": "Polygon",
    "coordinates": [[[139.6, 35.6], [139.7, 35.6], [139.7, 35.66], [139.6, 35.66], [139.6, 35.6]]],
}


@dataclass
class World:
    community: Any
    other: Any
    users: dict[str, Any]
    target: Any
    certified: Any
    certification: Any
    event: Any


@pytest.fixture
def world(db) -> World:
    municipality = MunicipalityFactory()
    community = CommunityFactory(municipality=municipality)
    other = CommunityFactory(municipality=municipality, area=f"SRID=4326;{BOX}")
    users = {role: UserFactory() for role in ROLES if role != "anonymous"}
    for role, where, as_role in [
        ("member", community, "member"),
        ("member_other", other, "member"),
        ("coordinator", community, "coordinator"),
        ("coordinator_other", other, "coordinator"),
    ]:
        CommunityMemberFactory(
            community=community if where is community else other, user=users[role], role=as_role
        )
    target = UserFactory()
    CommunityMemberFactory(community=community, user=target)
    certified = UserFactory()
    certification = CertificationFactory(
        community=community, user=certified, granted_by=users["coordinator"]
    )
    event = EventFactory(
        community=community,
        created_by=users["coordinator"],
        starts_at=dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1),
    )
    return World(community, other, users, target, certified, certification, event)


def _request(w: World) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    """endpoint label -> (method, path, json body)."""
    a, cert, event = w.community.id, w.certification.id, w.event.id
    trained = (today_tokyo() - dt.timedelta(days=7)).isoformat()
    return {
        "create municipality": (
            "post",
            "/v1/municipalities",
            {"code": "131121", "name_ja": "世田谷区", "name_en": "Setagaya", "boundary": SETAGAYA},
        ),
        "create community": (
            "post",
            "/v1/communities",
            {
                "municipality_code": "111007",
                "name": "新しい会",
                "area": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [139.6, 35.9],
                            [139.61, 35.9],
                            [139.61, 35.91],
                            [139.6, 35.91],
                            [139.6, 35.9],
                        ]
                    ],
                },
            },
        ),
        "municipalities": ("get", "/v1/municipalities", None),
        "municipality": ("get", "/v1/municipalities/111007", None),
        "dashboard link": ("post", "/v1/municipalities/111007/dashboard-links", None),
        "statistics": ("get", "/v1/municipalities/111007/stats?from=2026-04&to=2026-04", None),
        "communities near": ("get", "/v1/communities?lat=35.8587&lng=139.6571", None),
        "community detail": ("get", f"/v1/communities/{a}", None),
        "join": ("post", f"/v1/communities/{a}/members", None),
        "leave": ("delete", f"/v1/communities/{a}/members/me", None),
        "appoint coordinator": (
            "post",
            f"/v1/communities/{a}/coordinators",
            {"user_id": str(w.target.id)},
        ),
        "remove coordinator": (
            "delete",
            f"/v1/communities/{a}/coordinators/{w.users['coordinator'].id}",
            None,
        ),
        "certify": (
            "post",
            f"/v1/communities/{a}/certifications",
            {"user_id": str(w.target.id), "kinds": ["pickup"], "trained_on": trained},
        ),
        "list certifications": ("get", f"/v1/communities/{a}/certifications", None),
        "get certification": ("get", f"/v1/certifications/{cert}", None),
        "revoke": ("post", f"/v1/certifications/{cert}/revoke", {"reason": "研修の再受講が必要"}),
        "renew": ("post", f"/v1/certifications/{cert}/renew", {}),
        "create event": (
            "post",
            f"/v1/communities/{a}/events",
            {
                "title": "交流会",
                "starts_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
                .replace(microsecond=0)
                .isoformat(),
                "place": {"lat": 35.8587, "lng": 139.6571},
            },
        ),
        "list events": ("get", f"/v1/communities/{a}/events", None),
        "get event": ("get", f"/v1/events/{event}", None),
        "record attendance": (
            "post",
            f"/v1/events/{event}/attendances",
            {"user_id": str(w.target.id)},
        ),
        "list attendances": ("get", f"/v1/events/{event}/attendances", None),
        "audit log": ("get", "/v1/audit-log", None),
        "connection code": ("post", "/v1/me/connection-codes", None),
        "my connections": ("get", "/v1/me/connections", None),
    }


# endpoint -> statuses for: member, member_other, coordinator, coordinator_other, operator
# (anonymous is 401 everywhere).
MATRIX: dict[str, tuple[int, int, int, int, int]] = {
    "create municipality": (403, 403, 403, 403, 201),
    "create community": (403, 403, 403, 403, 201),
    "municipalities": (200, 200, 200, 200, 200),
    "municipality": (200, 200, 200, 200, 200),
    "dashboard link": (403, 403, 403, 403, 201),
    "statistics": (403, 403, 403, 403, 200),
    "communities near": (200, 200, 200, 200, 200),
    "community detail": (200, 200, 200, 200, 200),
    "join": (200, 201, 200, 201, 201),
    "leave": (204, 404, 204, 404, 404),
    "appoint coordinator": (403, 403, 403, 403, 201),
    "remove coordinator": (403, 403, 403, 403, 204),
    "certify": (403, 403, 201, 403, 403),
    "list certifications": (403, 403, 200, 403, 200),
    "get certification": (404, 404, 200, 404, 200),
    "revoke": (404, 404, 200, 404, 403),
    "renew": (404, 404, 200, 404, 403),
    "create event": (403, 403, 201, 403, 403),
    "list events": (200, 403, 200, 403, 200),
    "get event": (200, 404, 200, 404, 200),
    "record attendance": (403, 404, 201, 404, 403),
    "list attendances": (403, 404, 200, 404, 200),
    "audit log": (403, 403, 403, 403, 200),
    "connection code": (201, 201, 201, 201, 201),
    "my connections": (200, 200, 200, 200, 200),
}

CASES = [
    (endpoint, role, 401 if role == "anonymous" else statuses[ROLES.index(role) - 1])
    for endpoint, statuses in MATRIX.items()
    for role in ROLES
]


@pytest.mark.parametrize(
    ("endpoint", "role", "expected"), CASES, ids=[f"{e}-{r}" for e, r, _ in CASES]
)
def test_endpoint_role_gets_documented_status(endpoint, role, expected, world, client, client_as):
    method, path, body = _request(world)[endpoint]
    caller = (
        client if role == "anonymous" else client_as(world.users[role], operator=role == "operator")
    )
    kwargs = {"json": body} if body is not None else {}
    response = getattr(caller, method)(path, **kwargs)
    assert response.status_code == expected, response.get_data(as_text=True)
    if expected >= 400:
        assert response.mimetype == "application/problem+json"


def test_matrix_covers_every_community_route(app):
    """A new endpoint in these areas must join the matrix."""
    areas = (
        "/v1/municipalities",
        "/v1/communities",
        "/v1/certifications",
        "/v1/events",
        "/v1/audit-log",
    )
    routes = {
        (method.lower(), rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(areas)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {f"{m} {r}" for m, r in routes}
    listed = {f"{method} {path}" for method, path, _ in _request_shapes().values()}
    assert documented <= listed, sorted(documented - listed)


def _request_shapes() -> dict[str, tuple[str, str, None]]:
    """The matrix's endpoints as url_map rules."""
    return {
        "create municipality": ("post", "/v1/municipalities", None),
        "create community": ("post", "/v1/communities", None),
        "municipalities": ("get", "/v1/municipalities", None),
        "municipality": ("get", "/v1/municipalities/<string(maxlength=32):code>", None),
        "dashboard link": (
            "post",
            "/v1/municipalities/<string(maxlength=32):code>/dashboard-links",
            None,
        ),
        "statistics": ("get", "/v1/municipalities/<string(maxlength=32):code>/stats", None),
        "communities near": ("get", "/v1/communities", None),
        "community detail": ("get", "/v1/communities/<uuid:community_id>", None),
        "join": ("post", "/v1/communities/<uuid:community_id>/members", None),
        "leave": ("delete", "/v1/communities/<uuid:community_id>/members/me", None),
        "appoint coordinator": ("post", "/v1/communities/<uuid:community_id>/coordinators", None),
        "remove coordinator": (
            "delete",
            "/v1/communities/<uuid:community_id>/coordinators/<uuid:user_id>",
            None,
        ),
        "certify": ("post", "/v1/communities/<uuid:community_id>/certifications", None),
        "list certifications": ("get", "/v1/communities/<uuid:community_id>/certifications", None),
        "get certification": ("get", "/v1/certifications/<uuid:certification_id>", None),
        "revoke": ("post", "/v1/certifications/<uuid:certification_id>/revoke", None),
        "renew": ("post", "/v1/certifications/<uuid:certification_id>/renew", None),
        "create event": ("post", "/v1/communities/<uuid:community_id>/events", None),
        "list events": ("get", "/v1/communities/<uuid:community_id>/events", None),
        "get event": ("get", "/v1/events/<uuid:event_id>", None),
        "record attendance": ("post", "/v1/events/<uuid:event_id>/attendances", None),
        "list attendances": ("get", "/v1/events/<uuid:event_id>/attendances", None),
        "audit log": ("get", "/v1/audit-log", None),
    }
