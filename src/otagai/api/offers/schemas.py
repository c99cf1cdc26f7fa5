"""Request and response bodies of offers and matches (成立)."""

from __future__ import annotations

import marshmallow as ma

from otagai.api.common import PersonSchema, StrictSchema, text
from otagai.domain.insurance.coverage import REASONS
from otagai.domain.matches.models import CANCELLED, COMPLETED, CONFIRMED
from otagai.domain.sharing.offers import OFFER_STATUSES
from otagai.extensions.pagination import PageQueryArgsSchema


class OfferCreateSchema(StrictSchema):
    note = text(
        max_length=1000,
        allow_none=True,
        multiline=True,
        metadata={"example": "17時なら保育園の近くにいるのでお迎えできます。"},
    )


class OffersQueryArgsSchema(PageQueryArgsSchema):
    status = ma.fields.String(
        validate=ma.validate.OneOf(OFFER_STATUSES),
        metadata={
            "description": "Effective status: on an expired request, offers still pending "
            "read as declined."
        },
    )


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


class OfferSchema(ma.Schema):
    id = ma.fields.UUID()
    request_id = ma.fields.UUID()
    supporter = ma.fields.Nested(PersonSchema)
    note = ma.fields.String(allow_none=True)
    status = ma.fields.String(
        metadata={
            "enum": list(OFFER_STATUSES),
            "description": "On an expired request an offer still pending reads as declined.",
        }
    )
    created_at = ma.fields.AwareDateTime()
    decided_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "When it was accepted, declined or withdrawn."}
    )
    insurance_preview = ma.fields.Nested(
        InsuranceTagSchema,
        allow_none=True,
        metadata={
            "description": "In the requester's list only: the insurance tag accepting this "
            "offer would give now (null unless the offer is pending)."
        },
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
