"""Who trusts whom: connections made in person, blocks, and certified supporters."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Computed,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    and_,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from otagai.domain.clock import TOKYO
from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey

KINDS = ("pickup", "babysitting", "lending")
BABYSITTING = "babysitting"
# A confirmed criminal-record check: the Japanese DBS (こども性暴力防止法, from 2026-12-25)
# or an equivalent the coordinator saw.
JP_DBS = "jp_dbs"
EQUIVALENT = "equivalent"
BACKGROUND_CHECK_SCHEMES = (JP_DBS, EQUIVALENT)
# CertificationChange.action
GRANTED = "granted"
RENEWED = "renewed"
REVOKED = "revoked"


class Connection(CreatedAt, Base):
    """A mutual 知り合い link, stored once per pair (lower id first)."""

    __tablename__ = "connections"
    __table_args__ = (
        CheckConstraint("user_low_id < user_high_id", name="ordered_pair"),
        Index("ix_connections_user_high_id", "user_high_id"),
    )

    user_low_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    user_high_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # Set when the code was shown at a community event (counted by statistics).
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id"), index=True)


class ConnectionCode(UUIDPrimaryKey, CreatedAt, Base):
    """A short single-use code (shown as a QR) that the other person redeems."""

    __tablename__ = "connection_codes"

    code: Mapped[str] = mapped_column(String(16), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Block(CreatedAt, Base):
    __tablename__ = "blocks"
    __table_args__ = (
        CheckConstraint("blocker_id <> blocked_id", name="not_self"),
        Index("ix_blocks_blocked_id", "blocked_id"),
    )

    blocker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    blocked_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)


class RateLimitHit(Base):
    """One counted attempt (e.g. a failed code redemption). Written outside the request's
    transaction, so a failing request still counts."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_bucket_at", "bucket", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    bucket: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(server_default=func.now())


class Certification(UUIDPrimaryKey, CreatedAt, Base):
    """認定サポーター: a coordinator's certification of a member, per community.

    At most one live (unrevoked) certification per member and community; a revoked one
    stays as history and a new grant is a new row.
    """

    __tablename__ = "certifications"
    __table_args__ = (
        CheckConstraint("expires_on > trained_on", name="expiry_after_training"),
        CheckConstraint("cardinality(kinds) > 0", name="has_kinds"),
        CheckConstraint(
            "background_check_scheme IN ('jp_dbs', 'equivalent')", name="background_check_scheme"
        ),
        # A check is recorded whole, or not at all.
        CheckConstraint(
            "(background_check_scheme IS NULL) = (background_check_confirmed_on IS NULL) "
            "AND (background_check_scheme IS NULL) = (background_check_confirmed_by_id IS NULL) "
            "AND (background_check_scheme IS NULL) = (background_check_recorded_at IS NULL)",
            name="background_check_whole",
        ),
        Index(
            "uq_certifications_live",
            "community_id",
            "user_id",
            unique=True,
            postgresql_where="revoked_at IS NULL",
        ),
        Index("ix_certifications_user_id", "user_id"),
        # A community's supporters, revoked and expired ones too (statistics, candidates).
        Index("ix_certifications_community_id", "community_id"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communities.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    kinds: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    trained_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    granted_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    # That a criminal-record check was confirmed (trust/background_checks.py): the scheme,
    # the day, the coordinator who confirmed it and when they recorded it. Nothing else:
    # no certificate, no content, no document. Candidate and offer views show only
    # whether there is one.
    background_check_scheme: Mapped[str | None] = mapped_column(String(16))
    background_check_confirmed_on: Mapped[date | None] = mapped_column(Date)
    background_check_confirmed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id")
    )
    background_check_recorded_at: Mapped[datetime | None]
    # The Tokyo days it is valid on, first and last (``valid_on`` below), kept by the
    # database from the columns above: the SQL form of the rule reads two dates instead of
    # converting two timestamps a row, and a year of statistics counts them in bulk.
    valid_from: Mapped[date] = mapped_column(
        Date, Computed("date(timezone('Asia/Tokyo', granted_at))", persisted=True)
    )
    valid_until: Mapped[date] = mapped_column(
        Date,
        Computed("LEAST(expires_on, date(timezone('Asia/Tokyo', revoked_at)) - 1)", persisted=True),
    )

    @property
    def background_check_confirmed(self) -> bool:
        return self.background_check_scheme is not None

    def revoke(self, *, by: uuid.UUID, reason: str, at: datetime) -> CertificationChange:
        """Mark revoked; answers the history row for the caller to add."""
        self.revoked_at = at
        self.revoked_by_id = by
        self.revoke_reason = reason
        return CertificationChange(
            certification_id=self.id,
            action=REVOKED,
            actor_id=by,
            at=at,
            details={"reason": reason},
        )

    @hybrid_method
    def valid_on(self, day: date) -> bool:
        """THE rule, used by matching and statistics alike: granted by ``day``, not revoked
        by then, and ``day`` no later than the expiry date (valid through that day).
        Days are Tokyo calendar days."""
        granted = self.granted_at.astimezone(TOKYO).date()
        revoked = self.revoked_at.astimezone(TOKYO).date() if self.revoked_at else None
        return granted <= day <= self.expires_on and (revoked is None or revoked > day)

    @valid_on.expression
    @classmethod
    def _valid_on_sql(cls, day: date | ColumnElement[date]) -> ColumnElement[bool]:
        # valid_from/valid_until are the same rule, written once more as the database's
        # generated columns (LEAST ignores NULL: not revoked, valid through the expiry;
        # revoked on the day granted, never valid). A test checks both forms agree.
        return and_(cls.valid_from <= day, cls.valid_until >= day)

    @classmethod
    def valid_days(cls) -> tuple[ColumnElement[date], ColumnElement[date]]:
        """``valid_on`` as an interval of Tokyo days: valid on ``day`` exactly when
        ``first <= day <= last``."""
        return cls.valid_from.expression, cls.valid_until.expression


class CertificationChange(UUIDPrimaryKey, Base):
    """History of a certification: every grant, renewal and revocation, by whom, when."""

    __tablename__ = "certification_changes"

    certification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("certifications.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # GRANTED | RENEWED | REVOKED
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    # The certification's terms after the change, and the reason for a revocation.
    details: Mapped[dict[str, object]] = mapped_column(JSONB, default=dict)
