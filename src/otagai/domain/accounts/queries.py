"""The reads of my own profile, in one round trip."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from otagai.domain.communities.models import Community, CommunityMember
from otagai.domain.communities.queries import CommunityRole
from otagai.domain.people.models import USER_ACTIVE, Child, Household, User
from otagai.extensions.db import session


@dataclass(frozen=True)
class Member:
    id: uuid.UUID
    display_name: str | None


@dataclass(frozen=True)
class ProfileParts:
    members: list[Member]
    children_count: int
    communities: list[CommunityRole]
    welcome_consent: bool = False


@cache
def _statement() -> Select[Any]:
    """The household's active members (oldest first), its live children's count and my
    communities with my role (by name) and the household's welcome consent, as one row:
    four scalar subqueries."""
    household: Any = bindparam("household")
    me: Any = bindparam("me")
    members = (
        select(
            func.coalesce(
                func.json_agg(
                    aggregate_order_by(
                        func.json_build_array(User.id, User.display_name), User.created_at, User.id
                    )
                ),
                func.json_build_array(),
            )
        )
        .where(User.household_id == household, User.status == USER_ACTIVE)
        .scalar_subquery()
    )
    children = (
        select(func.count())
        .where(Child.household_id == household, Child.deleted_at.is_(None))
        .scalar_subquery()
    )
    communities = (
        select(
            func.coalesce(
                func.json_agg(
                    aggregate_order_by(
                        func.json_build_array(
                            Community.id, Community.name, Community.municipality_code,
                            CommunityMember.role,
                        ),
                        Community.name,
                    )
                ),
                func.json_build_array(),
            )
        )
        .join(CommunityMember, CommunityMember.community_id == Community.id)
        .where(CommunityMember.user_id == me)
        .scalar_subquery()
    )  # fmt: skip
    consent = select(Household.welcome_consent).where(Household.id == household).scalar_subquery()
    return select(members, children, communities, consent)


def profile_parts(user: User) -> ProfileParts:
    members, children, communities, consent = session.execute(
        _statement(), {"household": user.household_id, "me": user.id}
    ).one()
    return ProfileParts(
        members=[Member(uuid.UUID(i), name) for i, name in members],
        children_count=children,
        communities=[
            CommunityRole(uuid.UUID(i), n, code, role) for i, n, code, role in communities
        ],
        welcome_consent=bool(consent),
    )
