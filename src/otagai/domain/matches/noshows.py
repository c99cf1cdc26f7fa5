"""No-shows: one party records that the other did not come (``POST
/v1/matches/{id}/no-show``), and the party reported absent may answer once (``…/answer``).

- Either party: the supporter, or any adult of the requester's household. The one
  reported absent is the other party (for the requester's side, the requester).
- Only from the match's start, up to ``WINDOW`` after its end; at most one per match.
- A match still confirmed is cancelled with it (``lifecycle.cancel_locked``), with the
  reason as its cancel reason; a completed match, or one cancelled before its start,
  refuses (somebody came, or nobody was expected).
- The timeline shows both (codes only: who was absent); the texts are in the match view,
  for the parties. The other party is told (urgent: they may be on their way).

Reliability (``communities``' coordinators) and candidate ranking count no-shows by
``absent_id`` and ``at`` (``ix_match_no_shows_absent_at``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from otagai.domain import clock
from otagai.domain.actors import Actor, require_user
from otagai.domain.matches import timeline
from otagai.domain.matches.checkins import household_of_requester
from otagai.domain.matches.lifecycle import cancel_locked, lock_match
from otagai.domain.matches.models import (
    CANCELLED,
    COMPLETED,
    CONFIRMED,
    REQUESTER_SIDE,
    SUPPORTER_SIDE,
    Match,
    NoShow,
)
from otagai.domain.matches.services import get_match
from otagai.domain.outbox import MATCH_NO_SHOW, enqueue
from otagai.domain.people.models import User
from otagai.errors import Conflict, NotFound, require
from otagai.extensions.db import session

WINDOW = timedelta(days=7)


def side_of(user: User, match: Match) -> str:
    """Which party ``user`` is on (``get_match`` already let only the parties through)."""
    return SUPPORTER_SIDE if user.id == match.supporter_id else REQUESTER_SIDE


def _people_of(match: Match, side: str) -> list[uuid.UUID]:
    return [match.supporter_id] if side == SUPPORTER_SIDE else household_of_requester(match)


def no_show_of(match_id: uuid.UUID) -> NoShow | None:
    return session.scalar(select(NoShow).where(NoShow.match_id == match_id))


def record_no_show(
    actor: Actor, match_id: uuid.UUID, *, reason: str, now: datetime | None = None
) -> NoShow:
    """The caller's side reports the other absent."""
    user = require_user(actor)
    match = get_match(actor, match_id)
    match, request = lock_match(match)
    at = clock.now(now)  # after the lock: the time it is recorded at
    if no_show_of(match.id) is not None:
        raise Conflict("no_show_already_recorded")
    if at < match.starts_at:
        raise Conflict("no_show_too_early")
    if at > match.ends_at + WINDOW:
        raise Conflict("no_show_too_late")
    if match.status == COMPLETED:
        raise Conflict("match_completed")
    if match.status == CANCELLED and match.cancelled_at and match.cancelled_at < match.starts_at:
        raise Conflict("match_cancelled_before_start")
    side = side_of(user, match)
    absent = REQUESTER_SIDE if side == SUPPORTER_SIDE else SUPPORTER_SIDE
    no_show = NoShow(
        id=uuid.uuid4(),
        match_id=match.id,
        reported_by_id=user.id,
        reported_by_role=side,
        absent_id=match.supporter_id if absent == SUPPORTER_SIDE else match.requester_id,
        absent_role=absent,
        reason=reason,
        at=at,
    )
    session.add(no_show)
    if match.status == CONFIRMED:
        cancel_locked(match, request, by=user.id, reason=reason, at=at)
    timeline.record(
        match,
        timeline.NO_SHOW_RECORDED,
        at=at,
        actor_id=user.id,
        data={"absent": absent},
        dedupe_key=f"no-show:{match.id}",
    )
    enqueue(MATCH_NO_SHOW, {"match_id": match.id, "no_show": "recorded"}, _people_of(match, absent))
    session.flush()
    return no_show


def answer_no_show(
    actor: Actor, match_id: uuid.UUID, *, text: str, now: datetime | None = None
) -> NoShow:
    """The side reported absent answers, once."""
    user = require_user(actor)
    match = get_match(actor, match_id)
    match, _ = lock_match(match)
    no_show = no_show_of(match.id)
    if no_show is None:
        raise NotFound("no_show_not_found")
    require(side_of(user, match) == no_show.absent_role, "no_show_reported_party_only")
    if no_show.answer is not None:
        raise Conflict("no_show_already_answered")
    at = clock.now(now)
    no_show.answer = text
    no_show.answered_by_id = user.id
    no_show.answered_at = at
    timeline.record(
        match,
        timeline.NO_SHOW_ANSWERED,
        at=at,
        actor_id=user.id,
        data={"absent": no_show.absent_role},
        dedupe_key=f"no-show-answer:{match.id}",
    )
    enqueue(
        MATCH_NO_SHOW,
        {"match_id": match.id, "no_show": "answered"},
        _people_of(match, no_show.reported_by_role),
    )
    session.flush()
    return no_show
