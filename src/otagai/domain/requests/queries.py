"""Reads about requests that several modules need, and the lock on a request's row."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from otagai.domain.locks import locked
from otagai.domain.people.models import Child
from otagai.domain.requests.models import ShareRequest, ShareRequestChild
from otagai.extensions.db import session


def request_children(request_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Child]]:
    """The live children of each request (a child removed since is not there any more)."""
    ids = set(request_ids)
    out: dict[uuid.UUID, list[Child]] = defaultdict(list)
    if not ids:
        return out
    rows = session.execute(
        select(ShareRequestChild.request_id, Child)
        .join(Child, Child.id == ShareRequestChild.child_id)
        .where(ShareRequestChild.request_id.in_(ids), Child.deleted_at.is_(None))
        .order_by(Child.birth_date, Child.id)
    )
    for request_id, child in rows:
        out[request_id].append(child)
    return out


def lock_request(request_id: uuid.UUID, *, shared: bool = False) -> ShareRequest | None:
    """The request row, locked for the rest of the transaction and read afresh. Every
    change to a request's offers and its match holds it first (sharing/offers.py)."""
    return locked(ShareRequest, request_id, shared=shared)
