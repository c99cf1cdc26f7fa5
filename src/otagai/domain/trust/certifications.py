"""Certified supporters (認定サポーター): granting, renewing and revoking certifications,
and reading them with their history.

Whether a certification holds on a day is ``Certification.valid_on`` and nothing else:
the status shown here, the list filters, matching and statistics all ask it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, not_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import SQLCoreOperations

from otagai.domain.actors import Actor
from otagai.domain.audit import services as audit
from otagai.domain.communities.models import ROLE_COORDINATOR, Community
from otagai.domain.communities.roles import get_community, require_coordinator, role_in
from otagai.domain.people.ages import today_tokyo
from otagai.domain.people.models import User
from otagai.domain.people.services import require_user
from otagai.domain.trust.models import KINDS, Certification, CertificationChange
from otagai.errors import Conflict, NotFound, RuleViolation, require
from otagai.extensions.db import session

# A certification runs one year from training unless the coordinator says otherwise, and
# never more than three: after that the supporter takes the training again.
DEFAULT_YEARS = 1
MAX_YEARS = 3

STATUS_ACTIVE = "active"
STATUS_EXPIRED = "expired"
STATUS_REVOKED = "revoked"
STATUSES = (STATUS_ACTIVE, STATUS_EXPIRED, STATUS_REVOKED)

GRANTED = "granted"
RENEWED = "renewed"
REVOKED = "revoked"

# Field messages (English; Japanese in otagai.messages.certifications.FIELD_MESSAGES_JA).
IN_FUTURE = "Must not be in the future."
TRAINING_TOO_OLD = "Must be within the last 3 years."
TRAINING_BEFORE_CURRENT = "Must not be before the current training date."
EXPIRY_NOT_AFTER_TRAINING = "Must be after trained_on."
EXPIRY_TOO_LATE = "Must be at most 3 years after trained_on."
EXPIRY_NOT_AFTER_TODAY = "Must be after today."
DEFAULT_EXPIRY_PASSED = (
    "One year after trained_on has already passed: send expires_on "
    "(at most 3 years after trained_on)."
)
EXPIRY_NOT_EXTENDED = "Must be later than the current expiry date."
NEEDS_NEW_TRAINING = (
    "The certification cannot run more than 3 years past training: send the new training date."
)
NOT_A_MEMBER = "Not a member of this community."
SELF_CERTIFICATION = "Another coordinator must certify you."


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (or earlier); 29 February becomes the 28th,
    so a certification never runs longer than its term."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


# --- reading the rule -----------------------------------------------------------------


def status_on(certification: Certification, day: date) -> str:
    """``active`` when valid on ``day``; otherwise ``revoked`` or ``expired``."""
    if certification.valid_on(day):
        return STATUS_ACTIVE
    return STATUS_REVOKED if certification.revoked_at is not None else STATUS_EXPIRED


def status_condition(status: str, day: date) -> SQLCoreOperations[bool]:
    """The SQL twin of :func:`status_on`, for list filters."""
    valid = Certification.valid_on(day)
    if status == STATUS_ACTIVE:
        return valid
    if status == STATUS_REVOKED:
        return Certification.revoked_at.is_not(None)
    return and_(Certification.revoked_at.is_(None), not_(valid))


def valid_certifications(
    day: date,
    *,
    community_id: uuid.UUID | None = None,
    kind: str | None = None,
) -> Select[Certification]:
    """Certifications valid on ``day``, optionally of one community and covering one kind:
    the query matching and statistics start from."""
    stmt = select(Certification).where(Certification.valid_on(day))
    if community_id is not None:
        stmt = stmt.where(Certification.community_id == community_id)
    if kind is not None:
        stmt = stmt.where(Certification.kinds.contains([kind]))
    return stmt


# --- policies -------------------------------------------------------------------------


def can_list_certifications(actor: Actor, role: str | None) -> bool:
    """A community's certifications: its coordinators and operators."""
    return role == ROLE_COORDINATOR or actor.is_operator


def can_view_certification(actor: Actor, role: str | None, certification: Certification) -> bool:
    """One certification: also the certified member themself."""
    own = actor.user is not None and actor.user.id == certification.user_id
    return own or can_list_certifications(actor, role)


# --- input rules ----------------------------------------------------------------------


