"""Effective status: an open request whose start has passed is expired on every read path,
even before ``flask expire-requests`` writes it down."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from otagai.domain import clock
from otagai.domain.requests.models import EXPIRED, OPEN, ShareRequest


def effective_status(request: ShareRequest, now: datetime | None = None) -> str:
    """The status a reader sees: ``open`` past its start reads as ``expired``."""
    if request.status == OPEN and request.starts_at <= clock.now(now):
        return EXPIRED
    return request.status


def is_effectively_open(request: ShareRequest, now: datetime | None = None) -> bool:
    return effective_status(request, now) == OPEN


def effectively_open_clause(now: datetime | None = None) -> ColumnElement[bool]:
    """SQL: open and not yet started."""
    return and_(ShareRequest.status == OPEN, ShareRequest.starts_at > clock.now(now))


def effectively_expired_clause(now: datetime | None = None) -> ColumnElement[bool]:
    """SQL: written down as expired, or open past its start."""
    return or_(
        ShareRequest.status == EXPIRED,
        and_(ShareRequest.status == OPEN, ShareRequest.starts_at <= clock.now(now)),
    )


def status_clause(status: str, now: datetime | None = None) -> ColumnElement[bool]:
    """SQL filter on the effective status."""
    if status == OPEN:
        return effectively_open_clause(now)
    if status == EXPIRED:
        return effectively_expired_clause(now)
    return ShareRequest.status == status
