"""A supporter takes a whole series: they offer on it, the requester accepts, and every
occurrence already made into a request is matched to them, each through the one accept
of every request (``occurrences.match_to_supporter``); later ones as the worker makes
them. The supporter may leave: their future matches are cancelled with their reason and
those dates get fresh, open requests.

Locks: the series row first (an accept, an end and a leave of one series wait for each
other), then, per occurrence, what accepting or cancelling a request locks.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from otagai.domain import clock, outbox
from otagai.domain.actors import Actor, require_user
from otagai.domain.matches.lifecycle import cancel_match
from otagai.domain.matches.models import CONFIRMED, Match
from otagai.domain.matching.candidates import candidate
from otagai.domain.requests.models import ShareRequest
from otagai.domain.requests.queries import lock_request
from otagai.domain.requests.status import is_effectively_open
from otagai.domain.series.models import (
    ACTIVE,
    OFFER_ACCEPTED,
    OFFER_DECLINED,
    OFFER_LEFT,
    OFFER_PENDING,
    OFFER_WITHDRAWN,
    SCHEDULED,
    SeriesOccurrence,
    SeriesOffer,
    ShareSeries,
)
from otagai.domain.series.occurrences import match_to_supporter, materialize
from otagai.domain.series.services import HOUSEHOLD, get_share_series, role_of
from otagai.domain.sharing.visibility import viewer_of
from otagai.errors import Conflict, Forbidden, NotFound, require
from otagai.extensions.db import insert_unique, session


def _open_requests(series: ShareSeries, at: datetime) -> list[ShareRequest]:
    """The series' requests still open, soonest first."""
    rows = session.scalars(
        select(ShareRequest)
        .join(SeriesOccurrence, SeriesOccurrence.request_id == ShareRequest.id)
        .where(SeriesOccurrence.series_id == series.id, SeriesOccurrence.status == SCHEDULED)
        .order_by(ShareRequest.starts_at)
    )
    return [r for r in rows if is_effectively_open(r, at)]


def make_series_offer(
    actor: Actor, series_id: uuid.UUID, *, note: str | None = None, now: datetime | None = None
) -> SeriesOffer:
    """Offer to take the whole series. Only a candidate of its next open request may: who
    may not see that request gets 404, as for the request itself."""
    user = require_user(actor)
    at = clock.now(now)
    series = session.get(ShareSeries, series_id)
    if series is None:
        raise NotFound("share_series_not_found")
    requests = _open_requests(series, at)
    visible = role_of(user, series) is not None or any(
        viewer_of(user, r, at) is not None for r in requests
    )
    if not visible:
        raise NotFound("share_series_not_found")
    if series.status != ACTIVE or series.supporter_id is not None or not requests:
        raise Conflict("share_series_not_open")
    if candidate(requests[0], user.id) is None:
        raise Forbidden("not_a_candidate")
    offer = SeriesOffer(id=uuid.uuid4(), series_id=series.id, supporter_id=user.id, note=note)
    insert_unique(offer, "already_offered")
    outbox.enqueue(
        outbox.OFFER_CREATED,
        {"series_offer_id": offer.id, "series_id": series.id, "request_id": requests[0].id},
        [series.requester_id],
    )
    session.refresh(offer)
    return offer


def accept_series_offer(
    actor: Actor, series_id: uuid.UUID, offer_id: uuid.UUID, now: datetime | None = None
) -> tuple[ShareSeries, list[Match]]:
    """The requester accepts a pending offer on the series: its supporter takes it, and
    each open occurrence is matched to them on its own (dates they cannot take stay
    open). The other pending offers on the series are declined."""
    user = require_user(actor)
    at = clock.now(now)
    series, role = get_share_series(actor, series_id, lock=True)
    require(role == HOUSEHOLD and user.id == series.requester_id, "series_requester_only")
    offer = session.get(SeriesOffer, offer_id, with_for_update=True, populate_existing=True)
    if offer is None or offer.series_id != series.id:
        raise NotFound("series_offer_not_found")
    if series.status != ACTIVE or series.supporter_id is not None:
        raise Conflict("share_series_not_open")
    if offer.status != OFFER_PENDING:
        raise Conflict("offer_not_pending")
    offer.status = OFFER_ACCEPTED
    offer.decided_at = at
    for other in session.scalars(
        select(SeriesOffer).where(
            SeriesOffer.series_id == series.id,
            SeriesOffer.status == OFFER_PENDING,
            SeriesOffer.id != offer.id,
        )
    ):
        other.status = OFFER_DECLINED
        other.decided_at = at
    series.supporter_id = offer.supporter_id
    session.flush()
    matches = []
    for request in _open_requests(series, at):
        match = match_to_supporter(series, request, at)
        if match is not None:
            matches.append(match)
    # One push for the whole series, not one per date.
    outbox.enqueue(
        outbox.OFFER_ACCEPTED,
        {"series_offer_id": offer.id, "series_id": series.id},
        [offer.supporter_id],
    )
    return series, matches


