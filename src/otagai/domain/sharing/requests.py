"""A share request as its readers get it (404 for anybody who may not see it), and the
requester cancelling it, with its match and pending offers. Services flush; the request
commits."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update

from otagai.domain import clock, outbox
from otagai.domain.actors import Actor, require_user
from otagai.domain.matches.models import CANCELLED as MATCH_CANCELLED
from otagai.domain.matches.models import CONFIRMED, Match
from otagai.domain.people.models import User
from otagai.domain.requests.models import (
    CANCELLED,
    MATCHED,
    OFFER_DECLINED,
    OFFER_PENDING,
    OPEN,
    Offer,
    ShareRequest,
)
from otagai.domain.requests.status import effective_status
from otagai.domain.sharing.visibility import Viewer, viewer_of
from otagai.errors import Conflict, NotFound, require
from otagai.extensions.db import session

CANCELLABLE = (OPEN, MATCHED)


def _visible(
    user: User, request_id: uuid.UUID, now: datetime | None, *, lock: bool = False
) -> tuple[ShareRequest, Viewer]:
    stmt = select(ShareRequest).where(ShareRequest.id == request_id)
    if lock:
        # Serializes with an accept of an offer on the same request.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    request = session.scalars(stmt).one_or_none()
    viewer = viewer_of(user, request, now) if request is not None else None
    if request is None or viewer is None:
        raise NotFound("share_request_not_found")
    return request, viewer


def get_share_request(
    actor: Actor, request_id: uuid.UUID, now: datetime | None = None
) -> tuple[ShareRequest, Viewer]:
    """The request and how I relate to it; 404 when I may not see it."""
    return _visible(require_user(actor), request_id, now)


def _decline_pending(request_id: uuid.UUID, now: datetime) -> None:
    """Decline the request's pending offers and tell their supporters."""
    declined = session.scalars(
        update(Offer)
        .where(Offer.request_id == request_id, Offer.status == OFFER_PENDING)
        .values(status=OFFER_DECLINED, decided_at=now)
        .returning(Offer.supporter_id)
    ).all()
    if declined:
        outbox.enqueue(outbox.OFFER_DECLINED, {"request_id": request_id}, declined)


def cancel_share_request(
    actor: Actor, request_id: uuid.UUID, *, reason: str, now: datetime | None = None
) -> ShareRequest:
    """The requester cancels an open or matched request; a confirmed match is cancelled
    with it and pending offers are declined. The row is locked first, so a concurrent
    accept either happens before (and its match is cancelled here) or sees it cancelled."""
    user = require_user(actor)
    at = clock.now(now)
    request, _ = _visible(user, request_id, at, lock=True)
    require(user.id == request.requester_id, "requester_only")
    if effective_status(request, at) not in CANCELLABLE:
        raise Conflict("share_request_not_cancellable")
    if request.status == MATCHED:
        match = session.scalars(
            select(Match)
            .where(Match.request_id == request.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if match is not None and match.status == CONFIRMED:
            match.status = MATCH_CANCELLED
            match.cancelled_at = at
            match.cancelled_by_id = user.id
            match.cancel_reason = reason
            outbox.enqueue(
                outbox.MATCH_CANCELLED,
                {"match_id": match.id, "request_id": request.id, "cancelled_by_id": user.id},
                [match.supporter_id],
            )
    request.status = CANCELLED
    request.cancel_reason = reason
    request.cancelled_at = at
    _decline_pending(request.id, at)
    session.flush()
    return request
