"""What the API shows of people: the stub others see, and a household."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from otagai.domain.people.models import User
from otagai.domain.people.services import live_children_count


class Named(Protocol):
    @property
    def display_name(self) -> str | None: ...


def stub(user_id: uuid.UUID, display_name: str | None) -> dict[str, Any]:
    """Somebody as others may see them: ``{id, display_name}``, nothing else."""
    return {"id": user_id, "display_name": display_name}


def person(user_id: uuid.UUID, user: Named | None) -> dict[str, Any]:
    """``stub`` of the row a batch lookup found (``people_by_id``); without it the name is
    null."""
    return stub(user_id, user.display_name if user else None)


def household_view(household_id: uuid.UUID, members: Sequence[User]) -> dict[str, Any]:
    return {
        "id": household_id,
        "members": [person(m.id, m) for m in members],
        "children_count": live_children_count(household_id),
    }
