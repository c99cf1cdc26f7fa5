"""Background checks on certifications: a coordinator records that a criminal-record
check was confirmed for a certified supporter of their community — under the Japanese
DBS (こども性暴力防止法, whose checks start on 2026-12-25) or an equivalent they saw —
and may withdraw it.

Only the fact is stored (the scheme, the day it was confirmed, the coordinator and when
they recorded it): no certificate, no content, no document. A community may require one
for babysitting (``Community.require_background_check_for_babysitting``): there a
babysitting certification without a confirmed check does not make its holder a certified
candidate (``counts_for_kind`` below, which candidate search and the feed apply). Views
for anybody but the community's coordinators and the supporter show only whether a check
is confirmed.

A check belongs to its certification: renewing keeps it, a new certification after a
revocation starts without one, and deleting the account erases it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.sql.elements import SQLCoreOperations

from otagai.domain import clock
from otagai.domain.actors import Actor
from otagai.domain.trust.certifications import audit_certification, for_coordinator
from otagai.domain.trust.models import BABYSITTING, JP_DBS, Certification
from otagai.errors import NotFound, RuleViolation
from otagai.extensions.db import session

# The first day a check under the Japanese DBS can have been confirmed.
JP_DBS_STARTS_ON = date(2026, 12, 25)

# Field messages (English; Japanese in otagai.messages.certifications.FIELD_MESSAGES_JA).
IN_FUTURE = "Must not be in the future."
BEFORE_JP_DBS = "The Japanese DBS starts on 2026-12-25: use equivalent for an earlier check."
SELF_CHECK = "Another coordinator must confirm your own check."


# --- the rule -------------------------------------------------------------------------


def check_confirmed() -> ColumnElement[bool]:
    """The certification row has a confirmed check (read off the row itself)."""
    return Certification.background_check_scheme.is_not(None)


def counts_for_kind(
    kind: SQLCoreOperations[str], required_here: ColumnElement[bool]
) -> ColumnElement[bool]:
    """THE rule, in SQL (candidate search and the feed both apply it): a certification
    row counts for ``kind`` in a community whose setting is ``required_here`` unless the
    kind is babysitting, the setting is on and the row has no confirmed check."""
    return or_(kind != BABYSITTING, ~required_here, check_confirmed())


def check_terms(scheme: str, confirmed_on: date, today: date) -> None:
    """422 with a message per field, unless ``confirmed_on`` can be the day a check under
    ``scheme`` was confirmed."""
    if confirmed_on > today:
        raise RuleViolation("validation_failed", errors={"confirmed_on": [IN_FUTURE]})
    if scheme == JP_DBS and confirmed_on < JP_DBS_STARTS_ON:
        raise RuleViolation("validation_failed", errors={"confirmed_on": [BEFORE_JP_DBS]})


# --- recording and withdrawing --------------------------------------------------------


def confirm_background_check(
    actor: Actor,
    certification_id: uuid.UUID,
    *,
    scheme: str,
    confirmed_on: date,
    now: datetime | None = None,
) -> Certification:
    """Record (or replace) the confirmed check of a live certification of my community."""
    certification, coordinator, community = for_coordinator(actor, certification_id)
    at = clock.now(now)
    check_terms(scheme, confirmed_on, clock.today_tokyo(at))
    if certification.user_id == coordinator.id:
        raise RuleViolation("self_background_check", errors={"scheme": [SELF_CHECK]})
    previous = certification.background_check_scheme is not None
    certification.background_check_scheme = scheme
    certification.background_check_confirmed_on = confirmed_on
    certification.background_check_confirmed_by_id = coordinator.id
    certification.background_check_recorded_at = at
    session.flush()
    details: dict[str, object] = {"scheme": scheme, "confirmed_on": confirmed_on.isoformat()}
    audit_certification(
        actor,
        certification,
        community,
        "background_check_confirm",
        {**details, "replaced": previous},
    )
    return certification


def _clear(certification: Certification) -> None:
    certification.background_check_scheme = None
    certification.background_check_confirmed_on = None
    certification.background_check_confirmed_by_id = None
    certification.background_check_recorded_at = None


def withdraw_background_check(actor: Actor, certification_id: uuid.UUID) -> None:
    """Withdraw the check of a live certification of my community (404 when none)."""
    certification, _coordinator, community = for_coordinator(actor, certification_id)
    if certification.background_check_scheme is None:
        raise NotFound("background_check_not_found")
    details: dict[str, object] = {
        "scheme": certification.background_check_scheme,
        "confirmed_on": str(certification.background_check_confirmed_on),
    }
    _clear(certification)
    session.flush()
    audit_certification(actor, certification, community, "background_check_withdraw", details)


def forget_background_checks(user_id: uuid.UUID) -> None:
    """The account is deleted: its certifications (revoked ones too) keep no check."""
    session.execute(
        update(Certification)
        .where(Certification.user_id == user_id, check_confirmed())
        .values(
            background_check_scheme=None,
            background_check_confirmed_on=None,
            background_check_confirmed_by_id=None,
            background_check_recorded_at=None,
        )
        .execution_options(synchronize_session="fetch")
    )


# --- reads ----------------------------------------------------------------------------


def confirmed_supporters(
    user_ids: Iterable[uuid.UUID], community_id: uuid.UUID, day: date
) -> set[uuid.UUID]:
    """Those of ``user_ids`` whose certification in the community, valid on ``day``, has
    a confirmed check: what offer views show, as a yes or no."""
    ids = set(user_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Certification.user_id).where(
                and_(
                    Certification.user_id.in_(ids),
                    Certification.community_id == community_id,
                    Certification.valid_on(day),
                    check_confirmed(),
                )
            )
        )
    )
