"""Request and response bodies of /v1/insurance-claims."""

from __future__ import annotations

import marshmallow as ma

from otagai.api.common import PersonSchema, StrictSchema, text
from otagai.domain.insurance.models import CLAIM_STATUSES
from otagai.domain.requests.models import KINDS
from otagai.extensions.pagination import PageQueryArgsSchema


class ClaimQueryArgsSchema(PageQueryArgsSchema):
    status = ma.fields.String(
        validate=ma.validate.OneOf(CLAIM_STATUSES),
        load_default=None,
        metadata={"description": "Only claims in this status."},
    )


class ClaimUpdateSchema(StrictSchema):
    """Only the fields to change."""

    status = ma.fields.String(
        validate=ma.validate.OneOf(CLAIM_STATUSES),
        metadata={
            "description": "open → submitted → closed, or rejected (from open or "
            "submitted); closed and rejected are final."
        },
    )
    insurer_reference = text(
        max_length=100,
        allow_none=True,
        metadata={"example": "事故受付番号 2026-123456", "description": "The insurer's number."},
    )
    note = text(max_length=2000, allow_none=True, multiline=True)


class ClaimSchema(ma.Schema):
    """An insurance claim, tied to the coverage tag its match was confirmed with."""

    id = ma.fields.UUID(required=True)
    match_id = ma.fields.UUID(required=True)
    status = ma.fields.String(metadata={"enum": list(CLAIM_STATUSES)}, required=True)
    opened_at = ma.fields.AwareDateTime(
        required=True, metadata={"description": "When the report first told of the incident."}
    )
    kind = ma.fields.String(metadata={"enum": list(KINDS)}, required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    supporter = ma.fields.Nested(PersonSchema, required=True)
    requester = ma.fields.Nested(PersonSchema, required=True)
    policy_id = ma.fields.UUID(
        allow_none=True,
        required=True,
        metadata={"description": "From the match's tag; null when no policy applied."},
    )
    policy_version = ma.fields.Integer(allow_none=True, required=True)
    policy_name = ma.fields.String(allow_none=True, required=True)
    policy_number = ma.fields.String(allow_none=True, required=True)
    covered = ma.fields.Boolean(
        required=True, metadata={"description": "Whether the tag said the match was covered."}
    )
    covered_child_ids = ma.fields.List(
        ma.fields.UUID(),
        required=True,
        metadata={"description": "The children the tag covered."},
    )
    incident_text = ma.fields.String(
        required=True,
        metadata={
            "description": "The supporter's words; follows their redrafts while the claim is open."
        },
    )
    insurer_reference = ma.fields.String(allow_none=True, required=True)
    note = ma.fields.String(allow_none=True, required=True)
    updated_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    updated_by_id = ma.fields.UUID(allow_none=True, required=True)
