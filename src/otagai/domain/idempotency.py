"""Stored first answers of creating POSTs, replayed for retries with the same key."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey

MAX_KEY_LENGTH = 255


class IdempotencyRecord(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("owner_uid", "key"),)

    owner_uid: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(Text)
    # May hold personal data: purged with the account and after the TTL.
    body: Mapped[str | None] = mapped_column(Text)
