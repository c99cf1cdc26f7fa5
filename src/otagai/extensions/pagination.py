"""Cursor (keyset) pagination: ``?limit=&cursor=`` in, ``{"items", "next_cursor"}`` out.

A cursor is the sort key of the last item returned, opaque to clients. Keyset pages stay
fast at any depth and do not skip or repeat rows when new ones arrive.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import marshmallow as ma
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from otagai.errors import RuleViolation
from otagai.extensions.db import session

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

T = TypeVar("T")


class PageQueryArgsSchema(ma.Schema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Items per page (1–{MAX_LIMIT})."},
    )
    cursor = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=200),
        metadata={"description": "next_cursor of the previous page."},
    )


_page_schemas: dict[type[ma.Schema], type[ma.Schema]] = {}


def page_schema(item: type[ma.Schema]) -> type[ma.Schema]:
    """``{"items": [item], "next_cursor": str | null}``, one class per item schema."""
    if item not in _page_schemas:
        name = item.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item] = type(
            name,
            (ma.Schema,),
            {
                "items": ma.fields.List(ma.fields.Nested(item), required=True),
                "next_cursor": ma.fields.String(
                    allow_none=True,
                    required=True,
                    metadata={
                        "description": "Pass as ?cursor= for the next page; null at the end."
                    },
                ),
            },
        )
    return _page_schemas[item]


def _encode(values: Sequence[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else str(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        ts, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(ts), uuid.UUID(ident)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise RuleViolation("invalid_cursor", errors={"cursor": ["Invalid value."]}) from exc


def paginate(
    stmt: Select[tuple[T]],
    *,
    created: InstrumentedAttribute[datetime],
    ident: InstrumentedAttribute[uuid.UUID],
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """Page through ``stmt`` in (created, id) order."""
    if cursor:
        after = _decode(cursor)
        stmt = stmt.where(tuple_(created, ident) > tuple_(*after))
    rows = list(session.scalars(stmt.order_by(created, ident).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode([getattr(last, created.key), getattr(last, ident.key)])
    return {"items": rows, "next_cursor": next_cursor}
