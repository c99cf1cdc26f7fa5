"""Who someone is in a community. Roles live in the database (community_members); the
operator role is a Firebase custom claim carried by the actor."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from otagai.domain.actors import Actor, require_user
from otagai.domain.communities.models import (
    ROLE_COORDINATOR,
    Community,
    CommunityMember,
)
from otagai.domain.communities.policies import can_coordinate, can_operate
from otagai.domain.people.models import User
from otagai.errors import NotFound, require
from otagai.extensions.db import session

# The role operators' actions are audited under.
OPERATOR = "operator"


def get_community(community_id: uuid.UUID) -> Community:
    community = session.get(Community, community_id)
    if community is None:
        raise NotFound("community_not_found")
    return community


def role_in(user: User | None, community_id: uuid.UUID) -> str | None:
    """``member``, ``coordinator`` or None."""
    if user is None:
        return None
    return session.scalar(
        select(CommunityMember.role).where(
            CommunityMember.community_id == community_id, CommunityMember.user_id == user.id
        )
    )


def require_operator(actor: Actor) -> None:
    require(can_operate(actor), "operator_only")


def require_coordinator(actor: Actor, community_id: uuid.UUID) -> User:
    """The caller coordinates this community (a coordinator of another one does not)."""
    user = require_user(actor)
    require(can_coordinate(role_in(user, community_id)), "coordinator_only")
    return user


def is_coordinator(user: User | None, community_id: uuid.UUID) -> bool:
    return role_in(user, community_id) == ROLE_COORDINATOR
