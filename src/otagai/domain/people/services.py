"""Profiles (reading them), household members, children, household invites and devices.
Services flush; the request commits. Creating or changing a profile, joining a household
and deleting the account reach into communities and trust: ``accounts/services.py``."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from otagai.domain.actors import Actor, require_user
from otagai.domain.codes import CODE_ALPHABET
from otagai.domain.people.access_log import forget_child_reads
from otagai.domain.people.models import (
    USER_ACTIVE,
    AuthorisedAdult,
    Child,
    Device,
    HouseholdInvite,
    User,
)
from otagai.domain.people.policies import can_manage_child, can_remove_device
from otagai.errors import NotFound
from otagai.extensions.db import session

INVITE_CODE_LENGTH = 8


def get_profile(actor: Actor) -> User:
    if actor.user is None:
        raise NotFound("profile_not_found")
    return actor.user


def household_members(user: User) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.household_id == user.household_id, User.status == USER_ACTIVE)
            .order_by(User.created_at, User.id)
        )
    )


def live_children_count(household_id: uuid.UUID) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Child)
            .where(Child.household_id == household_id, Child.deleted_at.is_(None))
        )
        or 0
    )


# Children ---------------------------------------------------------------------------


def children_query(user: User) -> Any:
    return select(Child).where(Child.household_id == user.household_id, Child.deleted_at.is_(None))


def add_child(actor: Actor, *, nickname: str, birth_date: date, notes: str | None = None) -> Child:
    user = require_user(actor)
    child = Child(
        household_id=user.household_id, nickname=nickname, birth_date=birth_date, notes=notes
    )
    session.add(child)
    session.flush()
    return child


def get_child(actor: Actor, child_id: uuid.UUID) -> Child:
    user = require_user(actor)
    child = session.get(Child, child_id)
    # Another household's child is "not found", not "forbidden": ids reveal nothing.
    if child is None or not can_manage_child(user, child):
        raise NotFound("child_not_found")
    return child


def update_child(actor: Actor, child_id: uuid.UUID, **changes: Any) -> Child:
    child = get_child(actor, child_id)
    for name in ("nickname", "birth_date", "notes"):
        if name in changes:
            setattr(child, name, changes[name])
    session.flush()
    return child


def remove_child(actor: Actor, child_id: uuid.UUID) -> None:
    child = get_child(actor, child_id)
    child.nickname = None
    child.birth_date = None
    child.notes = None
    child.deleted_at = datetime.now(UTC)
    forget_child_reads(child.id)
    forget_authorised_adults([child.id])
    session.flush()


def forget_authorised_adults(child_ids: Any) -> None:
    """Erase the authorised adults of these children (ids, or a select of them): the child
    was removed, or its household's last account deleted. Deleted, not anonymized:
    nothing counts them."""
    session.execute(
        delete(AuthorisedAdult).where(AuthorisedAdult.child_id.in_(child_ids)),
        execution_options={"synchronize_session": False},
    )


# Household invites ------------------------------------------------------------------


def create_household_invite(actor: Actor, *, ttl_hours: int) -> HouseholdInvite:
    user = require_user(actor)
    invite = HouseholdInvite(
        household_id=user.household_id,
        created_by_id=user.id,
        code="".join(secrets.choice(CODE_ALPHABET) for _ in range(INVITE_CODE_LENGTH)),
        expires_at=datetime.now(UTC) + timedelta(hours=ttl_hours),
    )
    session.add(invite)
    session.flush()
    return invite


# Devices ----------------------------------------------------------------------------


def register_device(actor: Actor, *, token: str, platform: str) -> Device:
    user = require_user(actor)
    device = session.scalars(
        select(Device).where(Device.token == token).with_for_update()
    ).one_or_none()
    if device is None:
        device = Device(token=token, user_id=user.id, platform=platform)
        session.add(device)
    else:
        # The install changed hands (sign-out, sign-in as someone else): last one wins.
        device.user_id = user.id
        device.platform = platform
        device.updated_at = datetime.now(UTC)
    session.flush()
    return device


def unregister_device(actor: Actor, *, token: str) -> None:
    user = require_user(actor)
    device = session.scalars(select(Device).where(Device.token == token)).one_or_none()
    if device is None or not can_remove_device(user, device):
        raise NotFound("device_not_found")
    session.delete(device)
    session.flush()
