"""Users, households and children: the people a share is about."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    FetchedValue,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey

USER_ACTIVE = "active"
USER_DELETED = "deleted"
LOCALES = ("ja", "en")


class Household(UUIDPrimaryKey, CreatedAt, Base):
    """The unit statistics count. Kept after its members leave or delete their accounts."""

    __tablename__ = "households"
    __table_args__ = (
        # The welcome job's daily look at the consenting households only.
        Index(
            "ix_households_welcome",
            "welcome_checked_on",
            postgresql_where="welcome_consent",
        ),
    )

    # Set when its only member moved into another household by invite: a merged
    # household no longer counts as registered.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("households.id"))
    # The municipality containing the household's home (statistics attribute to it);
    # recomputed whenever a member's home changes or a municipality is added.
    municipality_code: Mapped[str | None] = mapped_column(
        ForeignKey("municipalities.code"), index=True
    )

    # A way in for isolated families (docs/welcome.md), with the household's consent (off
    # unless given): a gentle push about its communities' next event while it has no
    # connection, and its members on the coordinators' list of newcomers.
    welcome_consent: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # The welcome job's marks: the Tokyo day it last looked at the household, and the first
    # day of the Tokyo month it last pushed (once a month at most).
    welcome_checked_on: Mapped[date | None] = mapped_column(Date)
    welcome_pushed_month: Mapped[date | None] = mapped_column(Date)

    members: Mapped[list[User]] = relationship(back_populates="household")


class User(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'deleted')", name="status"),
        CheckConstraint("locale IN ('ja', 'en')", name="locale"),
    )

    # NULL once the account is deleted, so the same Firebase account may start afresh.
    firebase_uid: Mapped[str | None] = mapped_column(String(128), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(50))
    locale: Mapped[str] = mapped_column(String(2), default="ja", server_default="ja")
    # Never leaves the server except to its owner, and no computation about anybody else
    # reads it (statistics' municipality aside).
    home: Mapped[Any | None] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False), nullable=True
    )
    # Its household place's public point (people/places.py), set by a database trigger
    # whenever ``home`` is written: what candidate search and every distance shown to
    # others measure. GiST-indexed for candidate search.
    public_home: Mapped[Any | None] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=True),
        nullable=True,
        server_default=FetchedValue(),
        server_onupdate=FetchedValue(),
    )
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=USER_ACTIVE, server_default=USER_ACTIVE)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    deleted_at: Mapped[datetime | None]

    household: Mapped[Household] = relationship(back_populates="members")

    @property
    def is_active(self) -> bool:
        return self.status == USER_ACTIVE


class Child(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "children"
    __table_args__ = (
        Index(
            "ix_children_household_live",
            "household_id",
            "created_at",
            "id",
            postgresql_where="deleted_at IS NULL",
        ),
    )

    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"))
    # Personal data; cleared when the child is removed or the household is anonymized.
    nickname: Mapped[str | None] = mapped_column(String(50))
    birth_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None]


class AuthorisedAdult(UUIDPrimaryKey, CreatedAt, Base):
    """An adult the household allows to collect a child (a grandmother, a neighbour).
    Household-private: only the child's household ever reads these rows. Deleted (not
    anonymized: nothing counts them) with the child and with the household's last account.
    """

    __tablename__ = "authorised_adults"
    __table_args__ = (Index("ix_authorised_adults_child", "child_id", "created_at", "id"),)

    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # Free text (祖母, 近所の佐藤さん, ベビーシッター): families name relations in too many
    # ways for an enum to help them.
    relation: Mapped[str] = mapped_column(String(50))


class HouseholdMunicipalityPeriod(Base):
    """Where a household lived, and when: statistics attribute it to the municipality of
    the time (a family that moves keeps its past in the old town). Written by a database
    trigger on ``households`` (see the migration), so every path that changes a
    household's municipality or merges it is recorded in the same transaction."""

    __tablename__ = "household_municipality_periods"
    __table_args__ = (
        Index("ix_household_municipality_periods_household", "household_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"))
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]


class HouseholdInvite(UUIDPrimaryKey, CreatedAt, Base):
    """A single-use code one parent gives the other to join their household."""

    __tablename__ = "household_invites"

    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Device(UUIDPrimaryKey, CreatedAt, Base):
    """An FCM registration token. A token belongs to one app install: the user who
    registered it last owns it."""

    __tablename__ = "devices"
    __table_args__ = (CheckConstraint("platform IN ('ios', 'android', 'web')", name="platform"),)

    token: Mapped[str] = mapped_column(String(512), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
