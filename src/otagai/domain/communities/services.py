"""Municipalities, communities, membership and coordinators; which municipality a
household belongs to. Services flush; the request commits.

Boundaries and areas arrive as GeoJSON already checked for structure
(:mod:`otagai.domain.communities.geojson`); whether they are valid geometries is asked
of PostGIS here, before anything is written.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from geoalchemy2 import Geography, Geometry
from sqlalchemy import ColumnElement, cast, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.exc import DBAPIError

from otagai.domain.actors import Actor
from otagai.domain.audit.services import record
from otagai.domain.communities.jis import check_digit, is_valid_code, is_well_formed
from otagai.domain.communities.models import (
    ROLE_COORDINATOR,
    ROLE_MEMBER,
    Community,
    CommunityMember,
    Municipality,
)
from otagai.domain.communities.roles import get_community, require_operator, role_in
from otagai.domain.people.models import USER_ACTIVE, Household, User
from otagai.domain.people.services import require_user
from otagai.errors import Conflict, NotFound, RuleViolation
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng
from otagai.extensions.keyset import decode_cursor, encode_cursor, invalid_cursor

OPERATOR = "operator"
DEFAULT_RADIUS_M = 10_000
MAX_RADIUS_M = 50_000
# Offsets past this are not a page anyone scrolls to; it also keeps OFFSET in range.
MAX_OFFSET = 10_000
DISTANCE_STEP_M = 100


# Views: what the API shows -------------------------------------------------------------


@dataclass
class MunicipalityView:
    code: str
    name_ja: str
    name_en: str
    created_at: datetime
    boundary: dict[str, Any] | None = None


@dataclass
class CoordinatorRef:
    id: uuid.UUID
    display_name: str | None


@dataclass
class CommunityView:
    id: uuid.UUID
    municipality_code: str
    name: str
    description: str | None
    member_count: int
    my_role: str | None
    created_at: datetime
    distance_m: int | None = None
    area: dict[str, Any] | None = None
    coordinators: list[CoordinatorRef] = field(default_factory=list)


@dataclass
class Membership:
    community_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str | None
    role: str
    joined_at: datetime


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


# Geometry ------------------------------------------------------------------------------


def _geometry(geojson: dict[str, Any]) -> ColumnElement[Any]:
    return func.ST_SetSRID(func.ST_GeomFromGeoJSON(json.dumps(geojson)), 4326)


def geometry_problem(geojson: dict[str, Any]) -> str | None:
    """PostGIS's reason why a (structurally sound) polygon is not a valid geometry, e.g.
    ``Self-intersection[139.65 35.85]``; None when it is valid."""
    geometry = _geometry(geojson)
    try:
        # A savepoint: should PostGIS still refuse the input, the transaction survives.
        with session.begin_nested():
            valid, reason = session.execute(
                select(func.ST_IsValid(geometry), func.ST_IsValidReason(geometry))
            ).one()
    except DBAPIError:
        return "not a valid geometry"
    return None if valid else str(reason)


def _require_valid_geometry(geojson: dict[str, Any], field_name: str) -> None:
    reason = geometry_problem(geojson)
    if reason is not None:
        raise RuleViolation(
            "validation_failed", errors={field_name: [f"Invalid geometry: {reason}."]}
        )


def _as_geojson(column: Any) -> ColumnElement[Any]:
    return func.ST_AsGeoJSON(column)


def _loads(value: str | None) -> dict[str, Any] | None:
    return None if value is None else json.loads(value)


def _point(point: LatLng) -> ColumnElement[Any]:
    return func.ST_SetSRID(func.ST_MakePoint(point.lng, point.lat), 4326)


# Municipalities ------------------------------------------------------------------------


def code_problem(code: str) -> str | None:
    """Why ``code`` is not a JIS local government code, for people; None if it is one."""
    if not is_well_formed(code):
        return "Must be 6 digits (JIS local government code)."
    if not is_valid_code(code):
        return f"Wrong check digit: expected {check_digit(code[:5])}."
    return None


def _municipality_query() -> Any:
    return select(
        Municipality.code,
        Municipality.name_ja,
        Municipality.name_en,
        Municipality.created_at,
    )


def get_municipality(code: str) -> MunicipalityView:
    row = session.execute(
        _municipality_query()
        .add_columns(_as_geojson(Municipality.boundary))
        .where(Municipality.code == code)
    ).one_or_none()
    if row is None:
        raise NotFound("municipality_not_found")
    code_, name_ja, name_en, created_at, boundary = row
    return MunicipalityView(code_, name_ja, name_en, created_at, boundary=_loads(boundary))


def list_municipalities(*, limit: int, cursor: str | None) -> Page:
    """By code (prefecture first, as JIS orders them); boundaries only in the detail."""
    stmt = _municipality_query().order_by(Municipality.code).limit(limit + 1)
    if cursor:
        after = decode_cursor(cursor, 1)[0]
        if not isinstance(after, str):
            raise invalid_cursor()
        stmt = stmt.where(Municipality.code > after)
    items = [
        MunicipalityView(row.code, row.name_ja, row.name_en, row.created_at)
        for row in session.execute(stmt)
    ]
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = encode_cursor([items[-1].code])
    return Page(items, next_cursor)


def create_municipality(
    actor: Actor, *, code: str, name_ja: str, name_en: str, boundary: dict[str, Any]
) -> MunicipalityView:
    """Create a municipality, then attribute the households already living inside it."""
    require_operator(actor)
    problem = code_problem(code)
    if problem is not None:
        raise RuleViolation("validation_failed", errors={"code": [problem]})
    _require_valid_geometry(boundary, "boundary")
    inserted = session.execute(
        insert(Municipality)
        .values(
            code=code,
            name_ja=name_ja,
            name_en=name_en,
            boundary=func.ST_Multi(_geometry(boundary)),
        )
        # Concurrent creations of one code: the loser gets the 409, not a 500.
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(Municipality.code)
    ).first()
    if inserted is None:
        raise Conflict("municipality_exists")
    attributed = attribute_households_in(code)
    record(
        actor,
        role=OPERATOR,
        action="municipality.create",
        target_type="municipality",
        target_id=code,
        municipality_code=code,
        details={"name_ja": name_ja, "name_en": name_en, "households_attributed": attributed},
    )
    return get_municipality(code)


# Household attribution -----------------------------------------------------------------


def _homes_by_household() -> Any:
    """Each household's deciding home: of its active members with a home, the one
    updated last (a member without a home does not un-attribute the household)."""
    return (
        select(User.household_id, User.home)
        .where(User.status == USER_ACTIVE, User.home.is_not(None))
        .ext(distinct_on(User.household_id))
        .order_by(User.household_id, User.updated_at.desc(), User.id.desc())
        .subquery()
    )


def attribute_household(household_id: uuid.UUID) -> str | None:
    """Set the household's municipality to the one whose boundary covers its home (see
    ``_homes_by_household``); NULL when no member has a home or no municipality covers it.
    Call whenever a member's home changes."""
    session.flush()
    home = (
        select(User.home)
        .where(
            User.household_id == household_id,
            User.status == USER_ACTIVE,
            User.home.is_not(None),
        )
        .order_by(User.updated_at.desc(), User.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    code = (
        select(Municipality.code)
        .where(func.ST_Covers(Municipality.boundary, cast(home, Geometry)))
        # Boundaries should not overlap; if two drawn by hand do, the choice is stable.
        .order_by(Municipality.code)
        .limit(1)
        .scalar_subquery()
    )
    result: str | None = session.execute(
        update(Household)
        .where(Household.id == household_id)
        .values(municipality_code=code)
        .returning(Household.municipality_code)
        .execution_options(synchronize_session="fetch")
    ).scalar_one_or_none()
    return result


def attribute_households_in(code: str) -> int:
    """Attribute to a new municipality the unattributed households whose home it covers.
    Returns how many."""
    homes = _homes_by_household()
    boundary = select(Municipality.boundary).where(Municipality.code == code).scalar_subquery()
    result = session.execute(
        update(Household)
        .where(
            Household.id == homes.c.household_id,
            Household.municipality_code.is_(None),
            func.ST_Covers(boundary, cast(homes.c.home, Geometry)),
        )
        .values(municipality_code=code)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


# Communities ---------------------------------------------------------------------------


def _member_count() -> Any:
    return (
        select(func.count())
        .select_from(CommunityMember)
        .where(CommunityMember.community_id == Community.id)
        .correlate(Community)
        .scalar_subquery()
    )


def _my_role(actor: Actor) -> Any:
    if actor.user is None:
        return literal(None, type_=CommunityMember.role.type)
    return (
        select(CommunityMember.role)
        .where(
            CommunityMember.community_id == Community.id,
            CommunityMember.user_id == actor.user.id,
        )
        .correlate(Community)
        .scalar_subquery()
    )


def _community_columns(actor: Actor) -> list[Any]:
    return [
        Community.id,
        Community.municipality_code,
        Community.name,
        Community.description,
        _member_count().label("member_count"),
        _my_role(actor).label("my_role"),
        Community.created_at,
    ]


def _community_view(row: Any, **extra: Any) -> CommunityView:
    return CommunityView(
        id=row.id,
        municipality_code=row.municipality_code,
        name=row.name,
        description=row.description,
        member_count=row.member_count,
        my_role=row.my_role,
        created_at=row.created_at,
        **extra,
    )


def create_community(
    actor: Actor,
    *,
    municipality_code: str,
    name: str,
    area: dict[str, Any],
    description: str | None = None,
) -> CommunityView:
    require_operator(actor)
    municipality = session.get(Municipality, municipality_code)
    if municipality is None:
        raise RuleViolation(
            "validation_failed", errors={"municipality_code": ["Unknown municipality."]}
        )
    _require_valid_geometry(area, "area")
    inside = session.scalar(
        select(func.ST_CoveredBy(_geometry(area), Municipality.boundary)).where(
            Municipality.code == municipality_code
        )
    )
    if not inside:
        raise RuleViolation(
            "area_outside_municipality",
            errors={"area": ["Must lie within the municipality's boundary."]},
        )
    community = Community(
        municipality_code=municipality_code,
        name=name,
        description=description,
        area=_geometry(area),
    )
    session.add(community)
    session.flush()
    record(
        actor,
        role=OPERATOR,
        action="community.create",
        target_type="community",
        target_id=community.id,
        community_id=community.id,
        municipality_code=municipality_code,
        details={"name": name},
    )
    return get_community_detail(actor, community.id)


def get_community_detail(actor: Actor, community_id: uuid.UUID) -> CommunityView:
    row = session.execute(
        select(*_community_columns(actor), _as_geojson(Community.area).label("area")).where(
            Community.id == community_id
        )
    ).one_or_none()
    if row is None:
        raise NotFound("community_not_found")
    coordinators = [
        CoordinatorRef(*ref)
        for ref in session.execute(
            select(User.id, User.display_name)
            .join(CommunityMember, CommunityMember.user_id == User.id)
            .where(
                CommunityMember.community_id == community_id,
                CommunityMember.role == ROLE_COORDINATOR,
                User.status == USER_ACTIVE,
            )
            .order_by(CommunityMember.joined_at, User.id)
        )
    ]
    return _community_view(row, area=_loads(row.area), coordinators=coordinators)


def _degrees_for(radius_m: int, lat: float) -> float:
    """A radius in degrees at least as wide as ``radius_m`` around latitude ``lat``, so
    the planar, index-backed ST_DWithin can pre-filter before the exact geography test."""
    metres_per_degree = 110_000 * math.cos(math.radians(min(abs(lat) + 1.0, 89.0)))
    return radius_m / metres_per_degree


def nearby_communities(
    actor: Actor, *, point: LatLng, radius_m: int, limit: int, cursor: str | None
) -> Page:
    """Communities whose area contains the point or lies within ``radius_m`` of it,
    nearest first (0 m when inside); distances are rounded up to 100 m."""
    offset = 0
    if cursor:
        offset = decode_cursor(cursor, 1)[0]
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 < offset <= MAX_OFFSET:
            raise invalid_cursor()
    here = _point(point)
    distance = func.ST_Distance(cast(Community.area, Geography), cast(here, Geography))
    rows = session.execute(
        select(*_community_columns(actor), distance.label("distance"))
        .where(
            # Planar pre-filter on the column as stored (GiST index), then the exact test.
            func.ST_DWithin(Community.area, here, _degrees_for(radius_m, point.lat)),
            func.ST_DWithin(cast(Community.area, Geography), cast(here, Geography), radius_m),
        )
        .order_by(distance, Community.id)
        .offset(offset)
        .limit(limit + 1)
    ).all()
    items = [_community_view(row, distance_m=_round_up(row.distance)) for row in rows[:limit]]
    next_cursor = encode_cursor([offset + limit]) if len(rows) > limit else None
    return Page(items, next_cursor)


def _round_up(distance: float) -> int:
    return int(math.ceil(distance / DISTANCE_STEP_M) * DISTANCE_STEP_M)


# Membership ----------------------------------------------------------------------------


def _membership(community_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
    row = session.execute(
        select(
            CommunityMember.community_id,
            CommunityMember.user_id,
            User.display_name,
            CommunityMember.role,
            CommunityMember.joined_at,
        )
        .join(User, User.id == CommunityMember.user_id)
        .where(CommunityMember.community_id == community_id, CommunityMember.user_id == user_id)
    ).one_or_none()
    if row is None:
        return None
    return Membership(row.community_id, row.user_id, row.display_name, row.role, row.joined_at)


def join_community(actor: Actor, community_id: uuid.UUID) -> tuple[Membership, bool]:
    """Join as a member. Joining again changes nothing (and keeps a coordinator's role).
    Returns the membership and whether it is new."""
    user = require_user(actor)
    get_community(community_id)
    created = (
        session.execute(
            insert(CommunityMember)
            .values(community_id=community_id, user_id=user.id, role=ROLE_MEMBER)
            .on_conflict_do_nothing(index_elements=["community_id", "user_id"])
            .returning(CommunityMember.user_id)
        ).first()
        is not None
    )
    membership = _membership(community_id, user.id)
    assert membership is not None
    return membership, created


def leave_community(actor: Actor, community_id: uuid.UUID) -> None:
    """Leave; a coordinator who leaves stops being one."""
    user = require_user(actor)
    get_community(community_id)
    left = session.execute(
        delete(CommunityMember)
        .where(
            CommunityMember.community_id == community_id,
            CommunityMember.user_id == user.id,
        )
        .returning(CommunityMember.user_id)
    ).first()
    if left is None:
        raise NotFound("not_a_member")


# Coordinators --------------------------------------------------------------------------


def appoint_coordinator(
    actor: Actor, community_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Membership, bool]:
    """Make a user coordinator of the community (a member first, if they were not).
    Returns the membership and whether anything changed; a no-op is not audited."""
    require_operator(actor)
    community = get_community(community_id)
    target = session.get(User, user_id)
    if target is None or not target.is_active:
        raise NotFound("user_not_found")
    previous = role_in(target, community_id)
    changed = (
        session.execute(
            insert(CommunityMember)
            .values(community_id=community_id, user_id=user_id, role=ROLE_COORDINATOR)
            .on_conflict_do_update(
                index_elements=["community_id", "user_id"],
                set_={"role": ROLE_COORDINATOR},
                where=CommunityMember.role != ROLE_COORDINATOR,
            )
            .returning(CommunityMember.user_id)
        ).first()
        is not None
    )
    if changed:
        record(
            actor,
            role=OPERATOR,
            action="coordinator.appoint",
            target_type="user",
            target_id=user_id,
            community_id=community_id,
            municipality_code=community.municipality_code,
            details={"previous_role": previous},
        )
    membership = _membership(community_id, user_id)
    assert membership is not None
    return membership, changed


def remove_coordinator(actor: Actor, community_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The coordinator stays in the community as a member."""
    require_operator(actor)
    community = get_community(community_id)
    demoted = session.execute(
        update(CommunityMember)
        .where(
            CommunityMember.community_id == community_id,
            CommunityMember.user_id == user_id,
            CommunityMember.role == ROLE_COORDINATOR,
        )
        .values(role=ROLE_MEMBER)
        .returning(CommunityMember.user_id)
        .execution_options(synchronize_session="fetch")
    ).first()
    if demoted is None:
        raise NotFound("not_a_coordinator")
    record(
        actor,
        role=OPERATOR,
        action="coordinator.remove",
        target_type="user",
        target_id=user_id,
        community_id=community_id,
        municipality_code=community.municipality_code,
        details={},
    )
