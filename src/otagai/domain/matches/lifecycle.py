"""A match after it is made: the requester completes it, either party cancels it; the
request follows, and both parties are told (an outbox event, same transaction).

Locks, in the order accepting and cancelling a request take them: the request row, then
the match row. So a request cancel and a match cancel/complete of the same match wait for
each other, and the second sees what the first did.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from otagai.domain import clock
from otagai.domain.actors import Actor, require_user
from otagai.domain.locks import locked
from otagai.domain.matches.models import CANCELLED, COMPLETED, CONFIRMED, Match
from otagai.domain.matches.services import get_match
from otagai.domain.outbox import MATCH_CANCELLED, MATCH_COMPLETED, enqueue
from otagai.domain.requests import models as requests
from otagai.domain.requests.models import ShareRequest
from otagai.domain.requests.queries import lock_request
from otagai.errors import Conflict, require
from otagai.extensions.db import session


def lock_match(match: Match) -> tuple[Match, ShareRequest]:
    """The match's request and then the match, locked and read afresh."""
    request = lock_request(match.request_id)
    assert request is not None  # a match's request is never deleted
    fresh = locked(Match, match.id)
    assert fresh is not None
    return fresh, request


def complete_match(actor: Actor, match_id: uuid.UUID, now: datetime | None = None) -> Match:
    """The requester marks the help done: a confirmed match whose start has passed becomes
    ``completed``, and so does its request."""
    user = require_user(actor)
    at = clock.now(now)
    match = get_match(actor, match_id)
    require(user.id == match.requester_id, "requester_only")
    match, request = lock_match(match)
    if match.status != CONFIRMED:
        raise Conflict("match_not_confirmed")
    if match.starts_at > at:
        raise Conflict("match_not_started")
    match.status = COMPLETED
    match.completed_at = at
    request.status = requests.COMPLETED
    enqueue(
        MATCH_COMPLETED,
        {"match_id": match.id, "request_id": match.request_id},
        [match.requester_id, match.supporter_id],
    )
    session.flush()
    return match


def cancel_match(
    actor: Actor, match_id: uuid.UUID, *, reason: str, now: datetime | None = None
) -> Match:
    """Either party cancels a confirmed match, with a reason; the request is cancelled
    with it (the requester may post it again)."""
    user = require_user(actor)
    at = clock.now(now)
    match = get_match(actor, match_id)
    require(user.id in (match.requester_id, match.supporter_id), "match_party_only")
    match, request = lock_match(match)
    if match.status != CONFIRMED:
        raise Conflict("match_not_confirmed")
    cancel_locked(match, request, by=user.id, reason=reason, at=at)
    enqueue(
        MATCH_CANCELLED,
        {"match_id": match.id, "request_id": match.request_id, "cancelled_by_id": user.id},
        # The one who cancelled knows; the other party is told.
        [match.supporter_id if user.id == match.requester_id else match.requester_id],
    )
    session.flush()
    return match


def cancel_locked(
    match: Match, request: ShareRequest, *, by: uuid.UUID, reason: str, at: datetime
) -> None:
    """Cancel a confirmed match and its request, both locked by the caller (``lock_match``),
    who tells the parties. The one place a match becomes ``cancelled``."""
    match.status = CANCELLED
    match.cancelled_at = at
    match.cancelled_by_id = by
    match.cancel_reason = reason
    request.status = requests.CANCELLED
    request.cancelled_at = at
    request.cancel_reason = reason
