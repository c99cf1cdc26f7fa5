"""The audit log: every coordinator and operator action, append-only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, UUIDPrimaryKey


class AuditEntry(UUIDPrimaryKey, Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_created_at_id", "created_at", "id"),
        Index("ix_audit_log_community_id", "community_id"),
    )

    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Who: our user (if they have a profile) and the Firebase uid, kept even if the user
    # later deletes their account; in which capacity (operator | coordinator).
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    actor_uid: Mapped[str] = mapped_column(String(128))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))  # e.g. certification.revoke
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("communities.id"))
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
