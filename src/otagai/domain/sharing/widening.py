"""The widening job (docs/escalation-ladder.md): a widening request with no offer climbs
one rung when its rung's wait is over (requests/ladder.py), and the people the new rung
adds are told of it (the new-request push), or, on the last rung, the community's
coordinators are.

- Each rung once, exactly: the rung's row in ``share_request_rungs`` (primary key) and
  the outbox event (``dedupe_key`` ``widen:<request>:<rung>``) are written together or
  not at all; a second worker, or a re-run, writes neither.
- It stops while an offer awaits the requester's decision, and for good once the request
  is no longer effectively open (matched, cancelled, expired, started). An offer declined
  or withdrawn lets it climb again (its wait has usually passed by then).
- At most one rung per request and tick: a worker catching up after a pause still gives
  each rung its turn (each next wait counts from when the rung was actually reached).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, exists, select, update
from sqlalchemy.dialects.postgresql import insert

from otagai.domain import outbox
from otagai.domain.communities.queries import active_coordinators
from otagai.domain.matching.candidates import TIERS, find_candidates
from otagai.domain.requests import ladder
from otagai.domain.requests.models import (
    AUDIENCE_WIDENING,
    LENDING,
    OFFER_PENDING,
    OPEN,
    RUNGS,
    Offer,
    ShareRequest,
    ShareRequestRung,
)
from otagai.extensions.db import session

# The newly reached are told as a new request is announced: at most this many, best first.
NEW_RUNG_AUDIENCE = 20
# How far down the ranking the newly reached are looked for (they rank after the others).
LOOK_DOWN = 500
# The tiers each rung adds (matching/candidates.py TIERS).
ADDED_TIERS = {
    ladder.CERTIFIED: ("certified", "member"),
    ladder.FRIENDS_OF_FRIENDS: ("friend_of_friend",),
    ladder.NEIGHBOURING: ("neighbouring",),
}


def dedupe_key(request_id: uuid.UUID, rung: int) -> str:
    return f"widen:{request_id}:{RUNGS[rung]}"


def widen_requests(now: datetime) -> int:
    """Climb every widening request whose rung's wait is over; the rungs climbed. The
    caller commits."""
    current = ShareRequestRung
    due = session.execute(
        select(ShareRequest, current.reached_at)
        .join(
            current,
            and_(current.request_id == ShareRequest.id, current.rung == ShareRequest.rung),
        )
        .where(
            ShareRequest.status == OPEN,
            ShareRequest.audience == AUDIENCE_WIDENING,
            ShareRequest.starts_at > now,
            ShareRequest.rung < ladder.LAST,
            ~exists().where(Offer.request_id == ShareRequest.id, Offer.status == OFFER_PENDING),
        )
        .order_by(ShareRequest.starts_at, ShareRequest.id)
    ).all()
    climbed = 0
    for request, since in due:
        due_at = ladder.next_at(request.rung or 0, since, request.starts_at)
        if due_at is not None and now >= due_at:
            climbed += _climb(request, now)
    return climbed


def _climb(request: ShareRequest, now: datetime) -> int:
    old = request.rung or 0
    new = old + 1
    written = session.execute(
        insert(ShareRequestRung)
        .values(request_id=request.id, rung=new, reached_at=now)
        .on_conflict_do_nothing(index_elements=["request_id", "rung"])
        .returning(ShareRequestRung.rung)
    ).first()
    if written is None:
        return 0  # another worker climbed it first
    session.execute(
        update(ShareRequest)
        .where(ShareRequest.id == request.id, ShareRequest.rung == old)
        .values(rung=new)
        .execution_options(synchronize_session=False)
    )
    request.rung = new
    if new == ladder.COORDINATORS:
        outbox.enqueue_once(
            outbox.SHARE_REQUEST_UNANSWERED,
            {"request_id": request.id},
            coordinators(request.community_id),
            dedupe_key=dedupe_key(request.id, new),
        )
    else:
        outbox.enqueue_once(
            outbox.SHARE_REQUEST_WIDENED,
            {"request_id": request.id},
            newly_reached(request, new),
            dedupe_key=dedupe_key(request.id, new),
        )
    return 1


def newly_reached(request: ShareRequest, rung: int) -> list[uuid.UUID]:
    """The best of the candidates that ``rung`` adds (the request on that rung)."""
    tiers = ADDED_TIERS[rung]
    if rung == ladder.CERTIFIED and request.kind != LENDING:
        tiers = ("certified",)
    found = find_candidates(request, limit=LOOK_DOWN)
    return [c.user_id for c in found if c.trust_tier in tiers][:NEW_RUNG_AUDIENCE]


def coordinators(community_id: uuid.UUID) -> list[uuid.UUID]:
    return active_coordinators(community_id)


assert set(TIERS) >= {t for tiers in ADDED_TIERS.values() for t in tiers}
