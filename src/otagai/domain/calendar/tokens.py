"""The calendar-feed token: 32 random bytes (URL-safe), the only credential of the feed,
kept as its SHA-256 (a leaked table gives no feed). One per user: making a new one
replaces the old, which then opens nothing; revoking deletes it."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from otagai.domain.actors import Actor, require_user
from otagai.domain.calendar.models import CalendarToken
from otagai.domain.people.models import USER_ACTIVE, User
from otagai.extensions.db import session

TOKEN_BYTES = 32
# URL-safe base64 of 32 bytes: 43 characters; anything else is not a token.
TOKEN_LENGTH = 43


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rotate_calendar_token(actor: Actor) -> str:
    """A new token for me (the old one stops working); returned once, never stored."""
    user = require_user(actor)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.execute(
        insert(CalendarToken)
        .values(user_id=user.id, token_hash=_hash(token))
        .on_conflict_do_update(index_elements=["user_id"], set_={"token_hash": _hash(token)})
    )
    session.flush()
    return token


def revoke_calendar_token(actor: Actor) -> None:
    user = require_user(actor)
    session.execute(delete(CalendarToken).where(CalendarToken.user_id == user.id))
    session.flush()


def user_of_token(token: str) -> User | None:
    """The active user whose token this is, or None."""
    if len(token) != TOKEN_LENGTH:
        return None
    return session.scalars(
        select(User)
        .join(CalendarToken, CalendarToken.user_id == User.id)
        .where(CalendarToken.token_hash == _hash(token), User.status == USER_ACTIVE)
    ).one_or_none()
