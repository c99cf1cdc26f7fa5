"""Rollups of municipal statistics that are kept current in the same transactions as the
activity they count (database triggers on share_requests, offers and matches; see the
migration ``household activity rollup``).

"Active households" is a distinct count over three tables; counted at read time it
would sort millions of rows for a big town. Instead each (town, Tokyo month, kind,
household) is recorded once, and the first record bumps the town's counter."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base

ALL_KINDS = "total"  # the kind of a household's row that counts it once across kinds


class HouseholdMonthlyActivity(Base):
    __tablename__ = "household_monthly_activity"

    municipality_code: Mapped[str] = mapped_column(
        ForeignKey("municipalities.code"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), primary_key=True)


class MunicipalMonthlyActivity(Base):
    __tablename__ = "municipal_monthly_activity"

    municipality_code: Mapped[str] = mapped_column(
        ForeignKey("municipalities.code"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    households: Mapped[int] = mapped_column(Integer)


class MunicipalMonthlyCount(Base):
    """A town's monthly counts, kept by triggers on the tables they count (migration
    ``statistics counters``): every insert, update or delete of a counted row takes its
    old contribution away and adds its new one, in the same transaction. ``kind`` is
    "total" for figures without a kind (households registered: +1 in the month a
    household's period in the town starts, -1 in the month it ends)."""

    __tablename__ = "municipal_monthly_counts"

    municipality_code: Mapped[str] = mapped_column(
        ForeignKey("municipalities.code"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
