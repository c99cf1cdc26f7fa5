"""成立: the accepted offer. Exactly one per request."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey

CONFIRMED, COMPLETED, CANCELLED = "confirmed", "completed", "cancelled"


class Match(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "matches"
    __table_args__ = (
        CheckConstraint("status IN ('confirmed', 'completed', 'cancelled')", name="status"),
        # The overlap rule (a supporter is not in two places at once) reads these.
        Index("ix_matches_supporter_span", "supporter_id", "starts_at", "ends_at"),
        Index("ix_matches_requester_span", "requester_id", "starts_at", "ends_at"),
        # The late-escalation job's window: confirmed matches that have started lately.
        Index("ix_matches_confirmed_start", "starts_at", postgresql_where="status = 'confirmed'"),
        # Shares a supporter completed with a household: candidates are ranked by them.
        Index(
            "ix_matches_completed_pairs",
            "supporter_id",
            "requester_household_id",
            postgresql_where="status = 'completed'",
        ),
    )

    # Unique: the database itself guarantees one match per request.
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_requests.id"), unique=True)
    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offers.id"), unique=True)
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    requester_household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"))
    supporter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # The request's span, copied so overlap checks need no join.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(default=CONFIRMED, server_default=CONFIRMED)
    # The insurance tag computed when the match was confirmed; never recomputed.
    insurance: Mapped[dict[str, Any]] = mapped_column(JSONB)
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None]
    # Snapshots for municipal statistics, taken when the match is made: the request's town
    # and kind, whether the tag said insured, and the supporter household's town.
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    kind: Mapped[str] = mapped_column(String(16))
    insured: Mapped[bool]
    supporter_municipality_code: Mapped[str | None] = mapped_column(
        ForeignKey("municipalities.code")
    )

    @classmethod
    def of_offer(
        cls,
        request: Any,
        offer: Any,
        *,
        insurance: dict[str, Any],
        status: str = CONFIRMED,
    ) -> Match:
        """The match an accepted offer makes, with the request's parties and span (and the
        statistics snapshots: the request's town and kind, the offer's town)."""
        return cls(
            id=uuid.uuid4(),
            request_id=request.id,
            offer_id=offer.id,
            requester_id=request.requester_id,
            requester_household_id=request.household_id,
            supporter_id=offer.supporter_id,
            starts_at=request.starts_at,
            ends_at=request.ends_at,
            status=status,
            insurance=insurance,
            municipality_code=request.municipality_code,
            kind=request.kind,
            insured=bool(insurance.get("covered")),
            supporter_municipality_code=offer.municipality_code,
        )


class MatchEvent(UUIDPrimaryKey, Base):
    """One line of a match's timeline (``timeline.py``): a check-in, a pass opened at the
    nursery, a step of the late escalation, a report, a no-show. ``at`` is the server's
    time (``clock.now``), never the client's. ``data`` holds codes and ids only (a
    check-in's type, an escalation's step), never free text about the children.

    ``dedupe_key`` makes an event idempotent where it must happen at most once (a
    check-in type, an escalation step): a second writer records nothing."""

    __tablename__ = "match_events"
    __table_args__ = (Index("ix_match_events_match_at", "match_id", "at"),)

    match_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)


REQUESTER_SIDE, SUPPORTER_SIDE = "requester", "supporter"


class NoShow(UUIDPrimaryKey, Base):
    """A party recorded that the other did not come (``noshows.py``): at most one per
    match. ``absent_id`` is the person it counts against (the supporter, or the
    requester for the requester's household): reliability and candidate ranking read it
    by person and time."""

    __tablename__ = "match_no_shows"
    __table_args__ = (
        CheckConstraint("reported_by_role IN ('requester', 'supporter')", name="reported_by_role"),
        CheckConstraint("absent_role IN ('requester', 'supporter')", name="absent_role"),
        CheckConstraint("reported_by_role <> absent_role", name="other_party"),
        # Ranking counts a supporter's recent no-shows, reliability a community's: both
        # by person over a window of time.
        Index("ix_match_no_shows_absent_at", "absent_id", "at"),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), unique=True
    )
    reported_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    reported_by_role: Mapped[str] = mapped_column(String(16))
    absent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    absent_role: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(String(500))
    answered_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
