"""Batch lookups by id, to avoid N+1 queries when serializing a page."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from otagai.domain.communities.models import Community
from otagai.domain.people.models import User
from otagai.extensions.db import session


def people_by_id(user_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, User]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


def community_names(community_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids = set(community_ids)
    if not ids:
        return {}
    rows = session.execute(select(Community.id, Community.name).where(Community.id.in_(ids)))
    return {row.id: row.name for row in rows}
