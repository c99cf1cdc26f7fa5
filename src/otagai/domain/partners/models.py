"""API keys of partner municipalities. The key itself is shown once, when made; only its
SHA-256 is stored (the key is 256 random bits, so a slow hash would buy nothing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey


class ApiKey(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "api_keys"

    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    # The first characters of the key, to tell keys apart in lists (not a secret).
    prefix: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
