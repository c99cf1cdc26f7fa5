"""The escalation ladder of a widening request (docs/escalation-ladder.md): its rungs, how
long each waits, and the rung a request is on.

Rungs, in order (each adds people; nobody reached is taken away):
0. ``acquaintances``: the requester's connections;
1. ``certified``: plus the community's supporters certified for the kind (for lending,
   any member, as with the audience ``community``);
2. ``friends_of_friends``: plus a connection of a connection of the requester, through a
   path with no block on it (matching/friends_of_friends.py);
3. ``neighbouring``: plus the supporters certified for the kind in a community whose area
   lies within ``NEIGHBOUR_M`` of the request's community's, with a home (public point)
   within twice the request's radius (at most ``MAX_WIDE_RADIUS_M``);
4. ``coordinators``: the community's coordinators are told; the audience stays.

The wait on a rung is an eighth of the time left before the start when the rung was
reached, at least ``MIN_WAIT`` and at most ``MAX_WAIT``: a pickup in 3 hours climbs every
22 minutes, one a week ahead once a day.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from geoalchemy2 import Geography
from sqlalchemy import cast, func, select
from sqlalchemy.orm import aliased

from otagai.domain.communities.models import Community
from otagai.domain.requests.models import (
    AUDIENCE_COMMUNITY,
    AUDIENCE_WIDENING,
    RUNGS,
    ShareRequest,
    ShareRequestRung,
)
from otagai.extensions.db import session

ACQUAINTANCES, CERTIFIED, FRIENDS_OF_FRIENDS, NEIGHBOURING, COORDINATORS = range(5)
LAST = COORDINATORS
MIN_WAIT = timedelta(minutes=10)
MAX_WAIT = timedelta(hours=24)
WAIT_SHARE = 8  # the wait is 1/8 of the time left
# Neighbouring communities: areas at most this far apart (5 km).
NEIGHBOUR_M = 5000
WIDE_FACTOR = 2
MAX_WIDE_RADIUS_M = 20000


def wait(time_left: timedelta) -> timedelta:
    """How long a rung reached with ``time_left`` before the start waits for an offer."""
    return min(MAX_WAIT, max(MIN_WAIT, time_left / WAIT_SHARE))


def next_at(rung: int, since: datetime, starts_at: datetime) -> datetime | None:
    """When the next rung is due, or None on the last one."""
    if rung >= LAST:
        return None
    return since + wait(starts_at - since)


def wide_radius_m(radius_m: int) -> int:
    return min(MAX_WIDE_RADIUS_M, radius_m * WIDE_FACTOR)


@dataclass(frozen=True)
class Reach:
    """Who a request's audience reaches now: what the candidate rules read."""

    certified: bool  # the community's certified supporters (lending: its members)
    friends_of_friends: bool
    neighbouring: bool


def reach_of(request: ShareRequest) -> Reach:
    if request.audience == AUDIENCE_WIDENING:
        rung = request.rung or 0
        return Reach(rung >= CERTIFIED, rung >= FRIENDS_OF_FRIENDS, rung >= NEIGHBOURING)
    return Reach(request.audience == AUDIENCE_COMMUNITY, False, False)


def rung_view(request: ShareRequest) -> dict[str, object] | None:
    """``{name, since, next_at}`` of a widening request (household only), else None."""
    if request.audience != AUDIENCE_WIDENING or request.rung is None:
        return None
    since = reached_at(request.id, request.rung) or request.created_at
    return {
        "name": RUNGS[request.rung],
        "since": since,
        "next_at": next_at(request.rung, since, request.starts_at),
    }


def reached_at(request_id: uuid.UUID, rung: int) -> datetime | None:
    return session.scalar(
        select(ShareRequestRung.reached_at).where(
            ShareRequestRung.request_id == request_id, ShareRequestRung.rung == rung
        )
    )


def neighbouring_communities(community_id: uuid.UUID) -> list[uuid.UUID]:
    """The community and those whose area lies within NEIGHBOUR_M of its area."""
    here = aliased(Community)
    return list(
        session.scalars(
            select(Community.id)
            .join(here, here.id == community_id)
            .where(
                func.ST_DWithin(
                    cast(Community.area, Geography), cast(here.area, Geography), NEIGHBOUR_M
                )
            )
            .order_by(Community.id)
        )
    )
