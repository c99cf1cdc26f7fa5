"""Share requests (お願い): post, list mine, expire. Services flush; the request (or the CLI
command) commits. Reading one at the allowed visibility and cancelling it depend on the
candidate rules: ``sharing/requests.py``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update

from otagai.domain import clock, outbox
from otagai.domain.actors import Actor, require_user
from otagai.domain.communities.attribution import municipality_of_user
from otagai.domain.communities.roles import get_community, role_in
from otagai.domain.people.models import Child, User
from otagai.domain.requests.models import (
    AUDIENCE_COMMUNITY,
    AUDIENCE_WIDENING,
    EXPIRED,
    OFFER_DECLINED,
    OFFER_PENDING,
    OPEN,
    Offer,
    ShareRequest,
    ShareRequestChild,
    ShareRequestRung,
)
from otagai.domain.requests.status import status_clause
from otagai.domain.requests.validation import (
    DEFAULT_RADIUS_M,
    UNKNOWN_CHILD,
    request_errors,
)
from otagai.errors import RuleViolation, require
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng


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


def posting_errors(
    user: User,
    kind: str,
    *,
    community_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    dropoff: LatLng | None,
    child_ids: list[uuid.UUID],
    item: dict[str, Any] | None,
    now: datetime,
) -> dict[str, list[str]]:
    """The rules of posting a request (or a series, for its first date): the community
    exists (404) and I am in it (403); then every field error together (``validation``),
    and children that are not my household's."""
    get_community(community_id)
    require(role_in(user, community_id) is not None, "not_a_community_member")
    errors = request_errors(
        kind,
        starts_at=starts_at,
        ends_at=ends_at,
        dropoff=dropoff,
        child_ids=child_ids,
        item=item,
        now=now,
    )
    if (
        child_ids
        and "child_ids" not in errors
        and _household_children(user, child_ids) != set(child_ids)
    ):
        errors["child_ids"] = [UNKNOWN_CHILD]
    return errors


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
    child_ids = list(child_ids or [])
    errors = posting_errors(
        user,
        kind,
        community_id=community_id,
        starts_at=starts_at,
        ends_at=ends_at,
        dropoff=dropoff,
        child_ids=child_ids,
        item=item,
        now=clock.now(now),
    )
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
        rung=0 if audience == AUDIENCE_WIDENING else None,
        radius_m=radius_m if radius_m is not None else DEFAULT_RADIUS_M[kind],
        intended_thank_you_jpy=intended_thank_you_jpy,
        status=OPEN,
    )
    session.add(request)
    session.flush()
    session.add_all(ShareRequestChild(request_id=request.id, child_id=c) for c in child_ids)
    if audience == AUDIENCE_WIDENING:  # its first rung, from now (requests/ladder.py)
        session.add(ShareRequestRung(request_id=request.id, rung=0, reached_at=clock.now(now)))
    # Its candidates are found by the notification worker, after the commit.
    outbox.enqueue(outbox.SHARE_REQUEST_CREATED, {"request_id": request.id}, [])
    session.flush()
    # Load server defaults (created_at) for the answer.
    session.refresh(request)
    return request


def my_share_requests(actor: Actor, *, status: str | None = None) -> Select[ShareRequest]:
    """Requests I posted, filtered by effective status."""
    user = require_user(actor)
    stmt = select(ShareRequest).where(ShareRequest.requester_id == user.id)
    if status is not None:
        stmt = stmt.where(status_clause(status))
    return stmt


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
