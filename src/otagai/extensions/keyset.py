"""Cursor (keyset) pagination over queries. A cursor is the sort key of the last item
returned, opaque to clients; keyset pages stay fast at any depth and do not skip or
repeat rows when new ones arrive. (The request/response schemas are in pagination.py.)"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Subquery, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from otagai.errors import RuleViolation
from otagai.extensions.db import session


def invalid_cursor() -> RuleViolation:
    return RuleViolation("invalid_cursor", errors={"cursor": ["Invalid value."]})


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(
        [
            v.isoformat() if isinstance(v, datetime) else v if isinstance(v, int) else str(v)
            for v in values
        ]
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    """The JSON values of a cursor (422 invalid_cursor unless there are ``length``)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise invalid_cursor() from exc
    if not isinstance(values, list) or len(values) != length:
        raise invalid_cursor()
    return values


def _created_and_id(cursor: str) -> tuple[datetime, uuid.UUID]:
    created, ident = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(created), uuid.UUID(ident)
    except (ValueError, TypeError, AttributeError) as exc:
        raise invalid_cursor() from exc


def paginate(
    stmt: Select[Any],
    *,
    created: InstrumentedAttribute[datetime],
    ident: InstrumentedAttribute[uuid.UUID],
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """Page through ``stmt`` (one entity) in (created, id) order."""
    if cursor:
        stmt = stmt.where(tuple_(created, ident) > tuple_(*_created_and_id(cursor)))
    rows = list(session.scalars(stmt.order_by(created, ident).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, created.key), getattr(last, ident.key)])
    return {"items": rows, "next_cursor": next_cursor}


def paginate_rows(
    rows: Subquery, *, created: str, ident: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """``paginate`` for rows that are not one mapped entity (e.g. a connection listed by
    the *other* user's id): keyset over two of the subquery's columns, items as mappings."""
    key = (rows.c[created], rows.c[ident])
    stmt = select(rows)
    if cursor:
        stmt = stmt.where(tuple_(*key) > tuple_(*_created_and_id(cursor)))
    items = list(session.execute(stmt.order_by(*key).limit(limit + 1)).mappings())
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = encode_cursor([items[-1][created], items[-1][ident]])
    return {"items": items, "next_cursor": next_cursor}
