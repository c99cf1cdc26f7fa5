"""Reads about communities that other areas need, batched for a page at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from otagai.domain.communities.models import ROLE_COORDINATOR, Community, CommunityMember
from otagai.domain.people.models import USER_ACTIVE, User
from otagai.extensions.db import session


def community_names(community_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids = set(community_ids)
    if not ids:
        return {}
    rows = session.execute(select(Community.id, Community.name).where(Community.id.in_(ids)))
    return {row.id: row.name for row in rows}


@dataclass
class CommunityRole:
    community_id: uuid.UUID
    name: str
    municipality_code: str
    role: str


def active_coordinators(community_id: uuid.UUID) -> list[uuid.UUID]:
    """The community's coordinators whose accounts are active, by id: who is told when a
    share in it needs a person (a late pickup, an unanswered widening request)."""
    return list(
        session.scalars(
            select(CommunityMember.user_id)
            .join(User, User.id == CommunityMember.user_id)
            .where(
                CommunityMember.community_id == community_id,
                CommunityMember.role == ROLE_COORDINATOR,
                User.status == USER_ACTIVE,
            )
            .order_by(CommunityMember.user_id)
        )
    )
