"""Request and response bodies of thank-yous."""

from __future__ import annotations

import marshmallow as ma

from otagai.api.common import StrictInteger, StrictSchema
from otagai.api.share_requests.schemas import RecommendedThankYouSchema
from otagai.domain.thanks.models import MAX_AMOUNT_JPY, METHODS, STATUSES


class ThankYouCreateSchema(StrictSchema):
    amount_jpy = StrictInteger(
        required=True,
        validate=ma.validate.Range(min=0, max=MAX_AMOUNT_JPY),
        metadata={"description": "A JSON integer, 0 to 100,000 (JPY).", "example": 1000},
    )
    method = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(METHODS),
        metadata={
            "example": "cash",
            "description": "`card` needs the supporter's payout account to be ready and "
            "at least 50 JPY; it is refused with 503 `card_payments_unavailable` where "
            "card payments are not configured.",
        },
    )


class CardPaymentSchema(ma.Schema):
    payment_intent_id = ma.fields.String(metadata={"example": "pi_3QabcDEF"}, required=True)
    client_secret = ma.fields.String(
        metadata={"description": "For Stripe's payment sheet in the app; keep it private."},
        required=True,
    )


class ThankYouSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    match_id = ma.fields.UUID(required=True)
    amount_jpy = ma.fields.Integer(required=True)
    method = ma.fields.String(metadata={"enum": list(METHODS)}, required=True)
    status = ma.fields.String(
        metadata={
            "enum": list(STATUSES),
            "description": "cash: recorded → acknowledged (by the supporter); "
            "card: pending_payment → paid | failed.",
        },
        required=True,
    )
    created_at = ma.fields.AwareDateTime(required=True)
    acknowledged_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    paid_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    payment = ma.fields.Nested(
        CardPaymentSchema,
        allow_none=True,
        metadata={
            "description": "Card only, and only in the answer to the requester who records "
            "or pays: the PaymentIntent to pay."
        },
        required=True,
    )
    recommended_thank_you = ma.fields.Nested(
        RecommendedThankYouSchema,
        allow_none=True,
        metadata={
            "description": "The recommended range for the match's request: 500–700 JPY "
            "per started hour for pickup and babysitting; null for lending."
        },
        required=True,
    )
