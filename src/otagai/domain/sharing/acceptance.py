"""Matches (成立): accepting an offer makes one, atomically; the two parties read it.

Accepting holds, in this order, the request's row (exclusive: a second accept or a cancel
of the same request waits, then sees it matched or cancelled) and then the rows of both
parties, in id order (two accepts that would double-book one person wait for each other,
and the second sees the first's match when it checks the candidate rules again). The
unique ``matches.request_id`` is the database's own guarantee of one match per request.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update

from otagai.domain import clock, outbox
from otagai.domain.actors import Actor, require_user
from otagai.domain.insurance.coverage import coverage_tag
from otagai.domain.matches.models import Match
from otagai.domain.matching.candidates import candidate
from otagai.domain.people.models import User
from otagai.domain.requests.models import (
    MATCHED,
    OFFER_ACCEPTED,
    OFFER_DECLINED,
    OFFER_PENDING,
    Offer,
)
from otagai.domain.requests.queries import request_children
from otagai.domain.requests.status import is_effectively_open
from otagai.domain.sharing.offers import lock_offer, visible_offer
from otagai.errors import Conflict, require
from otagai.extensions.db import insert_unique, session


def _lock_people(*user_ids: uuid.UUID) -> None:
    # NO KEY UPDATE: serializes accepts involving the same person without blocking the
    # inserts that merely reference them (offers, connections, ...).
    session.execute(
        select(User.id)
        .where(User.id.in_(user_ids))
        .order_by(User.id)
        .with_for_update(key_share=True)
    ).all()


def accept_offer(
    actor: Actor, offer_id: uuid.UUID, now: datetime | None = None, *, notify: bool = True
) -> Match:
    """The requester accepts a pending offer: the match is made with its insurance tag,
    the other pending offers are declined and the request becomes ``matched`` — all in the
    caller's transaction, or nothing."""
    user = require_user(actor)
    at = clock.now(now)
    offer, request, _ = visible_offer(user, offer_id)
    require(user.id == request.requester_id, "requester_only")
    offer, request = lock_offer(offer)
    if not is_effectively_open(request, at):
        raise Conflict("share_request_not_open")
    if offer.status != OFFER_PENDING:
        raise Conflict("offer_not_pending")
    _lock_people(request.requester_id, offer.supporter_id)
    # Still trusted, in range, not blocked and not busy at that time (another match of
    # theirs may have been confirmed since they offered).
    if candidate(request, offer.supporter_id) is None:
        raise Conflict("supporter_unavailable")
    children = request_children([request.id]).get(request.id, [])
    match = Match.of_offer(
        request,
        offer,
        insurance=coverage_tag(request, offer.supporter_id, children=children, computed_at=at),
    )
    offer.status = OFFER_ACCEPTED
    offer.decided_at = at
    request.status = MATCHED
    request.matched_at = at
    declined = session.scalars(
        update(Offer)
        .where(
            Offer.request_id == request.id,
            Offer.status == OFFER_PENDING,
            Offer.id != offer.id,
        )
        .values(status=OFFER_DECLINED, decided_at=at)
        .returning(Offer.supporter_id)
    ).all()
    # The lock above makes a clash unreachable; the unique index is the last word.
    insert_unique(match, "share_request_not_open")
    if notify:  # a series' dates are told once, for the whole series (series/offers.py)
        outbox.enqueue(
            outbox.OFFER_ACCEPTED,
            {"offer_id": offer.id, "request_id": request.id, "match_id": match.id},
            [offer.supporter_id],
        )
    if declined:
        outbox.enqueue(outbox.OFFER_DECLINED, {"request_id": request.id}, declined)
    session.refresh(match)
    return match
