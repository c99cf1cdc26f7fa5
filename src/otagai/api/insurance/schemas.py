"""Request and response bodies of /v1/insurance-policies."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from otagai.api.common import StrictSchema, text
from otagai.domain.people.ages import MAX_CHILD_AGE
from otagai.domain.requests.models import KINDS
from otagai.extensions.pagination import PageQueryArgsSchema

# Limits are per-incident amounts in JPY under keys naming what they cover.
LIMIT_KEY = r"^[a-z][a-z0-9_]{0,59}_jpy\Z"
MAX_LIMIT_JPY = 10**13
MAX_LIMITS = 20


class KindsField(ma.fields.List):
    """A non-empty set of request kinds, answered in the canonical order."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            ma.fields.String(validate=ma.validate.OneOf(KINDS)),
            validate=ma.validate.Length(min=1, max=len(KINDS)),
            metadata={
                "description": "Kinds covered (non-empty subset of " + ", ".join(KINDS) + ")."
            },
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any | None]:
        kinds = set(super()._deserialize(value, attr, data, **kwargs))
        return [k for k in KINDS if k in kinds]


def _age(**kwargs: Any) -> ma.fields.Integer:
    return ma.fields.Integer(
        strict=True, validate=ma.validate.Range(min=0, max=MAX_CHILD_AGE), **kwargs
    )


def _limits(**kwargs: Any) -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=ma.fields.String(
            validate=ma.validate.Regexp(LIMIT_KEY, error="Must be snake_case ending in _jpy.")
        ),
        values=ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=MAX_LIMIT_JPY)),
        validate=ma.validate.Length(max=MAX_LIMITS),
        metadata={
            "description": "Per-incident limits in JPY (non-negative integers), under keys "
            "in snake_case ending in _jpy.",
            # OpenAPI 3.0 has no propertyNames.
            "x-key-pattern": LIMIT_KEY,
        },
        **kwargs,
    )


class PolicyCreateSchema(StrictSchema):
    insurer = text(max_length=100, required=True, metadata={"example": "お互いさま損害保険"})
    policy_number = text(max_length=64, required=True, metadata={"example": "OTG-2026-0001"})
    name = text(max_length=100, required=True, metadata={"example": "子育てシェア賠償責任保険"})
    valid_from = ma.fields.Date(required=True)
    valid_to = ma.fields.Date(
        required=True, metadata={"description": "Last day of cover (inclusive); after valid_from."}
    )
    kinds = KindsField(required=True)
    min_child_age = _age(
        load_default=1, metadata={"description": "Youngest age covered (inclusive), default 1."}
    )
    max_child_age = _age(
        load_default=18, metadata={"description": "Oldest age covered (inclusive), default 18."}
    )
    limits = _limits(load_default=dict)


class PolicyUpdateSchema(StrictSchema):
    """Only the fields to change; the others are copied from the latest version."""

    insurer = text(max_length=100)
    policy_number = text(max_length=64)
    name = text(max_length=100)
    valid_from = ma.fields.Date()
    valid_to = ma.fields.Date()
    kinds = KindsField()
    min_child_age = _age()
    max_child_age = _age()
    limits = _limits()


class PolicyVersionQueryArgsSchema(ma.Schema):
    version = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "A given version; the latest when absent."},
    )


class PolicyListQueryArgsSchema(PageQueryArgsSchema):
    pass


class PolicySchema(ma.Schema):
    id = ma.fields.UUID(
        metadata={"description": "The policy id, the same in every version."}, required=True
    )
    version = ma.fields.Integer(required=True)
    insurer = ma.fields.String(required=True)
    policy_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    valid_from = ma.fields.Date(required=True)
    valid_to = ma.fields.Date(
        metadata={"description": "Last day of cover (inclusive)."}, required=True
    )
    kinds = ma.fields.List(ma.fields.String(metadata={"enum": list(KINDS)}), required=True)
    min_child_age = ma.fields.Integer(required=True)
    max_child_age = ma.fields.Integer(required=True)
    limits = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    created_by_id = ma.fields.UUID(allow_none=True, required=True)
