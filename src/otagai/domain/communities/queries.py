"""Reads about communities that other areas need, batched for a page at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from otagai.domain.communities.models import Community
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
