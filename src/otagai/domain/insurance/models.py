"""保険: the platform's insurance policies, versioned. Editing a policy adds a version; a
match keeps the tag (policy id and version) it was confirmed with."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, UUIDPrimaryKey

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


CLAIM_OPEN, CLAIM_SUBMITTED, CLAIM_CLOSED, CLAIM_REJECTED = (
    "open",
    "submitted",
    "closed",
    "rejected",
)
CLAIM_STATUSES = (CLAIM_OPEN, CLAIM_SUBMITTED, CLAIM_CLOSED, CLAIM_REJECTED)


class InsuranceClaim(UUIDPrimaryKey, Base):
    """An insurance claim, opened when a match's activity report says an incident happened
    (one per match), tied to the coverage tag the match was confirmed with: the policy
    version in force then and the children it covered. Operators take it from there
    (``claims.py``); every change is audited."""

    __tablename__ = "insurance_claims"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'submitted', 'closed', 'rejected')", name="status"),
        ForeignKeyConstraint(
            ["policy_id", "policy_version"],
            ["insurance_policies.id", "insurance_policies.version"],
        ),
        # Operators page through claims newest first, all or of one status.
        Index("ix_insurance_claims_opened", "opened_at", "id"),
        Index("ix_insurance_claims_status_opened", "status", "opened_at", "id"),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matches.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=CLAIM_OPEN, server_default=CLAIM_OPEN)
    opened_at: Mapped[datetime]
    # From the match's tag, never recomputed: null when no policy applied.
    policy_id: Mapped[uuid.UUID | None]
    policy_version: Mapped[int | None] = mapped_column(Integer)
    covered: Mapped[bool]
    covered_child_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    # The supporter's words, kept current while the claim is open and the report a draft.
    incident_text: Mapped[str] = mapped_column(Text)
    insurer_reference: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None]
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
