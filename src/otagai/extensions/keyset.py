"""Cursor (keyset) pagination over queries, and the one ``Page`` every list answers.

A cursor is the sort key of the last item returned, opaque to clients; keyset pages stay
fast at any depth and do not skip or repeat rows when new ones arrive. Every list cuts
its page with ``page_of`` (fetch ``limit + 1`` rows: the extra one says whether there is
a next page); ``paginate`` adds the keyset condition and order for the common case of
key columns, ascending or descending. (The request/response schemas are in
pagination.py.) No Flask here: domain services use this module.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from otagai.errors import RuleViolation
from otagai.extensions.db import session

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: ``{"items": [...], "next_cursor": str | null}`` to the API."""

    items: list[T]
    next_cursor: str | None

    def map(self, views: Callable[[list[T]], list[U]]) -> Page[U]:
        """The same page, its items turned into what the API shows (all at once, so the
        views can batch their lookups)."""
        return Page(views(self.items), self.next_cursor)


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


def page_of(rows: Sequence[T], limit: int, cursor_of: Callable[[T], list[Any]]) -> Page[T]:
    """Cut a page from rows fetched with ``limit + 1``: the first ``limit`` of them, and
    the cursor of the last one kept when there were more."""
    if len(rows) <= limit:
        return Page(list(rows), None)
    items = list(rows[:limit])
    return Page(items, encode_cursor(cursor_of(items[-1])))


# Cursor keys: each answers the values after which the next page starts, or 422.


def created_and_id(cursor: str) -> tuple[datetime, uuid.UUID]:
    """A (timestamp, id) key."""
    created, ident = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(created), uuid.UUID(ident)
    except (ValueError, TypeError, AttributeError) as exc:
        raise invalid_cursor() from exc


def aware_created_and_id(cursor: str) -> tuple[datetime, uuid.UUID]:
    """A (timestamp, id) key whose timestamp carries its UTC offset."""
    after = created_and_id(cursor)
    if after[0].tzinfo is None:
        raise invalid_cursor()
    return after


def one_id(cursor: str) -> tuple[uuid.UUID]:
    """An id alone."""
    value = decode_cursor(cursor, 1)[0]
    if not isinstance(value, str):
        raise invalid_cursor()
    try:
        return (uuid.UUID(value),)
    except ValueError as exc:
        raise invalid_cursor() from exc


def one_string(cursor: str) -> tuple[str]:
    """A string alone (e.g. a code)."""
    value = decode_cursor(cursor, 1)[0]
    if not isinstance(value, str):
        raise invalid_cursor()
    return (value,)


def _value(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, Mapping) else getattr(item, name)


def paginate(
    stmt: Select[Any],
    *,
    keys: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    limit: int,
    cursor: str | None,
    after: Callable[[str], Sequence[Any]] = created_and_id,
    descending: bool = False,
    mappings: bool = False,
) -> Page[Any]:
    """Page through ``stmt`` in the order of ``keys`` (unique together; all ascending or
    all descending), from the cursor ``after`` decodes. Items are the statement's entity,
    or its rows as mappings with ``mappings`` (columns that are not one mapped entity, e.g.
    a connection listed by the *other* user's id)."""
    if cursor:
        values = after(cursor)
        key, start = (keys[0], values[0]) if len(keys) == 1 else (tuple_(*keys), tuple_(*values))
        stmt = stmt.where(key < start if descending else key > start)
    order = [k.desc() for k in keys] if descending else list(keys)
    stmt = stmt.order_by(*order).limit(limit + 1)
    rows: list[Any] = (
        list(session.execute(stmt).mappings()) if mappings else list(session.scalars(stmt))
    )
    names = [_name(k) for k in keys]
    return page_of(rows, limit, lambda last: [_value(last, name) for name in names])


def _name(key: ColumnElement[Any] | InstrumentedAttribute[Any]) -> str:
    assert key.key is not None, "a cursor key must be a named column"
    return key.key
