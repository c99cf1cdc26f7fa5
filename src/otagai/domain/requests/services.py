"""Share requests (お願い): post, read at the allowed visibility, list mine, cancel, expire.
Services flush; the request (or the CLI command) commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, tuple_, update

from otagai.domain import clock, outbox
from otagai.domain.actors import Actor, require_user
from otagai.domain.communities.attribution import municipality_of_user
from otagai.domain.communities.roles import get_community, role_in
from otagai.domain.matches.models import CANCELLED as MATCH_CANCELLED
from otagai.domain.matches.models import CONFIRMED, Match
from otagai.domain.people.models import Child, User
from otagai.domain.requests.models import (
    AUDIENCE_COMMUNITY,
    CANCELLED,
    EXPIRED,
    MATCHED,
    OFFER_DECLINED,
    OFFER_PENDING,
    OPEN,
    Offer,
    ShareRequest,
    ShareRequestChild,
)
from otagai.domain.requests.status import effective_status, status_clause
from otagai.domain.requests.validation import (
    DEFAULT_RADIUS_M,
    UNKNOWN_CHILD,
    request_errors,
)
from otagai.domain.requests.visibility import Viewer, viewer_of
from otagai.errors import Conflict, NotFound, RuleViolation, require
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng
from otagai.extensions.keyset import decode_cursor, encode_cursor, invalid_cursor

CANCELLABLE = (OPEN, MATCHED)


def _household_children(user: User, child_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``child_ids`` are live children of the user's household."""
    if not child_ids:
        return set()
    return set(
        session.scalars(
            select(Child.id).where(
                Child.id.in_(child_ids),
                Child.household_id == user.household_id,
                Child.deleted_at.is_(None),
            )
        )
    )


def create_share_request(
    actor: Actor,
    *,
    kind: str,
    community_id: uuid.UUID,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: LatLng,
    details: str | None = None,
    dropoff: LatLng | None = None,
    child_ids: list[uuid.UUID] | None = None,
    item: dict[str, Any] | None = None,
    audience: str = AUDIENCE_COMMUNITY,
    radius_m: int | None = None,
    intended_thank_you_jpy: int | None = None,
    now: datetime | None = None,
) -> ShareRequest:
    """Post a request in a community I belong to. Nothing is written unless every rule
    holds; field errors come back together."""
    user = require_user(actor)
    get_community(community_id)
    require(role_in(user, community_id) is not None, "not_a_community_member")
    child_ids = list(child_ids or [])
    errors = request_errors(
        kind,
        starts_at=starts_at,
        ends_at=ends_at,
        dropoff=dropoff,
        child_ids=child_ids,
        item=item,
        now=clock.now(now),
    )
    if (
        child_ids
        and "child_ids" not in errors
        and _household_children(user, child_ids) != set(child_ids)
    ):
        errors["child_ids"] = [UNKNOWN_CHILD]
    if errors:
        raise RuleViolation("validation_failed", errors=errors)
    request = ShareRequest(
        id=uuid.uuid4(),
        requester_id=user.id,
        household_id=user.household_id,
        municipality_code=municipality_of_user(user.id),
        community_id=community_id,
        kind=kind,
        title=title,
        details=details,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location.to_element(),
        dropoff=dropoff.to_element() if dropoff is not None else None,
        item_category=item["category"] if item else None,
        item_description=item["description"] if item else None,
        audience=audience,
        radius_m=radius_m if radius_m is not None else DEFAULT_RADIUS_M[kind],
        intended_thank_you_jpy=intended_thank_you_jpy,
        status=OPEN,
    )
    session.add(request)
    session.flush()
    session.add_all(ShareRequestChild(request_id=request.id, child_id=c) for c in child_ids)
    # Its candidates are found by the notification worker, after the commit.
    outbox.enqueue(outbox.SHARE_REQUEST_CREATED, {"request_id": request.id}, [])
    session.flush()
    # Load server defaults (created_at) for the answer.
    session.refresh(request)
    return request


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


def my_share_requests(actor: Actor, *, status: str | None = None) -> Select[ShareRequest]:
    """Requests I posted, filtered by effective status."""
    user = require_user(actor)
    stmt = select(ShareRequest).where(ShareRequest.requester_id == user.id)
    if status is not None:
        stmt = stmt.where(status_clause(status))
    return stmt


def newest_first(
    stmt: Select[ShareRequest], *, limit: int, cursor: str | None
) -> tuple[list[ShareRequest], str | None]:
    """Keyset page over (created_at, id), newest first."""
    key = tuple_(ShareRequest.created_at, ShareRequest.id)
    if cursor:
        created, ident = decode_cursor(cursor, 2)
        try:
            after = (datetime.fromisoformat(created), uuid.UUID(ident))
        except (ValueError, TypeError, AttributeError) as exc:
            raise invalid_cursor() from exc
        stmt = stmt.where(key < tuple_(*after))
    rows = list(
        session.scalars(
            stmt.order_by(ShareRequest.created_at.desc(), ShareRequest.id.desc()).limit(limit + 1)
        )
    )
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].created_at, rows[-1].id])


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


@dataclass(frozen=True)
class Expiry:
    requests: int
    offers_declined: int


def expire_requests(now: datetime | None = None) -> Expiry:
    """Write down what readers already see: open requests whose start has passed are
    expired, and their pending offers declined. One statement."""
    at = clock.now(now)
    expired = (
        update(ShareRequest)
        .where(ShareRequest.status == OPEN, ShareRequest.starts_at <= at)
        .values(status=EXPIRED, updated_at=func.now())
        .returning(ShareRequest.id)
        .cte("expired")
    )
    declined = (
        update(Offer)
        .where(Offer.request_id.in_(select(expired.c.id)), Offer.status == OFFER_PENDING)
        .values(status=OFFER_DECLINED, decided_at=at)
        .returning(Offer.id)
        .cte("declined")
    )
    row = session.execute(
        select(
            select(func.count()).select_from(expired).scalar_subquery(),
            select(func.count()).select_from(declined).scalar_subquery(),
        )
    ).one()
    return Expiry(requests=row[0], offers_declined=row[1])
