"""The notifications the worker makes of outbox events (``domain/outbox.py``), and each
user's notification settings."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey

# Delivery states of a notification.
PENDING, SENT, FAILED, NO_DEVICE = "pending", "sent", "failed", "no_device"
NOTIFICATION_STATUSES = (PENDING, SENT, FAILED, NO_DEVICE)


class Notification(UUIDPrimaryKey, CreatedAt, Base):
    """One push to one user (to each of their devices). Its id is the stable message id
    the app uses to drop duplicates: delivery is at least once."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("outbox_event_id", "user_id"),
        CheckConstraint("status IN ('pending', 'sent', 'failed', 'no_device')", name="status"),
        # The worker's claim: due pending rows, soonest first.
        Index(
            "ix_notifications_due",
            "next_attempt_at",
            postgresql_where="status = 'pending'",
        ),
    )

    outbox_event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox_events.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    urgent: Mapped[bool]
    # Ids for the app's deep link (strings), e.g. {"request_id": "..."}.
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, server_default=PENDING)
    # Quiet hours hold a non-urgent one until then; retries push it later.
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # A worker's claim: until then no other worker takes it; after, a crashed worker's
    # claim has lapsed and the row is sent again.
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]


DEFAULT_QUIET_START = time(22, 0)
DEFAULT_QUIET_END = time(7, 0)


class NotificationSettings(Base):
    """A user's choices; a user without a row has the defaults (everything on, quiet
    hours 22:00–07:00 Asia/Tokyo)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    disabled_types: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), default=list, server_default="{}"
    )
    quiet_hours_enabled: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    quiet_start: Mapped[time] = mapped_column(default=DEFAULT_QUIET_START)
    quiet_end: Mapped[time] = mapped_column(default=DEFAULT_QUIET_END)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class NewRequestPushes(Base):
    """How many new-request pushes a user was sent on one Tokyo day (fair fan-out,
    ``notifications/fairness.py``); rows older than the fairness window are purged."""

    __tablename__ = "new_request_pushes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
