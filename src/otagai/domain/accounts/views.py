"""My profile as the API shows it (to me only): with my household, roles and communities."""

from __future__ import annotations

from typing import Any

from otagai.domain.actors import Actor
from otagai.domain.communities.queries import community_roles
from otagai.domain.people import services as people
from otagai.domain.people.models import User
from otagai.domain.people.views import household_view


def profile_view(actor: Actor, user: User) -> dict[str, Any]:
    members = people.household_members(user)
    communities = community_roles(user)
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
        "household": household_view(user.household_id, members),
        "communities": communities,
        "created_at": user.created_at,
    }
