"""Thank-yous (謝礼) of a match: recording, paying by card, acknowledging."""

from __future__ import annotations

import uuid
from typing import Any

from otagai.api.thanks.schemas import ThankYouCreateSchema, ThankYouSchema
from otagai.domain.thanks import services as thanks
from otagai.domain.thanks.models import ThankYou
from otagai.domain.thanks.views import recorded_view, thank_you_views
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent
from otagai.extensions.keyset import Page, paginate
from otagai.extensions.pagination import PageQueryArgsSchema, page_schema

blp = Blueprint("thanks", __name__, description="Thank-yous (謝礼)")

MATCH_NOT_VISIBLE = "No such match, or you are not a party to it."


@blp.route("/matches/<uuid:match_id>/thank-yous")
class MatchThankYousViews(Resource):
    @idempotent
    @blp.arguments(
        ThankYouCreateSchema,
        examples={
            "cash": {"value": {"amount_jpy": 1000, "method": "cash"}},
            "card": {"value": {"amount_jpy": 1400, "method": "card"}},
            "nothing": {"value": {"amount_jpy": 0, "method": "cash"}},
        },
    )
    @blp.response(201, ThankYouSchema)
    @blp.problem(403, "Only the requester may record the thank-you (or no profile).")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    @blp.problem(
        409,
        "The match was cancelled (`match_cancelled`), it already has a thank-you "
        "(`thank_you_exists`), the supporter has no payout account ready for card "
        "(`supporter_cannot_receive_card`), or an earlier card payment went through "
        "(`thank_you_payment_succeeded`).",
    )
    @blp.problem(
        422,
        "amount_jpy is not a JSON integer from 0 to 100,000, method is not cash or card, "
        "a card amount is below 50 JPY (`card_amount_below_minimum`), or the "
        "Idempotency-Key was used with another request.",
    )
    @blp.problem(
        503,
        "Card payments are not configured (`card_payments_unavailable`), or Stripe did "
        "not answer (`payment_provider_unavailable`; nothing was recorded, retry later).",
    )
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """Record the thank-you (謝礼)

        The requester records what they give the supporter, once the match is confirmed
        (or completed). One thank-you per match. The answer shows the recommended range
        beside it. Cash is `recorded` until the supporter acknowledges it. Card is
        `pending_payment` with a Stripe PaymentIntent (JPY, paid to the supporter's
        payout account in full, no platform fee): pay it with `payment.client_secret`;
        it becomes `paid` or `failed` when Stripe's webhook says so.
        """
        recorded = thanks.record_thank_you(
            current_actor(), match_id, amount_jpy=data["amount_jpy"], method=data["method"]
        )
        return recorded_view(recorded)

    @blp.arguments(PageQueryArgsSchema, location="query")
    @blp.response(200, page_schema(ThankYouSchema))
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    def get(self, args: dict[str, Any], match_id: uuid.UUID) -> Page[dict[str, Any]]:
        """A match's thank-yous, oldest first

        For the parties to the match (and the requester's household).
        """
        page = paginate(
            thanks.match_thank_yous(current_actor(), match_id),
            keys=[ThankYou.created_at, ThankYou.id],
            limit=args["limit"],
            cursor=args["cursor"],
        )
        return page.map(thank_you_views)


@blp.route("/thank-yous/<uuid:thank_you_id>/payment")
class ThankYouPaymentViews(Resource):
    @blp.response(200, ThankYouSchema)
    @blp.problem(403, "Only the requester pays (or no profile).")
    @blp.problem(404, "No such thank-you, or you are not a party to its match.")
    @blp.problem(
        409,
        "Not a card thank-you (`thank_you_not_card`), already paid "
        "(`thank_you_already_paid`), its payment was cancelled "
        "(`thank_you_payment_cancelled`), or a later thank-you replaced it "
        "(`thank_you_exists`).",
    )
    @blp.problem(
        503,
        "Card payments are not configured (`card_payments_unavailable`), or Stripe did "
        "not answer (`payment_provider_unavailable`).",
    )
    def post(self, thank_you_id: uuid.UUID) -> dict[str, Any]:
        """Pay a card thank-you again

        For a card thank-you that is still `pending_payment` (the app lost the client
        secret) or `failed` (the card was declined; it goes back to `pending_payment`):
        answers the same PaymentIntent's client secret. Never a second PaymentIntent, so
        never a second charge.
        """
        recorded = thanks.resume_card_payment(current_actor(), thank_you_id)
        return recorded_view(recorded)


@blp.route("/thank-yous/<uuid:thank_you_id>/acknowledge")
class ThankYouAcknowledgeViews(Resource):
    @blp.response(200, ThankYouSchema)
    @blp.problem(403, "Only the supporter who receives it may acknowledge (or no profile).")
    @blp.problem(404, "No such thank-you, or you are not a party to its match.")
    @blp.problem(409, "Not a recorded cash thank-you (already acknowledged, or a card payment).")
    def post(self, thank_you_id: uuid.UUID) -> dict[str, Any]:
        """Acknowledge a cash thank-you

        The supporter confirms they received it: `recorded` → `acknowledged`.
        """
        thank_you = thanks.acknowledge_thank_you(current_actor(), thank_you_id)
        return thank_you_views([thank_you])[0]
