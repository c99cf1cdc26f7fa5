"""Authorised adults: who, besides its parents, may collect a child (祖母, a neighbour).
Managed by the child's household and shown to nobody else: not to the supporter, not on
the pickup pass. Services flush; the request commits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select

from otagai.domain import clock
from otagai.domain.actors import Actor
from otagai.domain.locks import locked
from otagai.domain.people.models import AuthorisedAdult, Child
from otagai.domain.people.services import get_child
from otagai.errors import NotFound, RuleViolation
from otagai.extensions.db import session

# Enough for grandparents, a neighbour or two and a sitter; a list longer than this is no
# longer one a nursery can check against.
MAX_PER_CHILD = 10


def adults_query(actor: Actor, child_id: uuid.UUID) -> Any:
    """The child's authorised adults (404 ``child_not_found`` for anyone outside the
    household, exactly as the child itself)."""
    child = get_child(actor, child_id)
    return select(AuthorisedAdult).where(AuthorisedAdult.child_id == child.id)


def add_authorised_adult(
    actor: Actor, child_id: uuid.UUID, *, name: str, relation: str
) -> AuthorisedAdult:
    child = get_child(actor, child_id)
    # Two parents adding at once must not both pass the cap, nor one add to a child the
    # other is removing: the child's row, locked and read afresh.
    fresh = locked(Child, child.id)
    if fresh is None or fresh.deleted_at is not None:
        raise NotFound("child_not_found")
    count = session.scalar(
        select(func.count())
        .select_from(AuthorisedAdult)
        .where(AuthorisedAdult.child_id == child.id)
    )
    if (count or 0) >= MAX_PER_CHILD:
        raise RuleViolation("too_many_authorised_adults")
    # Stamped by Python, not now(): several added in one transaction keep their order.
    adult = AuthorisedAdult(child_id=child.id, name=name, relation=relation, created_at=clock.now())
    session.add(adult)
    session.flush()
    return adult


def remove_authorised_adult(actor: Actor, child_id: uuid.UUID, adult_id: uuid.UUID) -> None:
    child = get_child(actor, child_id)
    removed = session.execute(
        delete(AuthorisedAdult)
        .where(AuthorisedAdult.id == adult_id, AuthorisedAdult.child_id == child.id)
        .returning(AuthorisedAdult.id)
    ).first()
    # Another child's adult (even of the same household) is not found under this child.
    if removed is None:
        raise NotFound("authorised_adult_not_found")