def withdraw_series_offer(
    actor: Actor, series_id: uuid.UUID, offer_id: uuid.UUID, now: datetime | None = None
) -> SeriesOffer:
    """The supporter takes back their pending offer on the series."""
    user = require_user(actor)
    _, offer = _pending_offer(actor, series_id, offer_id)
    require(offer.supporter_id == user.id, "series_offerer_only")
    return _decide(offer, OFFER_WITHDRAWN, now)


def decline_series_offer(
    actor: Actor, series_id: uuid.UUID, offer_id: uuid.UUID, now: datetime | None = None
) -> SeriesOffer:
    """The requester says no to a pending offer on the series; its supporter is told."""
    user = require_user(actor)
    series, offer = _pending_offer(actor, series_id, offer_id)
    require(user.id == series.requester_id, "series_requester_only")
    decided = _decide(offer, OFFER_DECLINED, now)
    outbox.enqueue(outbox.OFFER_DECLINED, {"series_id": series.id}, [offer.supporter_id])
    return decided


def _pending_offer(
    actor: Actor, series_id: uuid.UUID, offer_id: uuid.UUID
) -> tuple[ShareSeries, SeriesOffer]:
    """The series (locked, as its accept locks it) and its offer, which must be pending."""
    series, _ = get_share_series(actor, series_id, lock=True)
    offer = session.get(SeriesOffer, offer_id, with_for_update=True, populate_existing=True)
    if offer is None or offer.series_id != series.id:
        raise NotFound("series_offer_not_found")
    if offer.status != OFFER_PENDING:
        raise Conflict("offer_not_pending")
    return series, offer


def _decide(offer: SeriesOffer, status: str, now: datetime | None) -> SeriesOffer:
    offer.status = status
    offer.decided_at = clock.now(now)
    session.flush()
    return offer


def leave_series(
    actor: Actor, series_id: uuid.UUID, *, reason: str, now: datetime | None = None
) -> ShareSeries:
    """The series' supporter leaves it: each of their matches on a date not yet started is
    cancelled with ``reason`` (the requester is told), and the date gets a fresh open
    request; the series is open to offers again."""
    user = require_user(actor)
    at = clock.now(now)
    series, _ = get_share_series(actor, series_id, lock=True)
    if series.supporter_id != user.id:
        raise Forbidden("series_supporter_only")
    series.supporter_id = None
    for offer in session.scalars(
        select(SeriesOffer).where(
            SeriesOffer.series_id == series.id,
            SeriesOffer.supporter_id == user.id,
            SeriesOffer.status == OFFER_ACCEPTED,
        )
    ):
        offer.status = OFFER_LEFT
        offer.decided_at = at
    session.flush()
    occurrences = session.scalars(
        select(SeriesOccurrence)
        .where(
            SeriesOccurrence.series_id == series.id,
            SeriesOccurrence.status == SCHEDULED,
            SeriesOccurrence.starts_at > at,
            SeriesOccurrence.request_id.is_not(None),
        )
        .order_by(SeriesOccurrence.starts_at)
        .with_for_update()
    ).all()
    for occurrence in occurrences:
        assert occurrence.request_id is not None
        lock_request(occurrence.request_id)
        match = session.scalars(
            select(Match).where(Match.request_id == occurrence.request_id)
        ).one_or_none()
        if match is None or match.status != CONFIRMED or match.supporter_id != user.id:
            continue
        cancel_match(actor, match.id, reason=reason, now=at)
        occurrence.request_id = None
        session.flush()
        materialize(series, occurrence, at)
    return series
