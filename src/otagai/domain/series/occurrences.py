"""A series' occurrences becoming share requests, and the requester changing them.

The worker's job (``materialize_due``, on every tick; also right after a series is
posted or an occurrence moved) makes each scheduled occurrence that starts within the
horizon into an ordinary share request, through ``create_share_request`` with the
requester as the actor (so every rule of a request holds on every date). Idempotent:
the occurrence row is locked (``SKIP LOCKED``: two workers take different rows) and only
one without a request is taken; ``(series_id, on_date)`` is unique. A date whose request
cannot be made (the requester left the community, a child was removed) is ``failed``,
with the refusal's code. When the series has a supporter, the new request is matched to
them at once, through the same accept as any request (``accept_offer``: its own
insurance tag, on its own date); if they cannot take that date (busy, no longer
certified) the request stays open for others.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from otagai.domain import clock
from otagai.domain.actors import Actor, require_user
from otagai.domain.communities.attribution import municipality_of_user
from otagai.domain.matches.models import Match
from otagai.domain.people.models import User
from otagai.domain.requests.models import MATCHED, OFFER_PENDING, OPEN, Offer, ShareRequest
from otagai.domain.requests.services import create_share_request
from otagai.domain.requests.status import effective_status
from otagai.domain.requests.validation import time_errors
from otagai.domain.series.models import (
    ACTIVE,
    CANCELLED,
    FAILED,
    HOLIDAY,
    SCHEDULED,
    SKIPPED,
    SeriesOccurrence,
    SeriesOffer,
    ShareSeries,
)
from otagai.domain.series.models import OFFER_DECLINED as SERIES_OFFER_DECLINED
from otagai.domain.series.models import OFFER_PENDING as SERIES_OFFER_PENDING
from otagai.domain.series.services import DEFAULT_HORIZON, HOUSEHOLD, get_share_series
from otagai.domain.sharing.acceptance import accept_offer
from otagai.domain.sharing.requests import cancel_share_request
from otagai.errors import Conflict, DomainError, NotFound, RuleViolation, require
from otagai.extensions.db import session
from otagai.extensions.geo import latlng_of

SKIP_REASON = "series_occurrence_skipped"
MOVE_REASON = "series_occurrence_moved"
END_REASON = "series_ended"


def _actor_of(user_id: uuid.UUID) -> Actor:
    user = session.get(User, user_id)
    assert user is not None
    # The job acts as the person whose request it makes (and accepts for).
    return Actor(uid=user.firebase_uid or str(user.id), user=user)


def materialize_due(
    now: datetime, horizon: timedelta = DEFAULT_HORIZON, *, series_id: uuid.UUID | None = None
) -> int:
    """Make the due occurrences (of one series, or all) into requests; how many were made.
    The caller commits."""
    stmt = (
        select(SeriesOccurrence)
        .join(ShareSeries, ShareSeries.id == SeriesOccurrence.series_id)
        .where(
            SeriesOccurrence.status == SCHEDULED,
            SeriesOccurrence.request_id.is_(None),
            SeriesOccurrence.starts_at > now,
            SeriesOccurrence.starts_at <= now + horizon,
            ShareSeries.status == ACTIVE,
        )
        .order_by(SeriesOccurrence.starts_at, SeriesOccurrence.id)
        .limit(500)
        .with_for_update(of=SeriesOccurrence, skip_locked=True)
    )
    if series_id is not None:
        stmt = stmt.where(SeriesOccurrence.series_id == series_id)
    made = 0
    for occurrence in session.scalars(stmt).all():
        series = session.get(ShareSeries, occurrence.series_id)
        assert series is not None
        made += materialize(series, occurrence, now)
    return made


def materialize(series: ShareSeries, occurrence: SeriesOccurrence, now: datetime) -> int:
    """One occurrence as a share request (1), or ``failed`` (0)."""
    requester = _actor_of(series.requester_id)
    location = latlng_of(series.location)
    assert location is not None
    try:
        with session.begin_nested():
            request = create_share_request(
                requester,
                kind=series.kind,
                community_id=series.community_id,
                title=series.title,
                details=series.details,
                starts_at=occurrence.starts_at,
                ends_at=occurrence.ends_at,
                location=location,
                dropoff=latlng_of(series.dropoff) if series.dropoff is not None else None,
                child_ids=[uuid.UUID(c) for c in series.child_ids],
                item=series.item,
                audience=series.audience,
                radius_m=series.radius_m,
                intended_thank_you_jpy=series.intended_thank_you_jpy,
                now=now,
            )
    except DomainError as refused:
        occurrence.status = FAILED
        occurrence.failure = refused.code
        session.flush()
        return 0
    occurrence.request_id = request.id
    request.series_id = series.id
    occurrence.failure = None
    session.flush()
    if series.supporter_id is not None:
        match_to_supporter(series, request, now)
    return 1


def match_to_supporter(series: ShareSeries, request: ShareRequest, now: datetime) -> Match | None:
    """The series' supporter offers on the request and the requester accepts, through the
    one accept of every request. None (and nothing written) when they cannot take it. The
    supporter is not told of each date: they took the whole series."""
    assert series.supporter_id is not None
    offer = Offer(
        id=uuid.uuid4(),
        request_id=request.id,
        supporter_id=series.supporter_id,
        municipality_code=municipality_of_user(series.supporter_id),
        status=OFFER_PENDING,
    )
    try:
        with session.begin_nested():
            session.add(offer)
            session.flush()
            return accept_offer(_actor_of(series.requester_id), offer.id, now, notify=False)
    except DomainError:
        return None


# --- the requester changes one date, or ends the series ----------------------------------


def _cancel_request(actor: Actor, occurrence: SeriesOccurrence, reason: str, at: datetime) -> None:
    """Cancel the occurrence's request (and its match) if it can still be; forget it."""
    if occurrence.request_id is None:
        return
    request = session.get(ShareRequest, occurrence.request_id)
    if request is not None and effective_status(request, at) in (OPEN, MATCHED):
        cancel_share_request(actor, request.id, reason=reason, now=at)
    occurrence.request_id = None


