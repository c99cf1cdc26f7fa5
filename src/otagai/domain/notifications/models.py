"""The outbox: events written in the same transaction as the change they announce."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey


class OutboxEvent(UUIDPrimaryKey, CreatedAt, Base):
    """Something the people in ``recipients`` should be told about. ``payload`` holds ids
    only (no names, texts or places): the deliverer reads what it shows afresh, so a
    notification never outlives a deletion of the data it mentions."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        # The deliverer reads the unprocessed events oldest first.
        Index(
            "ix_outbox_events_unprocessed",
            "created_at",
            postgresql_where="processed_at IS NULL",
        ),
    )

    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    recipients: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    processed_at: Mapped[datetime | None]
