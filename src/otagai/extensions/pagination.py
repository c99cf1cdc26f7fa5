"""Pagination as the API shows it: ``?limit=&cursor=`` in, ``{"items", "next_cursor"}``
out. The queries behind it are in keyset.py."""

from __future__ import annotations

import marshmallow as ma

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


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
