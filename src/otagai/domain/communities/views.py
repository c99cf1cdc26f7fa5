"""What the API shows of municipalities, communities and memberships."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class MunicipalityView:
    code: str
    name_ja: str
    name_en: str
    created_at: datetime
    boundary: dict[str, Any] | None = None


@dataclass
class CoordinatorRef:
    id: uuid.UUID
    display_name: str | None


@dataclass
class CommunityView:
    id: uuid.UUID
    municipality_code: str
    name: str
    description: str | None
    member_count: int
    my_role: str | None
    created_at: datetime
    distance_m: int | None = None
    area: dict[str, Any] | None = None
    coordinators: list[CoordinatorRef] = field(default_factory=list)
    require_background_check_for_babysitting: bool = False


@dataclass
class Membership:
    community_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str | None
    role: str
    joined_at: datetime


def community_view(row: Any, **extra: Any) -> CommunityView:
    return CommunityView(
        id=row.id,
        municipality_code=row.municipality_code,
        name=row.name,
        description=row.description,
        member_count=row.member_count,
        my_role=row.my_role,
        created_at=row.created_at,
        require_background_check_for_babysitting=row.require_background_check_for_babysitting,
        **extra,
    )
