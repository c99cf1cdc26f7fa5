"""Bodies of /v1/audit-log."""

from __future__ import annotations

import marshmallow as ma

from otagai.extensions.pagination import PageQueryArgsSchema


class AuditQueryArgsSchema(PageQueryArgsSchema):
    community_id = ma.fields.UUID(metadata={"description": "Only entries about this community."})
    action = ma.fields.String(
        validate=ma.validate.Length(min=1, max=64),
        metadata={"example": "coordinator.appoint", "description": "Only this action."},
    )


class AuditEntrySchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    actor_user_id = ma.fields.UUID(
        allow_none=True,
        metadata={"description": "Null when the actor has no profile."},
        required=True,
    )
    actor_role = ma.fields.String(metadata={"enum": ["operator", "coordinator"]}, required=True)
    action = ma.fields.String(metadata={"example": "community.create"}, required=True)
    target_type = ma.fields.String(metadata={"example": "community"}, required=True)
    target_id = ma.fields.String(required=True)
    community_id = ma.fields.UUID(allow_none=True, required=True)
    municipality_code = ma.fields.String(allow_none=True, required=True)
    details = ma.fields.Dict(keys=ma.fields.String(), required=True)
