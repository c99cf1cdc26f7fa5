"""Communities, joining them, and coordinators. Services flush; the request commits.
Leaving one revokes certifications there: ``accounts/services.py``.

Areas arrive as GeoJSON already checked for structure
(:mod:`otagai.domain.communities.geojson`); whether they are valid geometries is asked
of PostGIS (:mod:`otagai.domain.communities.geometry`) before anything is written.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert

from otagai.domain.actors import Actor, require_user
from otagai.domain.audit.services import record
from otagai.domain.communities.geometry import (
    as_geojson,
    loads_geojson,
    point_geometry,
    require_valid_geometry,
    to_geometry,
)
from otagai.domain.communities.models import (
    ROLE_COORDINATOR,
    ROLE_MEMBER,
    Community,
    CommunityMember,
    Municipality,
)
from otagai.domain.communities.policies import can_coordinate, can_operate
from otagai.domain.communities.roles import OPERATOR, get_community, require_operator, role_in
from otagai.domain.communities.views import (
    CommunityView,
    CoordinatorRef,
    Membership,
    community_view,
)
from otagai.domain.people.models import USER_ACTIVE, User
from otagai.errors import NotFound, RuleViolation, require
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng
from otagai.extensions.keyset import Page, decode_cursor, invalid_cursor, page_of

DEFAULT_RADIUS_M = 10_000
MAX_RADIUS_M = 50_000
# Offsets past this are not a page anyone scrolls to; it also keeps OFFSET in range.
MAX_OFFSET = 10_000
DISTANCE_STEP_M = 100


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
        Community.require_background_check_for_babysitting,
    ]


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
    require_valid_geometry(area, "area")
    inside = session.scalar(
        select(func.ST_CoveredBy(to_geometry(area), Municipality.boundary)).where(
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
        area=to_geometry(area),
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
        select(*_community_columns(actor), as_geojson(Community.area).label("area")).where(
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
    return community_view(row, area=loads_geojson(row.area), coordinators=coordinators)


# What a community's coordinators (or operators) may change about it.
SETTINGS = ("require_background_check_for_babysitting",)


def update_community(actor: Actor, community_id: uuid.UUID, **changes: Any) -> CommunityView:
    """Change a community's settings: its coordinators, or operators. Audited with the
    values before and after; a change to nothing is not."""
    community = get_community(community_id)
    role = role_in(actor.user, community_id)
    require(can_coordinate(role) or can_operate(actor), "coordinator_only")
    session.refresh(community, with_for_update=True)
    before = {name: getattr(community, name) for name in SETTINGS if name in changes}
    after = {name: changes[name] for name in before}
    if before != after:
        for name, value in after.items():
            setattr(community, name, value)
        session.flush()
        record(
            actor,
            role="coordinator" if can_coordinate(role) else OPERATOR,
            action="community.update",
            target_type="community",
            target_id=community.id,
            community_id=community.id,
            municipality_code=community.municipality_code,
            details={"before": before, "after": after},
        )
    return get_community_detail(actor, community_id)


def _degrees_for(radius_m: int, lat: float) -> float:
    """A radius in degrees at least as wide as ``radius_m`` around latitude ``lat``, so
    the planar, index-backed ST_DWithin can pre-filter before the exact geography test."""
    metres_per_degree = 110_000 * math.cos(math.radians(min(abs(lat) + 1.0, 89.0)))
    return radius_m / metres_per_degree


def nearby_communities(
    actor: Actor, *, point: LatLng, radius_m: int, limit: int, cursor: str | None
) -> Page[CommunityView]:
    """Communities whose area contains the point or lies within ``radius_m`` of it,
    nearest first (0 m when inside); distances are rounded up to 100 m."""
    offset = 0
    if cursor:
        offset = decode_cursor(cursor, 1)[0]
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 < offset <= MAX_OFFSET:
            raise invalid_cursor()
    here = point_geometry(point)
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
    # The cursor is the offset of the next page: distances are not a key (ties, floats).
    page = page_of(rows, limit, lambda _last: [offset + limit])
    return page.map(
        lambda rows: [community_view(row, distance_m=_round_up(row.distance)) for row in rows]
    )


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
