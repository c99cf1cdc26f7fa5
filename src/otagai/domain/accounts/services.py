"""Profile, household, community departures and account deletion: services that change
several areas in one transaction. Services flush; the request commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from otagai.domain.actors import Actor, require_user
from otagai.domain.codes import normalize_code
from otagai.domain.communities.attribution import attribute_household
from otagai.domain.communities.models import CommunityMember
from otagai.domain.communities.roles import get_community
from otagai.domain.idempotency import IdempotencyRecord
from otagai.domain.people.access_log import forget_household_reads
from otagai.domain.people.models import (
    USER_DELETED,
    Child,
    Device,
    Household,
    HouseholdInvite,
    User,
)
from otagai.domain.people.places import forget_places, move_places
from otagai.domain.people.services import (
    forget_authorised_adults,
    get_profile,
    household_members,
)
from otagai.domain.trust.background_checks import forget_background_checks
from otagai.domain.trust.departures import (
    ACCOUNT_DELETED,
    LEFT_COMMUNITY,
    forget_connections,
    revoke_on_departure,
)
from otagai.errors import Conflict, NotFound
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng

UNSET: Any = object()


def upsert_profile(
    actor: Actor,
    *,
    display_name: str,
    locale: str | None = None,
    home: Any = UNSET,
    welcome_consent: bool | None = None,
) -> tuple[User, bool]:
    """Create my profile (and my household) or update it. ``home`` left UNSET keeps the
    stored one; ``None`` clears it. ``welcome_consent`` (my household's, docs/welcome.md)
    None keeps it (off for a new household). Returns the user and whether it was created."""
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
    if welcome_consent is not None:
        mine = session.get(Household, user.household_id)
        assert mine is not None
        mine.welcome_consent = welcome_consent
    if locale is not None:
        user.locale = locale
    if home is not UNSET:
        user.home = home.to_element() if isinstance(home, LatLng) else None
        session.flush()
        attribute_household(user.household_id)
    session.flush()
    return user, created


def _anonymize_children(household_id: uuid.UUID, now: datetime) -> None:
    forget_household_reads(household_id)
    forget_authorised_adults(select(Child.id).where(Child.household_id == household_id))
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
    forget_background_checks(user.id)
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


# Communities -------------------------------------------------------------------------


def leave_community(actor: Actor, community_id: uuid.UUID) -> None:
    """Leave; a coordinator who leaves stops being one."""
    user = require_user(actor)
    get_community(community_id)
    left = session.execute(
        delete(CommunityMember)
        .where(
            CommunityMember.community_id == community_id,
            CommunityMember.user_id == user.id,
        )
        .returning(CommunityMember.user_id)
    ).first()
    if left is None:
        raise NotFound("not_a_member")
    # A certification vouches for a member of this community; no longer one, no longer
    # certified here (revoked with a history entry; a coordinator can certify again).
    revoke_on_departure(user.id, reason=LEFT_COMMUNITY, community_id=community_id)
