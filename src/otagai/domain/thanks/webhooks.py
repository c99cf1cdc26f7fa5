"""Stripe's webhook events, verified by the gateway, applied here exactly once.

Stripe delivers at least once and in no promised order. Each event id is written in the
same transaction as its effect, so a replay is skipped (and an effect that rolled back
is retried with its event). Order: a payment event older than the last one applied to
its thank-you changes nothing (``card``); an account event makes us read the account
back from Stripe, so its order does not matter (``payouts``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert

from otagai.domain.payments import payouts
from otagai.domain.payments.models import StripeWebhookEvent
from otagai.domain.thanks import card
from otagai.errors import BadRequest
from otagai.extensions.db import session

PROCESSED, DUPLICATE, IGNORED = "processed", "duplicate", "ignored"


def _object_of(event: dict[str, Any]) -> dict[str, Any]:
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise BadRequest("invalid_webhook_payload")
    return obj


def handle_event(event: dict[str, Any]) -> str:
    kind, created = event.get("type"), event.get("created")
    if (
        not isinstance(kind, str)
        or len(kind) > 100
        or len(event["id"]) > 255
        or not isinstance(created, int)
        or isinstance(created, bool)
        or not 0 < created < 2**37
    ):
        raise BadRequest("invalid_webhook_payload")
    obj = _object_of(event)
    at = datetime.fromtimestamp(created, UTC)
    first_time = session.execute(
        insert(StripeWebhookEvent)
        .values(id=event["id"], type=kind, stripe_created_at=at)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(StripeWebhookEvent.id)
    ).first()
    if first_time is None:
        return DUPLICATE
    if kind == "payment_intent.succeeded":
        card.payment_succeeded(obj["id"], at)
    elif kind in {"payment_intent.payment_failed", "payment_intent.canceled"}:
        # Cancelled outside the app (say, in Stripe's dashboard): it will never be paid.
        card.payment_failed(obj["id"], at)
    elif kind == "account.updated":
        payouts.account_updated(obj["id"])
    else:
        return IGNORED
    return PROCESSED
