"""The activity report (援助活動報告書): one per match, drafted (and redrafted) by the
supporter, then confirmed — after which nothing of it changes — or disputed by the
requester's household."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, UUIDPrimaryKey

DRAFT, CONFIRMED, DISPUTED = "draft", "confirmed", "disputed"
STATUSES = (DRAFT, CONFIRMED, DISPUTED)
DECISIONS = (CONFIRMED, DISPUTED)
MAX_TEXT = 2000


class ActivityReport(UUIDPrimaryKey, Base):
    __tablename__ = "activity_reports"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'confirmed', 'disputed')", name="status"),
        CheckConstraint("ended_at > started_at", name="times"),
        CheckConstraint("NOT incident OR incident_text IS NOT NULL", name="incident_text"),
        CheckConstraint("(status = 'draft') = (decided_at IS NULL)", name="decision"),
        # The coordinators' CSV: a community's reports by the month their match started.
        Index("ix_activity_reports_community_start", "community_id", "match_starts_at"),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), unique=True
    )
    supporter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # What happened, as the supporter reports it.
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    activities: Mapped[str] = mapped_column(Text)
    incident: Mapped[bool]
    incident_text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT, server_default=DRAFT)
    # Server times (clock.now): the first draft, the latest one, the household's decision.
    created_at: Mapped[datetime]
    drafted_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    # Snapshots of the match, so the CSV and the statistics' counters need no join: its
    # community, its request's town and kind, and its scheduled start (whose Tokyo month
    # a report is counted in).
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communities.id"))
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    kind: Mapped[str] = mapped_column(String(16))
    match_starts_at: Mapped[datetime]
