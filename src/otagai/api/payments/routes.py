"""Payout accounts (Stripe Connect Express) and Stripe's webhook endpoint."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, request

from otagai.api.payments.schemas import (
    OnboardingLinkSchema,
    PayoutAccountSchema,
    WebhookAnswerSchema,
)
from otagai.config import Settings
from otagai.domain.payments import payouts
from otagai.domain.payments.views import payout_view
from otagai.domain.thanks import webhooks
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.limits import limited
from otagai.integrations.stripe_gateway import gateway

blp = Blueprint("payments", __name__, description="Payout accounts for card thank-yous")
webhook_blp = Blueprint(
    "stripe_webhooks", __name__, public=True, description="Stripe's signed webhooks"
)


def _onboarding_urls() -> tuple[str, str]:
    settings: Settings = current_app.config["OTAGAI"]
    root = request.host_url
    return (
        settings.stripe_connect_return_url or f"{root}payout-account/return",
        settings.stripe_connect_refresh_url or f"{root}payout-account/refresh",
    )


@blp.route("/me/payout-account")
class PayoutAccountViews(Resource):
    @blp.response(200, PayoutAccountSchema)
    @blp.problem(403, "Create your profile first.")
    def get(self) -> dict[str, Any]:
        """My payout account's readiness

        Whether card thank-yous can be paid to me (`status` `ready`).
        """
        return payout_view(payouts.my_payout_account(current_actor()))

    # 200, not 201: the call is safe to repeat (one account per user, a fresh link each
    # time), so it needs no Idempotency-Key.
    @blp.response(200, OnboardingLinkSchema)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(
        503,
        "Card payments are not configured (`card_payments_unavailable`), or Stripe did "
        "not answer (`payment_provider_unavailable`; retry later).",
    )
    def post(self) -> dict[str, Any]:
        """Start or continue payout onboarding (Stripe Connect)

        Makes my Stripe Express account on the first call, and answers a fresh, single-use
        onboarding link each time (they expire within minutes: ask again when one does).
        Stripe tells us by webhook when the account is ready to receive card thank-yous.
        """
        return_url, refresh_url = _onboarding_urls()
        onboarding = payouts.start_onboarding(
            current_actor(), return_url=return_url, refresh_url=refresh_url
        )
        return {
            "url": onboarding.link.url,
            "expires_at": datetime.fromtimestamp(onboarding.link.expires_at, UTC),
            "account": payout_view(onboarding.account),
        }


@webhook_blp.route("/webhooks/stripe")
class StripeWebhookViews(Resource):
    @limited(webhook_blp, "stripe-webhook")
    @webhook_blp.response(200, WebhookAnswerSchema)
    @webhook_blp.problem(
        400,
        "The Stripe-Signature header is missing, stale or wrong "
        "(`invalid_webhook_signature`), or the signed body is not an event "
        "(`invalid_webhook_payload`).",
    )
    @webhook_blp.problem(503, "Card payments are not configured (`card_payments_unavailable`).")
    def post(self) -> dict[str, Any]:
        """Stripe's webhook (signed)

        For Stripe only: the body must carry a valid `Stripe-Signature` for the endpoint
        secret. `payment_intent.succeeded` / `payment_intent.payment_failed` settle card
        thank-yous and `account.updated` keeps payout readiness current. Replays answer
        200 `duplicate`; other event types 200 `ignored`.
        """
        event = gateway().verified_event(
            request.get_data(cache=True), request.headers.get("Stripe-Signature")
        )
        return {"received": True, "outcome": webhooks.handle_event(event)}
