"""Municipalities and the communities inside them.

The foundation holds what membership and the demo need; certification, events and the
operator endpoints that create these arrive with the communities capability.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey

ROLE_MEMBER = "member"
ROLE_COORDINATOR = "coordinator"


class Municipality(CreatedAt, Base):
    __tablename__ = "municipalities"
    __table_args__ = (CheckConstraint("code ~ '^[0-9]{6}$'", name="code_format"),)

    # JIS X 0402 local government code, six digits with the check digit.
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name_ja: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    # Geometry (not geography): validity checks and containment need planar functions.
    boundary: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))


class Community(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "communities"

    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    area: Mapped[Any] = mapped_column(Geometry("POLYGON", srid=4326, spatial_index=True))
    # When set, a babysitting certification counts for candidacy here only with a confirmed
    # background check (trust/background_checks.py).
    require_background_check_for_babysitting: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )


class CommunityMember(Base):
    __tablename__ = "community_members"
    __table_args__ = (CheckConstraint("role IN ('member', 'coordinator')", name="role"),)

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), default=ROLE_MEMBER, server_default=ROLE_MEMBER)
    joined_at: Mapped[datetime] = mapped_column(server_default=func.now())
