"""Reads about people that several areas need."""

from __future__ import annotations

from sqlalchemy import select

from otagai.domain.people.models import User
from otagai.extensions.db import session


def user_by_firebase_uid(uid: str) -> User | None:
    return session.scalars(select(User).where(User.firebase_uid == uid)).one_or_none()
