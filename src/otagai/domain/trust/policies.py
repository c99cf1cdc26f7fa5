"""The trust rules: who may connect with whom, and with which code; who may see
certifications. Small pure functions; services turn a no into the matching error."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from otagai.domain.actors import Actor
from otagai.domain.communities.policies import can_coordinate, can_operate
from otagai.domain.people.models import User
from otagai.domain.trust.models import Certification, ConnectionCode

# Shown as a QR and also typed by hand: six characters of CODE_ALPHABET (domain/codes.py).
CODE_LENGTH = 6
CODE_TTL = timedelta(minutes=10)


def code_is_live(code: ConnectionCode, now: datetime) -> bool:
    """Valid for ten minutes from creation (used or not: an expired code is just gone)."""
    return now < code.expires_at


def code_is_unused(code: ConnectionCode) -> bool:
    return code.used_at is None


def can_connect(user_id: uuid.UUID, other_id: uuid.UUID) -> bool:
    """Connections are between two different people."""
    return user_id != other_id


def can_block(user_id: uuid.UUID, other_id: uuid.UUID) -> bool:
    return user_id != other_id


def can_be_connected_or_blocked(user: User | None) -> bool:
    """Deleted accounts are gone for everyone."""
    return user is not None and user.is_active


def can_tag_code_with_event(*, attending: bool, community_role: str | None) -> bool:
    """A code may say "made at this event" when its owner attended it, or belongs to the
    event's community (attendance is often recorded after people have met)."""
    return attending or community_role is not None


def can_list_certifications(actor: Actor, role: str | None) -> bool:
    """A community's certifications: its coordinators and operators."""
    return can_coordinate(role) or can_operate(actor)


def can_view_certification(actor: Actor, role: str | None, certification: Certification) -> bool:
    """One certification: also the certified member themself."""
    own = actor.user is not None and actor.user.id == certification.user_id
    return own or can_list_certifications(actor, role)


def can_see_background_check(actor: Actor, role: str | None, certification: Certification) -> bool:
    """Which check, when and by whom: the community's coordinators and the supporter
    themself. Everybody else (operators included) sees only whether one is confirmed."""
    own = actor.user is not None and actor.user.id == certification.user_id
    return own or can_coordinate(role)
