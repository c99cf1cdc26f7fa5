"""Stripe's webhook events, verified by the gateway, applied here exactly once.

Stripe delivers at least once and in no promised order. Each event id is written in the
same transaction as its effect, so a replay is skipped (and an effect that rolled back
is retried with its event). Order: a payment event older than the last one applied to
its thank-you changes nothing (``card``); an account event makes us read the account
back from Stripe, so its order does not matter (``payouts``).

Two endpoints, two secrets (README, "Stripe webhooks"). The account endpoint receives
events about the platform's own objects: our destination charges' PaymentIntents live
on the platform, so ``payment_intent.*`` come there, without ``account``. The Connect
endpoint receives connected accounts' events, each naming its account in ``account``:
``account.updated`` comes there. An event that arrives on the wrong one, or whose
``livemode`` is not the mode of our API key, is refused before anything is written.
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
from otagai.integrations.stripe_gateway import CONNECT_ENDPOINT, SignedEvent

PROCESSED, DUPLICATE, IGNORED = "processed", "duplicate", "ignored"

# Connected accounts' events: Stripe sends them to the Connect endpoint only.
CONNECT_EVENT_TYPES = frozenset(
    {"account.updated", "account.application.deauthorized", "capability.updated"}
)
PAYMENT_EVENT_TYPES = frozenset(
    {"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"}
)


def _object_of(event: dict[str, Any]) -> dict[str, Any]:
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise BadRequest("invalid_webhook_payload")
    return obj


def _check_endpoint(event: dict[str, Any], endpoint: str, kind: str) -> str | None:
    """The connected account a Connect event is about (None for the account endpoint's);
    400 when the event does not belong to the endpoint whose secret signed it."""
    account = event.get("account")
    if endpoint == CONNECT_ENDPOINT:
        if not isinstance(account, str) or not account or len(account) > 255:
            raise BadRequest("webhook_account_missing")
        return account
    if account is not None or kind in CONNECT_EVENT_TYPES:
        raise BadRequest("webhook_wrong_endpoint")
    return None


def handle_event(signed: SignedEvent, *, livemode: bool) -> str:
    """Apply a verified event once. ``livemode``: the mode of our API key."""
    event = signed.event
    kind, created = event.get("type"), event.get("created")
    if (
        not isinstance(kind, str)
        or len(kind) > 100
        or len(event["id"]) > 255
        or not isinstance(created, int)
        or isinstance(created, bool)
        or not 0 < created < 2**37
        or not isinstance(event.get("livemode"), bool)
    ):
        raise BadRequest("invalid_webhook_payload")
    if event["livemode"] is not livemode:
        # A test-mode event at a live deployment (or the reverse) is about objects this
        # deployment never made; applying it could mark a real thank-you paid.
        raise BadRequest("webhook_livemode_mismatch")
    account = _check_endpoint(event, signed.endpoint, kind)
    obj = _object_of(event)
    if kind == "account.updated" and obj["id"] != account:
        # The account an account.updated is about is the one that sent it.
        raise BadRequest("invalid_webhook_payload")
    at = datetime.fromtimestamp(created, UTC)
    first_time = session.execute(
        insert(StripeWebhookEvent)
        .values(id=event["id"], type=kind, stripe_created_at=at)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(StripeWebhookEvent.id)
    ).first()
    if first_time is None:
        return DUPLICATE
    if account is not None and kind in PAYMENT_EVENT_TYPES:
        # A connected account's own PaymentIntent (a direct charge): never one of ours.
        return IGNORED
    if kind == "payment_intent.succeeded":
        card.payment_succeeded(obj["id"], at)
    elif kind in {"payment_intent.payment_failed", "payment_intent.canceled"}:
        # Cancelled outside the app (say, in Stripe's dashboard): it will never be paid.
        card.payment_failed(obj["id"], at)
    elif kind == "account.updated":
        assert account is not None
        payouts.account_updated(account)
    else:
        return IGNORED
    return PROCESSED
