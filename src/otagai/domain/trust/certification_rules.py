"""The terms of a certification: how long it runs when granted or renewed, and its status
on a day.

Whether a certification holds on a day is ``Certification.valid_on`` and nothing else:
the status read here, the list filters, matching and statistics all ask it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, and_, not_, select
from sqlalchemy.sql.elements import SQLCoreOperations

from otagai.domain.trust.models import KINDS, Certification
from otagai.errors import RuleViolation

# A certification runs one year from training unless the coordinator says otherwise, and
# never more than three: after that the supporter takes the training again.
DEFAULT_YEARS = 1
MAX_YEARS = 3

STATUS_ACTIVE = "active"
STATUS_EXPIRED = "expired"
STATUS_REVOKED = "revoked"
STATUSES = (STATUS_ACTIVE, STATUS_EXPIRED, STATUS_REVOKED)

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


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (or earlier); 29 February becomes the 28th,
    so a certification never runs longer than its term."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


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
