"""Bodies of payout-account onboarding and the Stripe webhook's answer."""

from __future__ import annotations

import marshmallow as ma

from otagai.domain.payments.payouts import NOT_STARTED, ONBOARDING, READY, VERIFYING


class PayoutAccountSchema(ma.Schema):
    status = ma.fields.String(
        metadata={
            "enum": [NOT_STARTED, ONBOARDING, VERIFYING, READY],
            "description": "`ready`: card thank-yous can be paid to this user. "
            "`verifying`: details are in, Stripe is still checking them. "
            "`onboarding`: details are missing; open a new onboarding link.",
        },
        required=True,
    )
    details_submitted = ma.fields.Boolean(required=True)
    charges_enabled = ma.fields.Boolean(required=True)
    payouts_enabled = ma.fields.Boolean(required=True)


class OnboardingLinkSchema(ma.Schema):
    url = ma.fields.String(
        metadata={"description": "Stripe's single-use onboarding page; open it in a browser."},
        required=True,
    )
    expires_at = ma.fields.AwareDateTime(required=True)
    account = ma.fields.Nested(PayoutAccountSchema, required=True)


class WebhookAnswerSchema(ma.Schema):
    received = ma.fields.Boolean(required=True)
    outcome = ma.fields.String(
        metadata={"enum": ["processed", "duplicate", "ignored"]}, required=True
    )
