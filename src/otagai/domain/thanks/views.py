"""Thank-yous as the API shows them, each with its match's recommended range."""

from __future__ import annotations

import uuid
from typing import Any

from otagai.domain.matches.models import Match
from otagai.domain.thanks.card import CardPayment
from otagai.domain.thanks.models import ThankYou
from otagai.domain.thanks.recommend import RecommendedThankYou
from otagai.domain.thanks.services import Recorded, recommended_for
from otagai.extensions.db import session


def thank_you_view(
    thank_you: ThankYou,
    recommended: RecommendedThankYou | None,
    payment: CardPayment | None = None,
) -> dict[str, Any]:
    return {
        "id": thank_you.id,
        "match_id": thank_you.match_id,
        "amount_jpy": thank_you.amount_jpy,
        "method": thank_you.method,
        "status": thank_you.status,
        "created_at": thank_you.created_at,
        "acknowledged_at": thank_you.acknowledged_at,
        "paid_at": thank_you.paid_at,
        "payment": (
            {
                "payment_intent_id": payment.payment_intent_id,
                "client_secret": payment.client_secret,
            }
            if payment
            else None
        ),
        "recommended_thank_you": (
            {"min_jpy": recommended.min_jpy, "max_jpy": recommended.max_jpy}
            if recommended
            else None
        ),
    }


def thank_you_views(thank_yous: list[ThankYou]) -> list[dict[str, Any]]:
    """Thank-yous as the API shows them, each with its match's recommended range."""
    ranges: dict[uuid.UUID, RecommendedThankYou | None] = {}
    views = []
    for thank_you in thank_yous:
        if thank_you.match_id not in ranges:
            match = session.get(Match, thank_you.match_id)
            assert match is not None
            ranges[match.id] = recommended_for(match)
        views.append(thank_you_view(thank_you, ranges[thank_you.match_id]))
    return views


def recorded_view(recorded: Recorded) -> dict[str, Any]:
    """The answer to the requester who records or pays: with the client secret, if any."""
    match = session.get(Match, recorded.thank_you.match_id)
    assert match is not None
    return thank_you_view(recorded.thank_you, recommended_for(match), recorded.payment)
