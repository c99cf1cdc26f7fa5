"""Certified supporters (認定サポーター): granting, renewing and revoking certifications,
and reading them with their history. The terms and the status on a day are
:mod:`otagai.domain.trust.certification_rules`; who may see them,
:mod:`otagai.domain.trust.policies`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select

from otagai.domain import clock, outbox
from otagai.domain.actors import Actor, require_user
from otagai.domain.audit import services as audit
from otagai.domain.communities.models import Community
from otagai.domain.communities.roles import get_community, require_coordinator, role_in
from otagai.domain.people.models import User
from otagai.domain.trust.certification_rules import (
    canonical_kinds,
    grant_terms,
    renewal_terms,
    status_condition,
)
from otagai.domain.trust.models import (
    GRANTED,
    RENEWED,
    REVOKED,
    Certification,
    CertificationChange,
)
from otagai.domain.trust.policies import can_list_certifications, can_view_certification
from otagai.errors import Conflict, NotFound, RuleViolation, require
from otagai.extensions.db import insert_unique, session

# Field messages (English; Japanese in otagai.messages.certifications.FIELD_MESSAGES_JA).
NOT_A_MEMBER = "Not a member of this community."
SELF_CERTIFICATION = "Another coordinator must certify you."


# --- changes --------------------------------------------------------------------------


def _terms(certification: Certification) -> dict[str, Any]:
    return {
        "kinds": list(certification.kinds),
        "trained_on": certification.trained_on.isoformat(),
        "expires_on": certification.expires_on.isoformat(),
    }


def _log(
    actor: Actor,
    coordinator: User,
    certification: Certification,
    community: Community,
    *,
    action: str,
    at: datetime,
    details: dict[str, Any],
) -> None:
    """History for the people concerned, the audit log for oversight, and a notice to the
    supporter: together."""
    session.add(
        CertificationChange(
            certification_id=certification.id,
            action=action,
            actor_id=coordinator.id,
            at=at,
            details=details,
        )
    )
    verb = {GRANTED: "grant", RENEWED: "renew", REVOKED: "revoke"}[action]
    audit_certification(actor, certification, community, verb, details)
    outbox.enqueue(
        outbox.CERTIFICATION_REVOKED if action == REVOKED else outbox.CERTIFICATION_GRANTED,
        {"certification_id": certification.id, "community_id": community.id},
        [certification.user_id],
    )


def _member(user_id: uuid.UUID, community_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("user_not_found")
    if role_in(user, community_id) is None:
        raise RuleViolation("not_a_member", errors={"user_id": [NOT_A_MEMBER]})
    return user


def certify_member(
    actor: Actor,
    community_id: uuid.UUID,
    *,
    user_id: uuid.UUID,
    kinds: Sequence[str],
    trained_on: date,
    expires_on: date | None = None,
    now: datetime | None = None,
) -> Certification:
    """A coordinator certifies a member of their community (default term: one year)."""
    community = get_community(community_id)
    coordinator = require_coordinator(actor, community_id)
    at = clock.now(now)
    expires_on = grant_terms(trained_on, expires_on, clock.today_tokyo(at))
    user = _member(user_id, community_id)
    if user.id == coordinator.id:
        raise RuleViolation("self_certification", errors={"user_id": [SELF_CERTIFICATION]})
    if _live(community_id, user.id) is not None:
        raise Conflict("certification_exists")
    certification = Certification(
        id=uuid.uuid4(),
        community_id=community_id,
        user_id=user.id,
        kinds=canonical_kinds(kinds),
        trained_on=trained_on,
        expires_on=expires_on,
        granted_by_id=coordinator.id,
        granted_at=at,
    )
    # A concurrent grant for the same member loses on the partial unique index.
    insert_unique(certification, "certification_exists")
    _log(
        actor,
        coordinator,
        certification,
        community,
        action=GRANTED,
        at=at,
        details=_terms(certification),
    )
    return certification


def _live(community_id: uuid.UUID, user_id: uuid.UUID) -> Certification | None:
    return session.scalars(
        select(Certification).where(
            Certification.community_id == community_id,
            Certification.user_id == user_id,
            Certification.revoked_at.is_(None),
        )
    ).one_or_none()


def _visible(actor: Actor, certification_id: uuid.UUID) -> Certification:
    """404 for whoever may not see it, so an id reveals nothing."""
    certification = session.get(Certification, certification_id)
    if certification is None or not can_view_certification(
        actor, role_in(actor.user, certification.community_id), certification
    ):
        raise NotFound("certification_not_found")
    return certification


def for_coordinator(
    actor: Actor, certification_id: uuid.UUID
) -> tuple[Certification, User, Community]:
    # Those who may see it but not change it (the member, operators) get a 403.
    certification = _visible(actor, certification_id)
    coordinator = require_coordinator(actor, certification.community_id)
    # Lock the row: a renewal racing a revocation must see the other's result.
    session.refresh(certification, with_for_update=True)
    if certification.revoked_at is not None:
        raise Conflict("certification_revoked")
    return certification, coordinator, get_community(certification.community_id)


def renew_certification(
    actor: Actor,
    certification_id: uuid.UUID,
    *,
    trained_on: date | None = None,
    expires_on: date | None = None,
    kinds: Sequence[str] | None = None,
    now: datetime | None = None,
) -> Certification:
    """Extend a live certification (expired ones too), optionally after new training or
    for other kinds. Default: one more year from today or the current expiry, whichever
    is later, but never past three years from training."""
    certification, coordinator, community = for_coordinator(actor, certification_id)
    at = clock.now(now)
    previous = _terms(certification)
    trained, expires = renewal_terms(certification, trained_on, expires_on, clock.today_tokyo(at))
    certification.trained_on = trained
    certification.expires_on = expires
    if kinds is not None:
        certification.kinds = canonical_kinds(kinds)
    session.flush()
    details = {**_terms(certification), "previous": previous}
    _log(actor, coordinator, certification, community, action=RENEWED, at=at, details=details)
    return certification


def revoke_certification(
    actor: Actor, certification_id: uuid.UUID, *, reason: str, now: datetime | None = None
) -> Certification:
    """Withdraw a certification, with the reason; it stays in the history."""
    certification, coordinator, community = for_coordinator(actor, certification_id)
    at = clock.now(now)
    change = certification.revoke(by=coordinator.id, reason=reason, at=at)
    session.flush()
    _log(
        actor, coordinator, certification, community, action=REVOKED, at=at, details=change.details
    )
    return certification


# --- reads ----------------------------------------------------------------------------


def get_certification(actor: Actor, certification_id: uuid.UUID) -> Certification:
    return _visible(actor, certification_id)


def _filtered(
    stmt: Select[Certification], status: str | None, today: date | None
) -> Select[Certification]:
    if status is not None:
        stmt = stmt.where(status_condition(status, today or clock.today_tokyo()))
    return stmt


def community_certifications(
    actor: Actor,
    community_id: uuid.UUID,
    *,
    status: str | None = None,
    user_id: uuid.UUID | None = None,
    today: date | None = None,
) -> Select[Certification]:
    """A community's certifications, revoked ones included, for its coordinators."""
    get_community(community_id)
    require(can_list_certifications(actor, role_in(actor.user, community_id)), "coordinator_only")
    stmt = select(Certification).where(Certification.community_id == community_id)
    if user_id is not None:
        stmt = stmt.where(Certification.user_id == user_id)
    return _filtered(stmt, status, today)


def my_certifications(
    actor: Actor, *, status: str | None = None, today: date | None = None
) -> Select[Certification]:
    user = require_user(actor)
    return _filtered(select(Certification).where(Certification.user_id == user.id), status, today)


def histories(certification_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[CertificationChange]]:
    """The history of each certification, oldest first, in one query for a whole page."""
    out: dict[uuid.UUID, list[CertificationChange]] = {i: [] for i in certification_ids}
    if certification_ids:
        changes = session.scalars(
            select(CertificationChange)
            .where(CertificationChange.certification_id.in_(certification_ids))
            .order_by(CertificationChange.at, CertificationChange.id)
        )
        for change in changes:
            out[change.certification_id].append(change)
    return out


def audit_certification(
    actor: Actor,
    certification: Certification,
    community: Community,
    verb: str,
    details: dict[str, Any],
) -> None:
    """A coordinator's change to a certification (``certification.<verb>``) in the audit log."""
    audit.record(
        actor,
        role="coordinator",
        action=f"certification.{verb}",
        target_type="certification",
        target_id=certification.id,
        community_id=community.id,
        municipality_code=community.municipality_code,
        details={"user_id": str(certification.user_id), **details},
    )
