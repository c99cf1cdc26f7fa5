"""お願い: share requests and the offers supporters make on them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import (
    CheckConstraint,
    Computed,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey

PICKUP, BABYSITTING, LENDING = "pickup", "babysitting", "lending"
KINDS = (PICKUP, BABYSITTING, LENDING)
AUDIENCE_CONNECTIONS, AUDIENCE_COMMUNITY = "connections", "community"
# Widening (docs/escalation-ladder.md): the audience climbs rungs while no offer comes.
AUDIENCE_WIDENING = "widening"
AUDIENCES = (AUDIENCE_CONNECTIONS, AUDIENCE_COMMUNITY, AUDIENCE_WIDENING)
RUNGS = ("acquaintances", "certified", "friends_of_friends", "neighbouring", "coordinators")

OPEN, MATCHED, COMPLETED, CANCELLED, EXPIRED = (
    "open", "matched", "completed", "cancelled", "expired"
)  # fmt: skip
OFFER_PENDING, OFFER_ACCEPTED, OFFER_DECLINED, OFFER_WITHDRAWN = (
    "pending", "accepted", "declined", "withdrawn"
)  # fmt: skip


class ShareRequest(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "share_requests"
    __table_args__ = (
        CheckConstraint("kind IN ('pickup', 'babysitting', 'lending')", name="kind"),
        CheckConstraint("audience IN ('connections', 'community', 'widening')", name="audience"),
        # The current rung of a widening request (its history: share_request_rungs).
        CheckConstraint(
            "(audience = 'widening') = (rung IS NOT NULL) "
            "AND (rung IS NULL OR rung BETWEEN 0 AND 4)",
            name="rung",
        ),
        CheckConstraint(
            "status IN ('open', 'matched', 'completed', 'cancelled', 'expired')", name="status"
        ),
        CheckConstraint("ends_at > starts_at", name="span"),
        CheckConstraint("radius_m BETWEEN 1 AND 20000", name="radius"),
        # The feed looks for the open requests whose reach covers a supporter's public
        # home: spatial, restricted to open.
        Index(
            "ix_share_requests_open_reach",
            "reach",
            postgresql_using="gist",
            postgresql_where="status = 'open'",
        ),
        Index("ix_share_requests_requester", "requester_id", "created_at", "id"),
        # The ladder's statistics read a town's widening requests by month of posting.
        Index(
            "ix_share_requests_widening_town",
            "municipality_code",
            "created_at",
            postgresql_where="audience = 'widening'",
        ),
        # The widening job reads the open widening requests only.
        Index(
            "ix_share_requests_widening_open",
            "starts_at",
            postgresql_where="status = 'open' AND audience = 'widening'",
        ),
        # The feed finds the widening requests on the neighbouring rung within the widest
        # radius of a supporter's public home (matching/feed.py).
        Index(
            "ix_share_requests_wide_reach",
            "public_location",
            postgresql_using="gist",
            postgresql_where="status = 'open' AND audience = 'widening' AND rung >= 3",
        ),
    )

    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    # The requester household's municipality when the request was posted: statistics
    # keep a request in that town even if the family moves later.
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    # The share series this request is a date of (series/occurrences.py sets it).
    series_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("share_series.id"))
    # When it found its supporter; kept if that match is later cancelled (statistics).
    matched_at: Mapped[datetime | None]
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    details: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # Where the help happens (pickup: where the child is picked up). Shown exactly only to
    # the requester's household and, after the match, the supporter.
    location: Mapped[Any] = mapped_column(Geography("POINT", srid=4326, spatial_index=False))
    # Its household place's public point (people/places.py), set by a database trigger
    # whenever ``location`` is written: what candidacy and the distances candidates see
    # measure. Never shown as a point.
    public_location: Mapped[Any] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False),
        server_default=FetchedValue(),
        server_onupdate=FetchedValue(),
    )
    dropoff: Mapped[Any | None] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False), nullable=True
    )
    item_category: Mapped[str | None] = mapped_column(String(32))
    item_description: Mapped[str | None] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(16))
    # Widening only: the index in RUNGS of the rung reached (null for the other audiences).
    rung: Mapped[int | None] = mapped_column(SmallInteger)
    radius_m: Mapped[int] = mapped_column(Integer)
    intended_thank_you_jpy: Mapped[int | None] = mapped_column(Integer)
    # The disc within which its candidates' public homes lie, as a polygon a little larger
    # than the circle (a 33-point buffer falls up to 0.5 % of the radius inside it): the
    # feed finds the requests whose reach covers a home through the index, then checks the
    # exact distance.
    reach: Mapped[Any] = mapped_column(
        Geography("POLYGON", srid=4326, spatial_index=False),
        Computed("ST_Buffer(public_location, radius_m * 1.01 + 10)", persisted=True),
        deferred=True,  # only ever used in SQL
    )
    status: Mapped[str] = mapped_column(String(16), default=OPEN, server_default=OPEN)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class ShareRequestRung(Base):
    """Each rung a widening request reached, once (the primary key makes the job's step
    exactly-once): when, for the requester's view and for statistics (which rung was
    reached when the first offer came)."""

    __tablename__ = "share_request_rungs"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_requests.id"), primary_key=True)
    rung: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    reached_at: Mapped[datetime]


class ShareRequestChild(Base):
    __tablename__ = "share_request_children"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_requests.id"), primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"), primary_key=True)


class Offer(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'withdrawn')", name="status"
        ),
        # One live offer per supporter and request.
        Index(
            "uq_offers_live",
            "request_id",
            "supporter_id",
            unique=True,
            postgresql_where="status IN ('pending', 'accepted')",
        ),
        Index("ix_offers_supporter", "supporter_id"),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_requests.id"), index=True)
    supporter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # The supporter household's town when they offered (municipal statistics).
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(16), default=OFFER_PENDING, server_default=OFFER_PENDING
    )
    decided_at: Mapped[datetime | None]
