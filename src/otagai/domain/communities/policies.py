"""Community permissions as small pure functions; services ``require`` them."""

from __future__ import annotations

from otagai.domain.actors import Actor
from otagai.domain.communities.models import ROLE_COORDINATOR


def can_operate(actor: Actor) -> bool:
    """Platform staff: municipalities, communities, coordinators."""
    return actor.is_operator


def can_coordinate(role: str | None) -> bool:
    """Certify, run events: only a coordinator of that very community."""
    return role == ROLE_COORDINATOR


def can_view_member_content(role: str | None, actor: Actor) -> bool:
    """Events and similar community content: its members, coordinators and operators."""
    return role is not None or actor.is_operator
