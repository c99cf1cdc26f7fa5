"""Offers on requests, and accepting one: the match is made (read it in ``api/matches``)."""

from __future__ import annotations

import uuid
from typing import Any

from otagai.api.matches.schemas import MatchSchema
from otagai.api.offers.schemas import (
    OfferCreateSchema,
    OfferSchema,
    OffersQueryArgsSchema,
)
from otagai.domain.matches.views import match_view
from otagai.domain.requests.models import Offer
from otagai.domain.sharing import offers
from otagai.domain.sharing.acceptance import accept_offer
from otagai.domain.sharing.views import offer_view, offer_views
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent
from otagai.extensions.keyset import Page, paginate
from otagai.extensions.limits import limited
from otagai.extensions.pagination import page_schema

blp = Blueprint("offers", __name__, description="Offers, and accepting one into a match")

REQUEST_NOT_VISIBLE = "No such request, or not one you may see."
OFFER_NOT_VISIBLE = "No such offer, or not one you may see (yours or on your request)."


@blp.route("/share-requests/<uuid:request_id>/offers")
class RequestOffersViews(Resource):
    @limited(blp, "offers")
    @idempotent
    @blp.arguments(
        OfferCreateSchema,
        examples={
            "offer": {"value": {"note": "17時なら保育園の近くにいるのでお迎えできます。"}},
            "no note": {"value": {}},
        },
    )
    @blp.response(201, OfferSchema)
    @blp.problem(
        403, "Not a candidate for a request you may see (your own household's), or no profile."
    )
    @blp.problem(404, REQUEST_NOT_VISIBLE)
    @blp.problem(409, "The request is no longer open, or you already have a live offer on it.")
    def post(self, data: dict[str, Any], request_id: uuid.UUID) -> dict[str, Any]:
        """Offer to help with a request

        Only a candidate may offer: somebody the request is shown to (trusted, nearby, not
        busy at that time). One live offer per person and request; a withdrawn offer may be
        made again.
        """
        offer = offers.make_offer(current_actor(), request_id, note=data.get("note"))
        return offer_view(offer)

    @blp.arguments(OffersQueryArgsSchema, location="query")
    @blp.response(200, page_schema(OfferSchema))
    @blp.problem(403, "Not of the requester's household (or no profile).")
    @blp.problem(404, REQUEST_NOT_VISIBLE)
    def get(self, args: dict[str, Any], request_id: uuid.UUID) -> Page[dict[str, Any]]:
        """Offers on my request, oldest first

        Each pending offer carries `insurance_preview`: the insurance tag accepting it would
        give, so the app can say before accepting whether (and which children) would be
        covered.
        """
        actor = current_actor()
        request, stmt = offers.request_offers(actor, request_id, status=args.get("status"))
        page = paginate(
            stmt, keys=[Offer.created_at, Offer.id], limit=args["limit"], cursor=args["cursor"]
        )
        return page.map(lambda items: offer_views(request, items, with_preview=True))


@blp.route("/offers/<uuid:offer_id>/accept")
class OfferAcceptViews(Resource):
    @limited(blp, "offers")
    @idempotent
    @blp.response(201, MatchSchema)
    @blp.problem(403, "Only the requester may accept.")
    @blp.problem(404, OFFER_NOT_VISIBLE)
    @blp.problem(
        409,
        "The request is no longer open (`share_request_not_open`), the offer is not pending "
        "(`offer_not_pending`), or the supporter can no longer take it "
        "(`supporter_unavailable`).",
    )
    @blp.problem(422, "The Idempotency-Key was used with another request.")
    def post(self, offer_id: uuid.UUID) -> dict[str, Any]:
        """Accept an offer: the match is made

        Atomically: the match is created with its insurance tag, the other pending offers
        are declined and the request becomes `matched`. Of two concurrent accepts on one
        request exactly one succeeds; the other gets 409.
        """
        return match_view(accept_offer(current_actor(), offer_id))


@blp.route("/offers/<uuid:offer_id>/withdraw")
class OfferWithdrawViews(Resource):
    @limited(blp, "offers")
    @blp.response(200, OfferSchema)
    @blp.problem(403, "Only the supporter who made the offer may withdraw it.")
    @blp.problem(404, OFFER_NOT_VISIBLE)
    @blp.problem(409, "The offer is no longer pending.")
    def post(self, offer_id: uuid.UUID) -> dict[str, Any]:
        """Withdraw my offer

        Pending offers only; once accepted, cancel the match instead.
        """
        return offer_view(offers.withdraw_offer(current_actor(), offer_id))


@blp.route("/offers/<uuid:offer_id>/decline")
class OfferDeclineViews(Resource):
    @limited(blp, "offers")
    @blp.response(200, OfferSchema)
    @blp.problem(403, "Only the requester may decline.")
    @blp.problem(404, OFFER_NOT_VISIBLE)
    @blp.problem(409, "The offer is no longer pending.")
    def post(self, offer_id: uuid.UUID) -> dict[str, Any]:
        """Decline an offer on my request"""
        return offer_view(offers.decline_offer(current_actor(), offer_id))
