"""Profiles, households, children and devices. Services flush; the request commits."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from otagai.domain.actors import Actor, require_user
from otagai.domain.codes import CODE_ALPHABET, normalize_code
from otagai.domain.communities.attribution import attribute_household
from otagai.domain.communities.models import Community, CommunityMember
from otagai.domain.idempotency import IdempotencyRecord
from otagai.domain.people.models import (
    USER_ACTIVE,
    USER_DELETED,
    Child,
    Device,
    Household,
    HouseholdInvite,
    User,
)
from otagai.domain.people.places import forget_places, move_places
from otagai.domain.people.policies import can_manage_child, can_remove_device
from otagai.domain.trust.departures import ACCOUNT_DELETED, forget_connections, revoke_on_departure
from otagai.errors import Conflict, NotFound
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng

INVITE_CODE_LENGTH = 8

UNSET: Any = object()


def get_profile(actor: Actor) -> User:
    if actor.user is None:
        raise NotFound("profile_not_found")
    return actor.user


def upsert_profile(
    actor: Actor, *, display_name: str, locale: str | None = None, home: Any = UNSET
) -> tuple[User, bool]:
    """Create my profile (and my household) or update it. ``home`` left UNSET keeps the
    stored one; ``None`` clears it. Returns the user and whether it was created."""
    user = actor.user
    created = user is None
    if user is None:
        household = Household()
        session.add(household)
        session.flush()
        user = User(firebase_uid=actor.uid, household_id=household.id, locale="ja")
        session.add(user)
        actor.user = user
    user.display_name = display_name
    if locale is not None:
        user.locale = locale
    if home is not UNSET:
        user.home = home.to_element() if isinstance(home, LatLng) else None
        session.flush()
        attribute_household(user.household_id)
    session.flush()
    return user, created


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


@dataclass
class CommunityRole:
    community_id: uuid.UUID
    name: str
    municipality_code: str
    role: str


def community_roles(user: User) -> list[CommunityRole]:
    rows = session.execute(
        select(Community.id, Community.name, Community.municipality_code, CommunityMember.role)
        .join(CommunityMember, CommunityMember.community_id == Community.id)
        .where(CommunityMember.user_id == user.id)
        .order_by(Community.name)
    )
    return [CommunityRole(*row) for row in rows]


def _anonymize_children(household_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(Child)
        .where(Child.household_id == household_id)
        .values(
            nickname=None,
            birth_date=None,
            notes=None,
            deleted_at=func.coalesce(Child.deleted_at, now),
        )
    )


def delete_account(actor: Actor) -> None:
    """Anonymize: personal data goes, the rows statistics count stay."""
    user = get_profile(actor)
    now = datetime.now(UTC)
    others = [m for m in household_members(user) if m.id != user.id]
    if not others:
        # Nobody left to care for the children's records: they go with the account, and
        # so do the household's exact places.
        _anonymize_children(user.household_id, now)
        forget_places(user.household_id)
        session.execute(
            delete(HouseholdInvite).where(
                HouseholdInvite.household_id == user.household_id, HouseholdInvite.used_at.is_(None)
            )
        )
    session.execute(
        delete(HouseholdInvite).where(
            HouseholdInvite.created_by_id == user.id, HouseholdInvite.used_at.is_(None)
        )
    )
    session.execute(delete(Device).where(Device.user_id == user.id))
    revoke_on_departure(user.id, reason=ACCOUNT_DELETED)
    forget_connections(user.id)
    session.execute(delete(CommunityMember).where(CommunityMember.user_id == user.id))
    # Stored responses may hold names and children's details.
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.owner_uid == actor.uid))
    user.firebase_uid = None
    user.display_name = None
    user.home = None
    user.status = USER_DELETED
    user.deleted_at = now
    session.flush()
    if others:
        attribute_household(user.household_id)
    actor.user = None


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
    session.flush()


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


def join_household(actor: Actor, *, code: str) -> Household:
    user = require_user(actor)
    invite = session.scalars(
        select(HouseholdInvite)
        .where(HouseholdInvite.code == normalize_code(code))
        .with_for_update()
    ).one_or_none()
    now = datetime.now(UTC)
    if invite is None or invite.expires_at <= now:
        raise NotFound("invite_not_found")
    if invite.used_at is not None:
        raise Conflict("invite_already_used")
    if invite.household_id == user.household_id:
        raise Conflict("already_in_household")
    old = session.get_one(Household, user.household_id)
    if any(m.id != user.id for m in household_members(user)):
        raise Conflict("household_has_other_members")
    # The joiner was alone: their children come along and the old household stops
    # counting as a registered one.
    session.execute(
        update(Child).where(Child.household_id == old.id).values(household_id=invite.household_id)
    )
    session.execute(
        delete(HouseholdInvite).where(
            HouseholdInvite.household_id == old.id, HouseholdInvite.used_at.is_(None)
        )
    )
    move_places(old.id, invite.household_id)
    old.merged_into_id = invite.household_id
    user.household_id = invite.household_id
    invite.used_at = now
    invite.used_by_id = user.id
    session.flush()
    attribute_household(invite.household_id)
    session.expire(user, ["household"])
    return session.get_one(Household, invite.household_id)


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
