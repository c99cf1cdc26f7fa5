"""Offers: a supporter proposes to take a request; the requester accepts (see
``sharing/acceptance.py``) or declines; the supporter may withdraw.

Lifecycle: ``pending`` -> ``accepted`` | ``declined`` | ``withdrawn``.

Concurrency: every change to a request's offers holds a lock on the request's row, so the
request row is the one place where they serialize. Making an offer takes it shared (offers
are made side by side), accepting, declining, withdrawing and cancelling take it
exclusively. An offer therefore never lands on a request that was matched or cancelled
meanwhile, and an offer withdrawn while it is being accepted is one or the other.

Who sees an offer: the requester's household and the offering supporter; anybody else gets
404. Only a candidate may offer (``domain/matching/candidates.py``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, false, select

from otagai.domain import clock, outbox
from otagai.domain.actors import Actor, require_user
from otagai.domain.communities.attribution import municipality_of_user
from otagai.domain.matching.candidates import candidate
from otagai.domain.people.models import User
from otagai.domain.requests.models import (
    EXPIRED,
    OFFER_ACCEPTED,
    OFFER_DECLINED,
    OFFER_PENDING,
    OFFER_WITHDRAWN,
    Offer,
    ShareRequest,
)
from otagai.domain.requests.queries import lock_request
from otagai.domain.requests.status import effective_status, is_effectively_open
from otagai.domain.sharing.visibility import viewer_of
from otagai.errors import Conflict, Forbidden, NotFound, require
from otagai.extensions.db import insert_unique, session

OFFER_STATUSES = (OFFER_PENDING, OFFER_ACCEPTED, OFFER_DECLINED, OFFER_WITHDRAWN)
LIVE = (OFFER_PENDING, OFFER_ACCEPTED)

# How the caller relates to an offer.
HOUSEHOLD, SUPPORTER = "household", "supporter"


def is_household(user: User, request: ShareRequest) -> bool:
    return user.id == request.requester_id or user.household_id == request.household_id


def effective_offer_status(offer: Offer, request: ShareRequest, now: datetime | None = None) -> str:
    """An offer still pending on a request past its start reads as ``declined``: what
    ``flask expire-requests`` writes down when it expires the request."""
    if offer.status == OFFER_PENDING and effective_status(request, now) == EXPIRED:
        return OFFER_DECLINED
    return offer.status


# --- making an offer ---------------------------------------------------------------------


def _live_offer(request_id: uuid.UUID, supporter_id: uuid.UUID) -> Offer | None:
    return session.scalars(
        select(Offer).where(
            Offer.request_id == request_id,
            Offer.supporter_id == supporter_id,
            Offer.status.in_(LIVE),
        )
    ).first()


def make_offer(
    actor: Actor, request_id: uuid.UUID, *, note: str | None = None, now: datetime | None = None
) -> Offer:
    """Offer to take a request. Only a candidate may: 403 ``not_a_candidate`` for who may
    see the request all the same (the requester's household, its supporter), 404 for
    anybody else; one live offer per person and request."""
    user = require_user(actor)
    at = clock.now(now)
    request = lock_request(request_id, shared=True)
    if request is None:
        raise NotFound("share_request_not_found")
    if _live_offer(request.id, user.id) is not None:
        raise Conflict("already_offered")
    if candidate(request, user.id) is None:
        # Who may not even see the request (not in its audience, blocked, busy then) must
        # not learn it exists: 404 as for reading it. Its household, or its supporter,
        # sees it and is simply no candidate: 403.
        if viewer_of(user, request, at) is None:
            raise NotFound("share_request_not_found")
        raise Forbidden("not_a_candidate")
    if not is_effectively_open(request, at):
        raise Conflict("share_request_not_open")
    offer = Offer(
        id=uuid.uuid4(),
        request_id=request.id,
        supporter_id=user.id,
        municipality_code=municipality_of_user(user.id),
        note=note,
        status=OFFER_PENDING,
    )
    # Two offers of one person racing each other: the partial unique index
    # (uq_offers_live) lets one in; the other is the same 409 as the check above.
    insert_unique(offer, "already_offered")
    outbox.enqueue(
        outbox.OFFER_CREATED,
        {"offer_id": offer.id, "request_id": request.id},
        [request.requester_id],
    )
    session.refresh(offer)
    return offer


# --- reading offers ----------------------------------------------------------------------


def request_offers(
    actor: Actor, request_id: uuid.UUID, *, status: str | None = None
) -> tuple[ShareRequest, Select[Any]]:
    """The offers on a request of my household (oldest first, for the caller to page).
    Somebody who may see the request but is not of the household gets 403; anybody else
    404."""
    user = require_user(actor)
    request = session.get(ShareRequest, request_id)
    if request is None or viewer_of(user, request) is None:
        raise NotFound("share_request_not_found")
    require(is_household(user, request), "requester_only")
    stmt = select(Offer).where(Offer.request_id == request.id)
    if status is not None:
        # By effective status: on an expired request, pending offers read as declined.
        expired = effective_status(request) == EXPIRED
        if status == OFFER_PENDING and expired:
            stmt = stmt.where(false())
        elif status == OFFER_DECLINED and expired:
            stmt = stmt.where(Offer.status.in_((OFFER_DECLINED, OFFER_PENDING)))
        else:
            stmt = stmt.where(Offer.status == status)
    return request, stmt


# --- deciding on an offer ----------------------------------------------------------------


def visible_offer(user: User, offer_id: uuid.UUID) -> tuple[Offer, ShareRequest, str]:
    """The offer, its request and how I relate to it (``household`` or ``supporter``);
    404 ``offer_not_found`` for everybody else."""
    offer = session.get(Offer, offer_id)
    request = session.get(ShareRequest, offer.request_id) if offer is not None else None
    if offer is None or request is None:
        raise NotFound("offer_not_found")
    if is_household(user, request):
        return offer, request, HOUSEHOLD
    if offer.supporter_id == user.id:
        return offer, request, SUPPORTER
    raise NotFound("offer_not_found")


def lock_offer(offer: Offer) -> tuple[Offer, ShareRequest]:
    """Lock the offer's request (see the module docstring) and read both afresh."""
    request = lock_request(offer.request_id)
    assert request is not None  # offers reference their request
    fresh = session.get(Offer, offer.id, populate_existing=True)
    assert fresh is not None  # offers are never deleted
    return fresh, request


def _require_pending(offer: Offer, request: ShareRequest, now: datetime) -> None:
    if effective_offer_status(offer, request, now) != OFFER_PENDING:
        raise Conflict("offer_not_pending")


def withdraw_offer(actor: Actor, offer_id: uuid.UUID, now: datetime | None = None) -> Offer:
    """The offering supporter takes back a pending offer."""
    user = require_user(actor)
    at = clock.now(now)
    offer, request, role = visible_offer(user, offer_id)
    require(role == SUPPORTER, "offer_supporter_only")
    offer, request = lock_offer(offer)
    _require_pending(offer, request, at)
    offer.status = OFFER_WITHDRAWN
    offer.decided_at = at
    session.flush()
    return offer


def decline_offer(actor: Actor, offer_id: uuid.UUID, now: datetime | None = None) -> Offer:
    """The requester turns down a pending offer."""
    user = require_user(actor)
    at = clock.now(now)
    offer, request, _ = visible_offer(user, offer_id)
    require(user.id == request.requester_id, "requester_only")
    offer, request = lock_offer(offer)
    _require_pending(offer, request, at)
    offer.status = OFFER_DECLINED
    offer.decided_at = at
    outbox.enqueue(
        outbox.OFFER_DECLINED,
        {"offer_id": offer.id, "request_id": request.id},
        [offer.supporter_id],
    )
    session.flush()
    return offer
