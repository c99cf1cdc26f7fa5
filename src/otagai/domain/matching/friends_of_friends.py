"""Friends of friends (the ladder's third rung, docs/escalation-ladder.md): a connection of
a connection of somebody, through a path with no block anywhere on it.

A path ``me – friend – them`` counts when ``them`` is not me and not already my direct
connection, the friend's account is active, and none of the three pairs (me and the
friend, the friend and them, me and them) has a block either way. (A block deletes a
connection, so the first two rarely matter; they are checked anyway.) The relation is
symmetric: ``them`` is my friend of a friend exactly when I am theirs, through the same
friends — the requester's candidate list and the supporter's feed agree.

Always driven from ``me``'s few connections, through the connections' primary key
(lower id first) and ``ix_connections_user_high_id``: never a scan of users or of all
connections.

Each side is shown to the other only as "a friend of <the intermediary's display name>".
The intermediary is the common friend with the most completed shares as a supporter, then
the lowest id: the same one for both sides, and stable while nothing is completed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import CTE, Select, exists, func, select, union_all
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import aliased

from otagai.domain.matches.models import COMPLETED, Match
from otagai.domain.people.models import USER_ACTIVE, User
from otagai.domain.trust.models import Connection
from otagai.domain.trust.queries import UserId, blocked_either_way, connected_user_ids_clause
from otagai.extensions.db import session


def friends_of(me: UserId, name: str = "friends") -> CTE:
    """(friend_id) of ``me``'s connections."""
    ids = connected_user_ids_clause(me).subquery()
    return select(ids.c.user_id.label("friend_id")).cte(name)


def paths(me: UserId, *, one: UserId | None = None, name: str = "fof_paths") -> CTE:
    """(friend_id, user_id) of every unblocked path from ``me`` to a friend of a friend
    (``one``: only the paths to that person)."""
    friends = friends_of(me, f"{name}_friends")
    low, high = aliased(Connection), aliased(Connection)
    branches: list[Select[Any]] = [
        # friend is the pair's lower id: them is the higher
        select(friends.c.friend_id, low.user_high_id.label("user_id")).join(
            low, low.user_low_id == friends.c.friend_id
        ),
        select(friends.c.friend_id, high.user_low_id.label("user_id")).join(
            high, high.user_high_id == friends.c.friend_id
        ),
    ]
    if one is not None:  # the pair (friend, one) by primary key / the high-id index
        branches = [
            branches[0].where(low.user_high_id == one),
            branches[1].where(high.user_low_id == one),
        ]
    raw = union_all(*branches).subquery("fof_raw")
    active_friend = exists().where(User.id == raw.c.friend_id, User.status == USER_ACTIVE)
    return (
        select(raw.c.friend_id, raw.c.user_id)
        .where(
            raw.c.user_id != me,
            raw.c.user_id.not_in(select(friends.c.friend_id)),
            active_friend,
            ~blocked_either_way(raw.c.friend_id, raw.c.user_id),
            ~blocked_either_way(raw.c.friend_id, me),
            ~blocked_either_way(raw.c.user_id, me),
        )
        .cte(name)
    )


# A bound on the set a candidate search carries (a very connected requester's friends of
# friends could run to thousands; the ranking shows 50).
MAX_FRIENDS_OF_FRIENDS = 2_000


def friend_of_friend_query(me: UserId, *, one: UserId | None = None) -> Select[Any]:
    """``me``'s friends of friends (or only ``one``, if they are one), at most
    ``MAX_FRIENDS_OF_FRIENDS``: driven from ``me``'s connections by their indexes."""
    found = paths(me, one=one)
    return (
        select(found.c.user_id).distinct().order_by(found.c.user_id).limit(MAX_FRIENDS_OF_FRIENDS)
    )


def friend_of_friend_ids(me: uuid.UUID, *, one: uuid.UUID | None = None) -> list[uuid.UUID]:
    """The ids the candidate search binds as an array: inside that statement, the paths'
    joins were overestimated and the planner scanned every user."""
    return list(session.scalars(friend_of_friend_query(me, one=one)))


def _completed_as_supporter(user_id: Any) -> Any:
    return (
        select(func.count())
        .where(Match.supporter_id == user_id, Match.status == COMPLETED)
        .scalar_subquery()
    )


def intermediaries(me: uuid.UUID, others: Iterable[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """For each of ``others`` that is my friend of a friend: the intermediary's display
    name (see the module's docstring for which one)."""
    ids = list(dict.fromkeys(others))
    if not ids:
        return {}
    found = paths(me)
    ranked = (
        select(found.c.user_id, User.display_name)
        .join(User, User.id == found.c.friend_id)
        .where(found.c.user_id.in_(ids))
        .order_by(
            found.c.user_id,
            _completed_as_supporter(found.c.friend_id).desc(),
            found.c.friend_id,
        )
        .ext(distinct_on(found.c.user_id))
    )
    return {user_id: name for user_id, name in session.execute(ranked)}
