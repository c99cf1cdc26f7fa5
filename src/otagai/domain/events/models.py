"""交流イベント: community gatherings, where neighbours meet and connections are made."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey


class Event(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_community_starts", "community_id", "starts_at"),)

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communities.id"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    # A public meeting place (community centre, park), not anybody's home.
    place: Mapped[Any] = mapped_column(Geography("POINT", srid=4326, spatial_index=True))
    place_name: Mapped[str | None] = mapped_column(String(100))
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class EventAttendance(Base):
    __tablename__ = "event_attendances"

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())
