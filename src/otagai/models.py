"""Every model, imported once so Alembic and the tests see the whole schema."""

from otagai.domain.communities.models import Community, CommunityMember, Municipality
from otagai.domain.idempotency import IdempotencyRecord
from otagai.domain.people.models import Child, Device, Household, HouseholdInvite, User
from otagai.extensions.db import Base

metadata = Base.metadata

__all__ = [
    "Child",
    "Community",
    "CommunityMember",
    "Device",
    "Household",
    "HouseholdInvite",
    "IdempotencyRecord",
    "Municipality",
    "User",
    "metadata",
]