def canonical_kinds(kinds: Iterable[str]) -> list[str]:
    wanted = set(kinds)
    return [kind for kind in KINDS if kind in wanted]


def grant_terms(trained_on: date, expires_on: date | None, today: date) -> date:
    """The expiry of a new certification, or a 422 with a message per field."""
    errors: dict[str, list[str]] = {}
    if trained_on > today:
        errors["trained_on"] = [IN_FUTURE]
    elif trained_on <= add_years(today, -MAX_YEARS):
        errors["trained_on"] = [TRAINING_TOO_OLD]
    if expires_on is not None:
        if expires_on <= today:
            errors["expires_on"] = [EXPIRY_NOT_AFTER_TODAY]
        elif "trained_on" not in errors:
            if expires_on <= trained_on:
                errors["expires_on"] = [EXPIRY_NOT_AFTER_TRAINING]
            elif expires_on > add_years(trained_on, MAX_YEARS):
                errors["expires_on"] = [EXPIRY_TOO_LATE]
    elif "trained_on" not in errors:
        expires_on = add_years(trained_on, DEFAULT_YEARS)
        if expires_on <= today:
            errors["expires_on"] = [DEFAULT_EXPIRY_PASSED]
    if errors:
        raise RuleViolation("validation_failed", errors=errors)
    assert expires_on is not None
    return expires_on


def renewal_terms(
    certification: Certification,
    trained_on: date | None,
    expires_on: date | None,
    today: date,
) -> tuple[date, date]:
    """The training date and the later expiry of a renewal, or a 422 per field."""
    errors: dict[str, list[str]] = {}
    if trained_on is not None:
        if trained_on > today:
            errors["trained_on"] = [IN_FUTURE]
        elif trained_on < certification.trained_on:
            errors["trained_on"] = [TRAINING_BEFORE_CURRENT]
    if errors:
        raise RuleViolation("validation_failed", errors=errors)
    trained = trained_on or certification.trained_on
    cap = add_years(trained, MAX_YEARS)
    if expires_on is not None:
        if expires_on <= certification.expires_on:
            errors["expires_on"] = [EXPIRY_NOT_EXTENDED]
        elif expires_on <= today:
            errors["expires_on"] = [EXPIRY_NOT_AFTER_TODAY]
        elif expires_on > cap:
            errors["expires_on"] = [EXPIRY_TOO_LATE]
    else:
        # One more year from today, or from the current expiry if that is later.
        expires_on = min(add_years(max(today, certification.expires_on), DEFAULT_YEARS), cap)
        if expires_on <= certification.expires_on or expires_on <= today:
            errors["trained_on"] = [NEEDS_NEW_TRAINING]
    if errors:
        raise RuleViolation("validation_failed", errors=errors)
    return trained, expires_on


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
    """History for the people concerned, and the audit log for oversight: together."""
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
    at = _now(now)
    expires_on = grant_terms(trained_on, expires_on, today_tokyo(at))
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
    try:
        # A concurrent grant for the same member loses on the partial unique index.
        with session.begin_nested():
            session.add(certification)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("certification_exists") from exc
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


def _for_coordinator(
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
    certification, coordinator, community = _for_coordinator(actor, certification_id)
    at = _now(now)
    previous = _terms(certification)
    trained, expires = renewal_terms(certification, trained_on, expires_on, today_tokyo(at))
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
    certification, coordinator, community = _for_coordinator(actor, certification_id)
    at = _now(now)
    certification.revoked_at = at
    certification.revoked_by_id = coordinator.id
    certification.revoke_reason = reason
    session.flush()
    _log(
        actor,
        coordinator,
        certification,
        community,
        action=REVOKED,
        at=at,
        details={"reason": reason},
    )
    return certification


# --- reads ----------------------------------------------------------------------------


def get_certification(actor: Actor, certification_id: uuid.UUID) -> Certification:
    return _visible(actor, certification_id)


def _filtered(
    stmt: Select[Certification], status: str | None, today: date | None
) -> Select[Certification]:
    if status is not None:
        stmt = stmt.where(status_condition(status, today or today_tokyo()))
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


def people_by_id(user_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, User]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


def community_names(community_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids = set(community_ids)
    if not ids:
        return {}
    rows = session.execute(select(Community.id, Community.name).where(Community.id.in_(ids)))
    return {row.id: row.name for row in rows}
