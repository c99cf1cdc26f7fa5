"""A series of share requests (docs/share-series.md): the template of a request, the rule
it repeats by, its occurrences (one row per date the rule gives, made when the series is
posted) and the offers supporters make on the whole series."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey

ACTIVE, ENDED = "active", "ended"
# An occurrence: ``scheduled`` (its request is made, or will be, by the worker), ``skipped``
# by the requester, ``holiday`` (a Japanese public holiday the series does not include),
# ``cancelled`` (the series ended before it), ``failed`` (its request could not be made:
# ``failure`` says why, e.g. the requester left the community).
SCHEDULED, SKIPPED, HOLIDAY, CANCELLED, FAILED = (
    "scheduled", "skipped", "holiday", "cancelled", "failed"
)  # fmt: skip
OCCURRENCE_STATUSES = (SCHEDULED, SKIPPED, HOLIDAY, CANCELLED, FAILED)
OFFER_PENDING, OFFER_ACCEPTED, OFFER_DECLINED, OFFER_WITHDRAWN, OFFER_LEFT = (
    "pending", "accepted", "declined", "withdrawn", "left"
)  # fmt: skip


class ShareSeries(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "share_series"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'ended')", name="status"),
        CheckConstraint("kind IN ('pickup', 'babysitting', 'lending')", name="kind"),
        CheckConstraint("ends_at > starts_at", name="span"),
        Index("ix_share_series_household", "household_id", "created_at"),
        Index("ix_share_series_supporter", "supporter_id"),
    )

    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"))
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communities.id"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    details: Mapped[str | None] = mapped_column(Text)
    # The first occurrence's span; every occurrence keeps its Tokyo wall-clock times.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    rrule: Mapped[str] = mapped_column(String(500))
    include_holidays: Mapped[bool]
    location: Mapped[Any] = mapped_column(Geography("POINT", srid=4326, spatial_index=False))
    dropoff: Mapped[Any | None] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False), nullable=True
    )
    child_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    item: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    audience: Mapped[str] = mapped_column(String(16))
    radius_m: Mapped[int | None] = mapped_column(Integer)
    intended_thank_you_jpy: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE, server_default=ACTIVE)
    # The supporter who took the whole series (their accepted series offer), while they do.
    supporter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None]


class SeriesOccurrence(UUIDPrimaryKey, Base):
    __tablename__ = "share_series_occurrences"
    __table_args__ = (
        CheckConstraint(
            "status IN ('scheduled', 'skipped', 'holiday', 'cancelled', 'failed')", name="status"
        ),
        CheckConstraint("ends_at > starts_at", name="span"),
        # The date the rule gave (kept when the occurrence is moved): the worker's
        # idempotency key, and the address in PATCH .../occurrences/{date}.
        UniqueConstraint("series_id", "on_date", name="uq_share_series_occurrences_date"),
        # The worker's window: scheduled occurrences still without a request.
        Index(
            "ix_share_series_occurrences_due",
            "starts_at",
            postgresql_where="status = 'scheduled' AND request_id IS NULL",
        ),
    )

    series_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_series.id"))
    on_date: Mapped[date]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    moved: Mapped[bool] = mapped_column(default=False, server_default="false")
    status: Mapped[str] = mapped_column(String(16), default=SCHEDULED, server_default=SCHEDULED)
    failure: Mapped[str | None] = mapped_column(String(64))
    # The share request made for it; replaced when it is moved or its supporter leaves
    # (a request has one match for ever, so a reopened date gets a fresh request).
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("share_requests.id"), unique=True
    )


class SeriesOffer(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "share_series_offers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'withdrawn', 'left')", name="status"
        ),
        Index(
            "uq_share_series_offers_live",
            "series_id",
            "supporter_id",
            unique=True,
            postgresql_where="status IN ('pending', 'accepted')",
        ),
    )

    series_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_series.id"), index=True)
    supporter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(16), default=OFFER_PENDING, server_default=OFFER_PENDING
    )
    decided_at: Mapped[datetime | None]
