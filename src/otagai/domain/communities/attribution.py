"""Which municipality a household belongs to: the one whose boundary covers its home.

Statistics attribute households to municipalities through this; it is recomputed when a
member's home changes, when members come or go, and when a municipality is added.
"""

from __future__ import annotations

import uuid
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import cast, func, select, update
from sqlalchemy.dialects.postgresql import distinct_on

from otagai.domain.communities.models import Municipality
from otagai.domain.people.models import USER_ACTIVE, Household, User
from otagai.extensions.db import session


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


def municipality_of_user(user_id: uuid.UUID) -> str | None:
    """The municipality of the user's household now (snapshots for statistics)."""
    code: str | None = session.scalar(
        select(Household.municipality_code)
        .join(User, User.household_id == Household.id)
        .where(User.id == user_id)
    )
    return code


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
