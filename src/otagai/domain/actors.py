"""The caller of a service: who they are to Firebase, their claims, and our user row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from otagai.errors import Forbidden

if TYPE_CHECKING:
    from otagai.domain.people.models import User


@dataclass
class Actor:
    uid: str
    claims: dict[str, Any] = field(default_factory=dict)
    user: User | None = None

    @property
    def is_operator(self) -> bool:
        # Set with the admin CLI as a Firebase custom claim; never taken from a request body.
        return self.claims.get("operator") is True


def require_user(actor: Actor) -> User:
    """The caller's user row: 403 ``profile_required`` without an active profile."""
    if actor.user is None or not actor.user.is_active:
        raise Forbidden("profile_required")
    return actor.user
