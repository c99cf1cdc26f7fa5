"""Request and response bodies of matches (成立), with the insurance tag they carry."""

from __future__ import annotations

import marshmallow as ma

from otagai.api.common import PersonSchema, StrictSchema, reason_field
from otagai.domain.insurance.coverage import REASONS
from otagai.domain.matches.models import CANCELLED, COMPLETED, CONFIRMED


class MatchCancelSchema(StrictSchema):
    reason = reason_field("子どもが熱を出したため、今日はお休みします。")


# --- answers -----------------------------------------------------------------------------


class InsuredChildSchema(ma.Schema):
    child_id = ma.fields.String(metadata={"format": "uuid"})
    age_on_activity_date = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "Completed years on the activity day (Asia/Tokyo)."},
    )
    covered = ma.fields.Boolean()


POLICY_FIELD = "Null when no policy applies."


class InsuranceTagSchema(ma.Schema):
    """The insurance coverage tag: stored on a match when it is confirmed, never recomputed."""

    covered = ma.fields.Boolean()
    policy_id = ma.fields.String(allow_none=True, metadata={"description": POLICY_FIELD})
    policy_version = ma.fields.Integer(allow_none=True, metadata={"description": POLICY_FIELD})
    policy_name = ma.fields.String(allow_none=True, metadata={"description": POLICY_FIELD})
    policy_number = ma.fields.String(allow_none=True, metadata={"description": POLICY_FIELD})
    kinds = ma.fields.List(
        ma.fields.String(),
        allow_none=True,
        metadata={"description": "Kinds the policy covers. " + POLICY_FIELD},
    )
    limits = ma.fields.Dict(
        keys=ma.fields.String(),
        allow_none=True,
        metadata={"description": "The policy's limits (JPY). " + POLICY_FIELD},
    )
    computed_at = ma.fields.String(metadata={"format": "date-time"})
    children = ma.fields.List(ma.fields.Nested(InsuredChildSchema))
    reasons = ma.fields.List(
        ma.fields.String(metadata={"enum": list(REASONS)}),
        metadata={"description": "Why it is not (fully) covered; empty when covered."},
    )


class MatchSchema(ma.Schema):
    id = ma.fields.UUID()
    request_id = ma.fields.UUID()
    offer_id = ma.fields.UUID()
    requester_id = ma.fields.UUID()
    supporter_id = ma.fields.UUID()
    requester = ma.fields.Nested(PersonSchema)
    supporter = ma.fields.Nested(PersonSchema)
    status = ma.fields.String(metadata={"enum": [CONFIRMED, COMPLETED, CANCELLED]})
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    insurance = ma.fields.Nested(InsuranceTagSchema)
    created_at = ma.fields.AwareDateTime()
    completed_at = ma.fields.AwareDateTime(allow_none=True)
    cancelled_at = ma.fields.AwareDateTime(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True)
