"""Reliability (``GET /v1/communities/{id}/reliability``): for a community's coordinators,
how each person who took part in its matches kept their word over a window (default
``DEFAULT_DAYS`` days, by the match's start).

Per person, counting the community's matches they were a party to (requester or
supporter) that started in the window:

- ``completed``: matches completed;
- ``cancelled_late``: matches *they* cancelled less than ``LATE_CANCEL`` (24 h) before
  the start, or after it. A cancellation that comes with a no-show they recorded is not
  theirs to answer for (the other side did not come), so it is left out;
- ``no_shows``: no-shows recorded against them (``absent_id``).

Only people with at least one such match are listed, as ``{id, display_name}`` and
counts: no address, no place, no child, no text of a reason.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, select, union_all

from otagai.domain import clock
from otagai.domain.actors import Actor
from otagai.domain.communities.roles import get_community, require_coordinator
from otagai.domain.matches.models import CANCELLED, COMPLETED, Match, NoShow
from otagai.domain.people.models import USER_ACTIVE, User
from otagai.domain.people.views import stub
from otagai.domain.requests.models import ShareRequest
from otagai.extensions.keyset import Page, one_id, paginate

DEFAULT_DAYS = 180
MAX_DAYS = 730
LATE_CANCEL = timedelta(hours=24)


def community_reliability(
    actor: Actor,
    community_id: uuid.UUID,
    *,
    days: int = DEFAULT_DAYS,
    limit: int,
    cursor: str | None,
    now: datetime | None = None,
) -> Page[dict[str, Any]]:
    """One page of the community's people, by id, with their counts."""
    get_community(community_id)
    require_coordinator(actor, community_id)
    at = clock.now(now)
    matches = (
        select(
            Match.id,
            Match.requester_id,
            Match.supporter_id,
            Match.status,
            Match.starts_at,
            Match.cancelled_at,
            Match.cancelled_by_id,
        )
        .join(ShareRequest, ShareRequest.id == Match.request_id)
        .where(
            ShareRequest.community_id == community_id,
            Match.starts_at >= at - timedelta(days=days),
            Match.starts_at <= at,
        )
        .subquery("m")
    )
    # Each match twice: once for each party.
    parties = union_all(
        select(matches, matches.c.requester_id.label("user_id")),
        select(matches, matches.c.supporter_id.label("user_id")),
    ).subquery("p")
    user_id = parties.c.user_id
    no_show = NoShow.__table__.alias("ns")
    own_cancellation = and_(
        parties.c.status == CANCELLED,
        parties.c.cancelled_by_id == user_id,
        parties.c.cancelled_at > parties.c.starts_at - LATE_CANCEL,
        no_show.c.reported_by_id.is_distinct_from(user_id),
    )
    counts = (
        select(
            user_id.label("user_id"),
            func.count().filter(parties.c.status == COMPLETED).label("completed"),
            func.count().filter(own_cancellation).label("cancelled_late"),
            func.count().filter(no_show.c.absent_id == user_id).label("no_shows"),
        )
        .select_from(parties)
        .outerjoin(no_show, no_show.c.match_id == parties.c.id)
        .group_by(user_id)
        .subquery("c")
    )
    stmt = (
        select(counts, User.display_name, literal(days).label("days"))
        .join(User, User.id == counts.c.user_id)
        .where(User.status == USER_ACTIVE)
    )
    page = paginate(
        stmt, keys=[counts.c.user_id], limit=limit, cursor=cursor, after=one_id, mappings=True
    )
    return page.map(lambda rows: [_view(row) for row in rows])


def _view(row: Any) -> dict[str, Any]:
    return {
        "person": stub(row["user_id"], row["display_name"]),
        "completed": row["completed"],
        "cancelled_late": row["cancelled_late"],
        "no_shows": row["no_shows"],
        "window_days": row["days"],
    }
