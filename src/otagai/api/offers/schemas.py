"""Request and response bodies of offers."""

from __future__ import annotations

import marshmallow as ma

from otagai.api.common import PersonSchema, StrictSchema, text
from otagai.api.matches.schemas import InsuranceTagSchema
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


class OfferSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    request_id = ma.fields.UUID(required=True)
    supporter = ma.fields.Nested(PersonSchema, required=True)
    background_check_confirmed = ma.fields.Boolean(
        metadata={
            "description": "The supporter's certification in the request's community, valid "
            "on its day, has a criminal-record check confirmed by a coordinator (never "
            "which, when or by whom)."
        },
        required=True,
    )
    note = ma.fields.String(allow_none=True, required=True)
    status = ma.fields.String(
        metadata={
            "enum": list(OFFER_STATUSES),
            "description": "On an expired request an offer still pending reads as declined.",
        },
        required=True,
    )
    created_at = ma.fields.AwareDateTime(required=True)
    decided_at = ma.fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "When it was accepted, declined or withdrawn."},
        required=True,
    )
    insurance_preview = ma.fields.Nested(
        InsuranceTagSchema,
        allow_none=True,
        metadata={
            "description": "In the requester's list only: the insurance tag accepting this "
            "offer would give now (null unless the offer is pending)."
        },
    )
