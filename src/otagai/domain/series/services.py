"""Posting a series and reading it. Services flush; the request commits.

Who sees a series: the requester's household, the supporter who took it, and a supporter
with a live offer on it; anybody else gets 404 (``share_series_not_found``). Only the
requester changes it; only its supporter leaves it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from otagai.domain import clock
from otagai.domain.actors import Actor, require_user
from otagai.domain.locks import locked
from otagai.domain.people.models import User
from otagai.domain.requests.models import AUDIENCE_COMMUNITY
from otagai.domain.requests.services import posting_errors
from otagai.domain.series import rules
from otagai.domain.series.models import (
    HOLIDAY,
    SCHEDULED,
    SeriesOccurrence,
    SeriesOffer,
    ShareSeries,
)
from otagai.domain.series.models import OFFER_ACCEPTED as SERIES_OFFER_ACCEPTED
from otagai.domain.series.models import OFFER_PENDING as SERIES_OFFER_PENDING
from otagai.errors import NotFound, RuleViolation
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng

DEFAULT_HORIZON = timedelta(days=21)

HOUSEHOLD, SUPPORTER = "household", "supporter"


def create_share_series(
    actor: Actor,
    *,
    rrule: str,
    kind: str,
    community_id: uuid.UUID,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: LatLng,
    include_holidays: bool = False,
    details: str | None = None,
    dropoff: LatLng | None = None,
    child_ids: list[uuid.UUID] | None = None,
    item: dict[str, Any] | None = None,
    audience: str = AUDIENCE_COMMUNITY,
    radius_m: int | None = None,
    intended_thank_you_jpy: int | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
    now: datetime | None = None,
) -> ShareSeries:
    """Post a series: the rules of a share request for its first occurrence, and a bounded
    rule (``rules.py``). Its dates become occurrences at once; those within ``horizon``
    become share requests at once too, the later ones by the worker."""
    from otagai.domain.series.occurrences import materialize_due

    user = require_user(actor)
    at = clock.now(now)
    children = list(child_ids or [])
    errors = posting_errors(
        user,
        kind,
        community_id=community_id,
        starts_at=starts_at,
        ends_at=ends_at,
        dropoff=dropoff,
        child_ids=children,
        item=item,
        now=at,
    )
    slots: list[rules.Slot] = []
    try:
        slots = rules.expand(rrule, starts_at, ends_at, at)
    except rules.RuleError as refused:
        errors["rrule"] = refused.messages
    if not errors and not any(include_holidays or not s.holiday for s in slots):
        errors["rrule"] = [rules.ONLY_HOLIDAYS]
    if errors:
        raise RuleViolation("validation_failed", errors=errors)
    series = ShareSeries(
        id=uuid.uuid4(),
        requester_id=user.id,
        household_id=user.household_id,
        community_id=community_id,
        kind=kind,
        title=title,
        details=details,
        starts_at=starts_at,
        ends_at=ends_at,
        rrule=rrule.strip(),
        include_holidays=include_holidays,
        location=location.to_element(),
        dropoff=dropoff.to_element() if dropoff is not None else None,
        child_ids=[str(c) for c in children],
        item=item,
        audience=audience,
        radius_m=radius_m,
        intended_thank_you_jpy=intended_thank_you_jpy,
    )
    session.add(series)
    session.flush()
    session.add_all(
        SeriesOccurrence(
            id=uuid.uuid4(),
            series_id=series.id,
            on_date=slot.on_date,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            status=HOLIDAY if slot.holiday and not include_holidays else SCHEDULED,
        )
        for slot in slots
    )
    session.flush()
    materialize_due(at, horizon, series_id=series.id)
    session.refresh(series)
    return series


def role_of(user: User, series: ShareSeries) -> str | None:
    """How the user relates to the series, or None when they may not see it."""
    if user.household_id == series.household_id:
        return HOUSEHOLD
    if series.supporter_id == user.id:
        return SUPPORTER
    live = session.scalar(
        select(SeriesOffer.id).where(
            SeriesOffer.series_id == series.id,
            SeriesOffer.supporter_id == user.id,
            SeriesOffer.status.in_((SERIES_OFFER_PENDING, SERIES_OFFER_ACCEPTED)),
        )
    )
    return SUPPORTER if live is not None else None


def get_share_series(
    actor: Actor, series_id: uuid.UUID, *, lock: bool = False
) -> tuple[ShareSeries, str]:
    """The series and how I relate to it; 404 when I may not see it."""
    user = require_user(actor)
    series = locked(ShareSeries, series_id) if lock else session.get(ShareSeries, series_id)
    role = role_of(user, series) if series is not None else None
    if series is None or role is None:
        raise NotFound("share_series_not_found")
    return series, role


def my_share_series_query(user: User) -> Select[ShareSeries]:
    """My household's series and those I support (page it newest first)."""
    return select(ShareSeries).where(
        (ShareSeries.household_id == user.household_id) | (ShareSeries.supporter_id == user.id)
    )


def occurrences_of(series_id: uuid.UUID) -> list[SeriesOccurrence]:
    return list(
        session.scalars(
            select(SeriesOccurrence)
            .where(SeriesOccurrence.series_id == series_id)
            .order_by(SeriesOccurrence.on_date)
        )
    )
