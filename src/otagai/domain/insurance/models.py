"""保険: the platform's insurance policies, versioned. Editing a policy adds a version; a
match keeps the tag (policy id and version) it was confirmed with."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base

DEFAULT_MIN_CHILD_AGE = 1
DEFAULT_MAX_CHILD_AGE = 18


class InsurancePolicy(Base):
    """One version of a policy: ``(id, version)``; ``id`` is stable across versions."""

    __tablename__ = "insurance_policies"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("valid_to > valid_from", name="validity"),
        CheckConstraint("cardinality(kinds) > 0", name="has_kinds"),
        CheckConstraint(
            "0 <= min_child_age AND min_child_age <= max_child_age AND max_child_age <= 18",
            name="child_ages",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    insurer: Mapped[str] = mapped_column(String(100))
    policy_number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    kinds: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    min_child_age: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_CHILD_AGE)
    max_child_age: Mapped[int] = mapped_column(Integer, default=DEFAULT_MAX_CHILD_AGE)
    # Per-incident limits in JPY, e.g. {"bodily_injury_jpy": 100000000}.
    limits: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
