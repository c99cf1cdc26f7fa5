"""Connections (知り合い) made in person with a short code, and blocks. Services flush;
the request commits."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, exists, select, union_all
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.selectable import Subquery

from otagai.domain.actors import Actor, require_user
from otagai.domain.codes import CODE_ALPHABET, normalize_code
from otagai.domain.communities.roles import role_in
from otagai.domain.events.models import Event, EventAttendance
from otagai.domain.people.models import USER_ACTIVE, User
from otagai.domain.trust import ratelimit
from otagai.domain.trust.models import Block, Connection, ConnectionCode
from otagai.domain.trust.policies import (
    CODE_LENGTH,
    CODE_TTL,
    can_be_connected_or_blocked,
    can_block,
    can_connect,
    can_tag_code_with_event,
    code_is_live,
    code_is_unused,
)
from otagai.domain.trust.queries import (
    are_connected,
    blocked_either_way,
    connection_between,
    is_blocked_either_way,
)
from otagai.errors import Conflict, DomainError, NotFound, RuleViolation, ServiceUnavailable
from otagai.extensions.db import session

# A collision needs another live or recent code with the same six characters (of 8.9e8).
CODE_ATTEMPTS = 8


@dataclass(frozen=True)
class NewConnection:
    user: User  # the other person
    connected_at: datetime
    event_id: uuid.UUID | None


@dataclass(frozen=True)
class BlockEntry:
    user_id: uuid.UUID
    display_name: str | None
    blocked_at: datetime


# Connection codes ---------------------------------------------------------------------


def _require_event_for_code(user: User, event_id: uuid.UUID) -> None:
    event = session.get(Event, event_id)
    if event is not None:
        attending = session.get(EventAttendance, (event.id, user.id)) is not None
        role = role_in(user, event.community_id)
        if can_tag_code_with_event(attending=attending, community_role=role):
            return
    raise NotFound("event_not_found")


def create_connection_code(actor: Actor, *, event_id: uuid.UUID | None = None) -> ConnectionCode:
    """A single-use code, valid for ten minutes, for somebody I meet to redeem."""
    user = require_user(actor)
    if event_id is not None:
        _require_event_for_code(user, event_id)
    now = datetime.now(UTC)
    # Codes are unique across the table: my expired ones go, so the space stays free.
    session.execute(
        delete(ConnectionCode).where(
            ConnectionCode.user_id == user.id, ConnectionCode.expires_at <= now
        )
    )
    for _ in range(CODE_ATTEMPTS):
        value = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(exists().where(ConnectionCode.code == value))):
            continue
        code = ConnectionCode(
            code=value, user_id=user.id, event_id=event_id, expires_at=now + CODE_TTL
        )
        try:
            with session.begin_nested():
                session.add(code)
        except IntegrityError:
            continue  # a concurrent request drew the same code first
        return code
    raise ServiceUnavailable()


def _redeem(user: User, typed: str) -> NewConnection:
    now = datetime.now(UTC)
    value = normalize_code(typed)
    code = None
    if len(value) == CODE_LENGTH:
        code = session.scalars(
            # Locked: of two people redeeming one code, the second sees it used.
            select(ConnectionCode).where(ConnectionCode.code == value).with_for_update()
        ).one_or_none()
    if code is None or not code_is_live(code, now):
        raise NotFound("connection_code_not_found")
    if not can_connect(user.id, code.user_id):
        raise RuleViolation("cannot_connect_to_self")
    owner = session.get(User, code.user_id)
    # A block (either way) looks exactly like an unknown code: it is never revealed.
    if (
        owner is None
        or not can_be_connected_or_blocked(owner)
        or is_blocked_either_way(user.id, owner.id)
    ):
        raise NotFound("connection_code_not_found")
    if not code_is_unused(code):
        raise Conflict("connection_code_used")
    if are_connected(user.id, owner.id):
        raise Conflict("already_connected")
    low, high = sorted((user.id, owner.id))
    connected_at = session.scalar(
        insert(Connection)
        .values(user_low_id=low, user_high_id=high, event_id=code.event_id)
        # Both redeeming each other's code at once: the second one is already connected.
        .on_conflict_do_nothing(index_elements=["user_low_id", "user_high_id"])
        .returning(Connection.created_at)
    )
    if connected_at is None:
        raise Conflict("already_connected")
    code.used_at = now
    code.used_by_id = user.id
    session.flush()
    return NewConnection(user=owner, connected_at=connected_at, event_id=code.event_id)


def redeem_connection_code(actor: Actor, *, code: str) -> NewConnection:
    """Make a mutual connection with the code's owner.

    Every failed attempt counts against a per-user limit, so codes cannot be guessed;
    once the limit is reached even a good code waits (429 with Retry-After).
    """
    user = require_user(actor)
    bucket = ratelimit.redeem_bucket(user.id)
    ratelimit.check(bucket, limit=ratelimit.REDEEM_LIMIT, window=ratelimit.REDEEM_WINDOW)
    try:
        return _redeem(user, code)
    except DomainError:
        # Committed on its own: the failing request itself rolls back.
        ratelimit.record_hit(bucket, window=ratelimit.REDEEM_WINDOW)
        raise


# Connections -------------------------------------------------------------------------


def connections_query(actor: Actor) -> Subquery:
    """My connections as rows (user_id, display_name, connected_at, event_id).

    Deleted accounts and anybody blocked either way never appear.
    """
    user = require_user(actor)
    pairs = union_all(
        select(
            Connection.user_high_id.label("user_id"),
            Connection.created_at.label("connected_at"),
            Connection.event_id,
        ).where(Connection.user_low_id == user.id),
        select(
            Connection.user_low_id.label("user_id"),
            Connection.created_at.label("connected_at"),
            Connection.event_id,
        ).where(Connection.user_high_id == user.id),
    ).subquery("pairs")
    return (
        select(pairs.c.user_id, User.display_name, pairs.c.connected_at, pairs.c.event_id)
        .join(User, User.id == pairs.c.user_id)
        .where(User.status == USER_ACTIVE, ~blocked_either_way(pairs.c.user_id, user.id))
        .subquery("my_connections")
    )


def remove_connection(actor: Actor, other_id: uuid.UUID) -> None:
    user = require_user(actor)
    result = session.execute(delete(Connection).where(connection_between(user.id, other_id)))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("connection_not_found")


# Blocks -----------------------------------------------------------------------------


def block_user(actor: Actor, other_id: uuid.UUID) -> tuple[BlockEntry, bool]:
    """Block somebody: each is hidden from the other everywhere, and a connection between
    them goes. Returns the block and whether it is new (blocking twice is harmless)."""
    user = require_user(actor)
    if not can_block(user.id, other_id):
        raise RuleViolation("cannot_block_self")
    other = session.get(User, other_id)
    if other is None or not can_be_connected_or_blocked(other):
        raise NotFound("user_not_found")
    blocked_at = session.scalar(
        insert(Block)
        .values(blocker_id=user.id, blocked_id=other.id)
        .on_conflict_do_nothing(index_elements=["blocker_id", "blocked_id"])
        .returning(Block.created_at)
    )
    created = blocked_at is not None
    if blocked_at is None:
        blocked_at = session.scalars(
            select(Block.created_at).where(
                Block.blocker_id == user.id, Block.blocked_id == other.id
            )
        ).one()
    session.execute(delete(Connection).where(connection_between(user.id, other.id)))
    session.flush()
    return BlockEntry(other.id, other.display_name, blocked_at), created


def unblock_user(actor: Actor, other_id: uuid.UUID) -> None:
    """Lift my block. A connection the block removed does not come back."""
    user = require_user(actor)
    result = session.execute(
        delete(Block).where(Block.blocker_id == user.id, Block.blocked_id == other_id)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("block_not_found")


def blocks_query(actor: Actor) -> Subquery:
    """The people I blocked as rows (user_id, display_name, blocked_at); never who
    blocked me."""
    user = require_user(actor)
    return (
        select(
            Block.blocked_id.label("user_id"),
            User.display_name,
            Block.created_at.label("blocked_at"),
        )
        .join(User, User.id == Block.blocked_id)
        .where(Block.blocker_id == user.id, User.status == USER_ACTIVE)
        .subquery("my_blocks")
    )
