"""SQL building blocks about trust for other areas' queries (candidates, feeds, lists).

Connections are stored once per pair, lower id first; these helpers hide that. Columns
or plain ids may be passed wherever a user id is expected, e.g.::

    select(User).where(User.id.in_(connected_user_ids_clause(me.id)),
                       ~blocked_either_way(User.id, me.id))
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CompoundSelect, and_, exists, or_, select, union_all
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from otagai.domain.trust.models import Block, Connection
from otagai.extensions.db import session

UserId = uuid.UUID | ColumnElement[Any] | InstrumentedAttribute[Any]


def connected_user_ids_clause(user_id: UserId) -> CompoundSelect:
    """The ids of ``user_id``'s connections, for ``column.in_(...)``; ``user_id`` may be
    a column of the outer query (it correlates).

    Blocks need no extra filter here: a block deletes the connection.
    """
    return union_all(
        select(Connection.user_high_id.label("user_id")).where(Connection.user_low_id == user_id),
        select(Connection.user_low_id.label("user_id")).where(Connection.user_high_id == user_id),
    )


def connection_between(a: UserId, b: UserId) -> ColumnElement[bool]:
    """The pair's row, whichever side is lower (for ``exists()`` and joins)."""
    return or_(
        and_(Connection.user_low_id == a, Connection.user_high_id == b),
        and_(Connection.user_low_id == b, Connection.user_high_id == a),
    )


def is_connected(a: UserId, b: UserId) -> ColumnElement[bool]:
    """EXISTS: ``a`` and ``b`` are connected (usable in WHERE, CASE, ORDER BY)."""
    # Never correlate connections away when the outer query reads them too.
    return exists().where(connection_between(a, b)).correlate_except(Connection)


def blocked_either_way(a: UserId, b: UserId) -> ColumnElement[bool]:
    """EXISTS: either of ``a`` and ``b`` has blocked the other. Filter with ``~``."""
    return (
        exists()
        .where(
            or_(
                and_(Block.blocker_id == a, Block.blocked_id == b),
                and_(Block.blocker_id == b, Block.blocked_id == a),
            )
        )
        .correlate_except(Block)
    )


def are_connected(a: uuid.UUID, b: uuid.UUID) -> bool:
    return bool(session.scalar(select(is_connected(a, b))))


def is_blocked_either_way(a: uuid.UUID, b: uuid.UUID) -> bool:
    return bool(session.scalar(select(blocked_either_way(a, b))))
