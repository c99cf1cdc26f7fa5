"""Fair fan-out (docs/fair-fan-out.md): which of a new request's candidates are pushed
about it, so the same few supporters are not told of everything.

1. Nobody gets more than ``per_day`` new-request pushes in one Tokyo day: a supporter
   who had them is left out until tomorrow.
2. Of the rest, at most ``per_request``, chosen in this order: the trust tier (as
   candidates are ranked, ``matching/candidates.TIERS``); within a tier, fewest
   new-request pushes in the last ``recent_days`` Tokyo days; then a tie-break that is
   stable for one request and differs between requests (a hash of request id and user id),
   so equals take turns.

Counted in ``new_request_pushes`` (one row per supporter and Tokyo day, primary key
(user_id, day)): a choice reads at most ``recent_days`` rows per candidate through the
primary key, whatever the size of the town. Only new-request pushes are counted or
capped: urgent and safety notifications never go through here.

One entry point, ``choose``, then ``record`` for the pushes actually written: the fan-out
(``fanout.py``) applies it to a new request's candidates, and any later widening of a
request's audience can apply it to the people of each rung.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from otagai.domain.clock import TOKYO
from otagai.domain.notifications.models import NewRequestPushes
from otagai.extensions.db import session

DEFAULT_PER_REQUEST = 10
DEFAULT_PER_DAY = 5
DEFAULT_RECENT_DAYS = 7


@dataclass(frozen=True)
class Rules:
    per_request: int = DEFAULT_PER_REQUEST  # NEW_REQUEST_FANOUT
    per_day: int = DEFAULT_PER_DAY  # NEW_REQUEST_PUSHES_PER_DAY
    recent_days: int = DEFAULT_RECENT_DAYS


@dataclass(frozen=True)
class Ranked:
    """A candidate as the fan-out knows them: who, and their tier's rank (0 best)."""

    user_id: uuid.UUID
    tier: int


@dataclass(frozen=True)
class Load:
    today: int
    recent: int


def _day(now: datetime) -> date:
    return now.astimezone(TOKYO).date()


def loads(user_ids: Sequence[uuid.UUID], now: datetime, recent_days: int) -> dict[uuid.UUID, Load]:
    """Each user's new-request pushes today and in the last ``recent_days`` days (today
    included); one query through the primary key. Users without any are left out."""
    if not user_ids:
        return {}
    today = _day(now)
    pushes = NewRequestPushes
    rows = session.execute(
        select(
            pushes.user_id,
            func.coalesce(func.sum(pushes.count).filter(pushes.day == today), 0),
            func.sum(pushes.count),
        )
        .where(
            pushes.user_id.in_(list(user_ids)),
            pushes.day > today - timedelta(days=recent_days),
            pushes.day <= today,
        )
        .group_by(pushes.user_id)
    )
    return {user_id: Load(int(t), int(r)) for user_id, t, r in rows}


def tie_break(request_id: uuid.UUID | str, user_id: uuid.UUID) -> bytes:
    """Stable for one (request, user); unrelated between requests."""
    return hashlib.sha256(f"{request_id}:{user_id}".encode()).digest()[:8]


def choose(
    request_id: uuid.UUID | str, ranked: Sequence[Ranked], now: datetime, rules: Rules
) -> list[uuid.UUID]:
    """The users to push about ``request_id``, of ``ranked`` (each once), in order."""
    unique = list({r.user_id: r for r in ranked}.values())
    load = loads([r.user_id for r in unique], now, rules.recent_days)
    none = Load(0, 0)
    open_ = [r for r in unique if load.get(r.user_id, none).today < rules.per_day]
    open_.sort(
        key=lambda r: (r.tier, load.get(r.user_id, none).recent, tie_break(request_id, r.user_id))
    )
    return [r.user_id for r in open_[: rules.per_request]]


def record(user_ids: Sequence[uuid.UUID], now: datetime) -> None:
    """One more new-request push today for each of ``user_ids`` (those written)."""
    if not user_ids:
        return
    today = _day(now)
    statement = insert(NewRequestPushes).values(
        [{"user_id": u, "day": today, "count": 1} for u in dict.fromkeys(user_ids)]
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "day"],
            set_={"count": NewRequestPushes.count + 1},
        )
    )