def _occurrence(series: ShareSeries, on_date: object) -> SeriesOccurrence:
    occurrence = session.scalars(
        select(SeriesOccurrence)
        .where(SeriesOccurrence.series_id == series.id, SeriesOccurrence.on_date == on_date)
        .with_for_update()
    ).one_or_none()
    if occurrence is None:
        raise NotFound("series_occurrence_not_found")
    return occurrence


def _requesters_active_series(actor: Actor, series_id: uuid.UUID) -> ShareSeries:
    """The series, locked, for the one who posted it while it runs (403, 409 otherwise)."""
    user = require_user(actor)
    series, role = get_share_series(actor, series_id, lock=True)
    require(role == HOUSEHOLD and user.id == series.requester_id, "series_requester_only")
    if series.status != ACTIVE:
        raise Conflict("share_series_ended")
    return series


def change_occurrence(
    actor: Actor,
    series_id: uuid.UUID,
    on_date: object,
    *,
    skip: bool | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
    now: datetime | None = None,
) -> ShareSeries:
    """Skip one date (``skip``: true; false puts it back), or move it (new ``starts_at``
    and ``ends_at``): its request, and a match on it, are cancelled, and a moved date
    gets a fresh request (matched to the series' supporter when there is one)."""
    at = clock.now(now)
    series = _requesters_active_series(actor, series_id)
    occurrence = _occurrence(series, on_date)
    if occurrence.starts_at <= at or occurrence.status in (CANCELLED, FAILED):
        raise Conflict("series_occurrence_not_changeable")
    moving = starts_at is not None or ends_at is not None
    if moving == (skip is not None):
        raise RuleViolation(
            "validation_failed", errors={"_schema": ["Give either skip or starts_at and ends_at."]}
        )
    if skip is not None:
        if skip:
            _cancel_request(actor, occurrence, SKIP_REASON, at)
            occurrence.status = SKIPPED
        elif occurrence.status in (SKIPPED, HOLIDAY):
            occurrence.status = SCHEDULED
    else:
        if starts_at is None or ends_at is None:
            raise RuleViolation(
                "validation_failed", errors={"ends_at": ["Give starts_at and ends_at."]}
            )
        errors = time_errors(series.kind, starts_at, ends_at, at)
        if errors:
            raise RuleViolation("validation_failed", errors=errors)
        _cancel_request(actor, occurrence, MOVE_REASON, at)
        occurrence.starts_at, occurrence.ends_at = starts_at, ends_at
        occurrence.moved = True
        occurrence.status = SCHEDULED
    session.flush()
    due = occurrence.status == SCHEDULED and occurrence.request_id is None
    if due and occurrence.starts_at <= at + horizon:
        materialize(series, occurrence, at)
    return series


def end_series(actor: Actor, series_id: uuid.UUID, now: datetime | None = None) -> ShareSeries:
    """The requester ends the series: every occurrence not yet started is cancelled, with
    its request and match; pending offers on the series are declined."""
    at = clock.now(now)
    series = _requesters_active_series(actor, series_id)
    for occurrence in session.scalars(
        select(SeriesOccurrence)
        .where(SeriesOccurrence.series_id == series.id, SeriesOccurrence.starts_at > at)
        .with_for_update()
    ):
        if occurrence.status in (SCHEDULED, SKIPPED, HOLIDAY):
            _cancel_request(actor, occurrence, END_REASON, at)
            occurrence.status = CANCELLED
    for offer in session.scalars(
        select(SeriesOffer).where(
            SeriesOffer.series_id == series.id, SeriesOffer.status == SERIES_OFFER_PENDING
        )
    ):
        offer.status = SERIES_OFFER_DECLINED
        offer.decided_at = at
    series.status = "ended"
    series.ended_at = at
    session.flush()
    return series
