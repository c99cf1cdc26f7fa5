"""One calendar-feed token per user, stored as its SHA-256 only."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt


class CalendarToken(CreatedAt, Base):
    __tablename__ = "calendar_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
