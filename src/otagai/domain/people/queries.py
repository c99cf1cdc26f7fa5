"""Reads about people that several areas need."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import bindparam, select

from otagai.domain.people.models import User
from otagai.extensions.db import session

# Every signed-in request runs this: built once.
_BY_FIREBASE_UID = select(User).where(User.firebase_uid == bindparam("uid"))


def user_by_firebase_uid(uid: str) -> User | None:
    return session.scalars(_BY_FIREBASE_UID, {"uid": uid}).one_or_none()


def people_by_id(user_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, User]:
    """The users of a page at once, to avoid N+1 queries when serializing it."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
