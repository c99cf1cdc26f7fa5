"""The caller of a service: who they are to Firebase, their claims, and our user row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
