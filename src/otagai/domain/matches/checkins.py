"""Check-ins: the supporter records what happened, at the server's time, in the match's
timeline (``timeline.py``), and the requester's household is told at once.

- A pickup is ``picked_up`` → ``arrived`` → ``handed_over``; babysitting is ``started`` →
  ``ended``. Each once (a ``dedupe_key`` per match and type), in that order, while the
  match is confirmed, from 30 minutes before its start.
- ``handed_over`` is two-party: it needs the code the requester's app shows
  (``passes.handover_code``). A wrong code is refused and recorded (the refusal's only
  write, committed with it: ``keep_record``); after ``MAX_REJECTIONS`` the handover is
  locked and the requester is told — somebody is at the door with the child who does not
  have the code.

The match row is locked (after its request, the order of ``lifecycle``) for the checks
and the write, so two check-ins, or a check-in and a cancellation, of one match take
turns and the second sees what the first did.
"""

from __future__ import annotations

import hmac
import unicodedata
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from otagai.domain import clock
from otagai.domain.actors import Actor, require_user
from otagai.domain.matches import timeline
from otagai.domain.matches.lifecycle import lock_match
from otagai.domain.matches.models import CONFIRMED, Match
from otagai.domain.matches.passes import EARLY, handover_code
from otagai.domain.matches.services import get_match
from otagai.domain.outbox import MATCH_CHECKIN, MATCH_HANDOVER_LOCKED, enqueue
from otagai.domain.people.models import USER_ACTIVE, User
from otagai.errors import Conflict, RuleViolation, require
from otagai.extensions.db import session

SEQUENCES: dict[str, tuple[str, ...]] = {
    "pickup": (timeline.PICKED_UP, timeline.ARRIVED, timeline.HANDED_OVER),
    "babysitting": (timeline.STARTED, timeline.ENDED),
}
CHECKIN_TYPES = tuple(t for sequence in SEQUENCES.values() for t in sequence)
# 10^6 codes, 5 tries: a guess succeeds with odds of 1 in 200,000.
MAX_REJECTIONS = 5


def household_of_requester(match: Match) -> list[uuid.UUID]:
    """The requester first, then the household's other parent(s)."""
    others = session.scalars(
        select(User.id)
        .where(User.household_id == match.requester_household_id, User.status == USER_ACTIVE)
        .order_by(User.created_at, User.id)
    )
    return [match.requester_id, *others]


def _dedupe_key(match: Match, type: str) -> str:
    return f"checkin:{match.id}:{type}"


def record_checkin(
    actor: Actor,
    match_id: uuid.UUID,
    *,
    type: str,
    code: str | None = None,
    secret: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The supporter's check-in of ``type``; its timeline entry ``{type, at}``."""
    user = require_user(actor)
    match = get_match(actor, match_id)
    require(user.id == match.supporter_id, "supporter_only")
    sequence = SEQUENCES.get(match.kind)
    if sequence is None:
        raise Conflict("checkin_not_for_kind")
    if type not in sequence:
        raise RuleViolation("checkin_type_invalid")
    match, _ = lock_match(match)
    at = clock.now(now)  # read after the lock: the time the check-in is recorded at
    if match.status != CONFIRMED:
        raise Conflict("match_not_confirmed")
    if at < match.starts_at - EARLY:
        raise Conflict("checkin_too_early")
    done = {event.type for event in timeline.events_of(match.id, *sequence)}
    if type in done:
        raise Conflict("checkin_already_recorded")
    position = sequence.index(type)
    if position > 0 and sequence[position - 1] not in done:
        raise Conflict("checkin_out_of_order")
    if type == timeline.HANDED_OVER:
        _check_handover_code(match, user.id, code, secret=secret, at=at)
    written = timeline.record(
        match, type, at=at, actor_id=user.id, dedupe_key=_dedupe_key(match, type)
    )
    if not written:  # the lock makes this unreachable; the key is the last word anyway
        raise Conflict("checkin_already_recorded")
    enqueue(MATCH_CHECKIN, {"match_id": match.id, "checkin": type}, household_of_requester(match))
    session.flush()
    return {"type": type, "at": at}


def _check_handover_code(
    match: Match, supporter_id: uuid.UUID, code: str | None, *, secret: str, at: datetime
) -> None:
    rejected = len(timeline.events_of(match.id, timeline.HANDOVER_CODE_REJECTED))
    if rejected >= MAX_REJECTIONS:
        raise Conflict("handover_locked")
    # Forgiving of how people type: full-width digits (a Japanese keyboard), spaces.
    typed = "".join(ch for ch in unicodedata.normalize("NFKC", code or "") if not ch.isspace())
    if hmac.compare_digest(typed.encode(), handover_code(match.id, secret=secret).encode()):
        return
    attempt = rejected + 1
    timeline.record(
        match,
        timeline.HANDOVER_CODE_REJECTED,
        at=at,
        actor_id=supporter_id,
        data={"attempt": attempt, "locked": attempt >= MAX_REJECTIONS},
        dedupe_key=f"handover-rejected:{match.id}:{attempt}",
    )
    if attempt >= MAX_REJECTIONS:
        enqueue(MATCH_HANDOVER_LOCKED, {"match_id": match.id}, household_of_requester(match))
    session.flush()
    raise RuleViolation("handover_code_invalid", keep_record=True)
