"""My profile as the API shows it (to me only): with my household, roles and communities."""

from __future__ import annotations

from typing import Any

from otagai.domain.accounts.queries import profile_parts
from otagai.domain.actors import Actor
from otagai.domain.people.models import User
from otagai.domain.people.views import person


def profile_view(actor: Actor, user: User) -> dict[str, Any]:
    parts = profile_parts(user)
    communities = parts.communities
    roles = []
    if actor.is_operator:
        roles.append("operator")
    if any(c.role == "coordinator" for c in communities):
        roles.append("coordinator")
    return {
        "id": user.id,
        "display_name": user.display_name,
        "locale": user.locale,
        "home": user.home,
        "roles": roles,
        "household": {
            "id": user.household_id,
            "members": [person(m.id, m) for m in parts.members],
            "children_count": parts.children_count,
            "welcome_consent": parts.welcome_consent,
        },
        "communities": communities,
        "created_at": user.created_at,
    }
