"""Paying a card thank-you: the PaymentIntent, its second attempt, and its outcome.

The record is ``pending_payment`` until Stripe's signed webhook says ``succeeded``
(→ ``paid``) or ``payment_failed`` (→ ``failed``). A failed payment is tried again on the
same PaymentIntent (Stripe lets a failed intent take another card), so one thank-you
never has two intents and is never charged twice. Before a different thank-you replaces
a failed one, the failed intent is cancelled at Stripe so it can no longer succeed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from otagai.domain.matches.models import Match
from otagai.domain.outbox import (
    THANK_YOU_PAID,
    THANK_YOU_PAYMENT_FAILED,
    enqueue,
)
from otagai.domain.payments.payouts import payout_account_of
from otagai.domain.thanks.models import CARD, FAILED, PAID, PENDING_PAYMENT, ThankYou
from otagai.errors import Conflict, RuleViolation
from otagai.extensions.db import session
from otagai.integrations.stripe_gateway import (
    MIN_CARD_AMOUNT_JPY,
    PaymentIntentRef,
    StripeGateway,
    gateway,
)

log = logging.getLogger(__name__)

SUCCEEDED = "succeeded"


@dataclass(frozen=True)
class CardPayment:
    """What the app needs to show Stripe's payment sheet."""

    payment_intent_id: str
    client_secret: str


def check_card_possible(match: Match, amount_jpy: int) -> tuple[StripeGateway, str]:
    """Before anything is written: Stripe is configured (else 503), the amount can be
    charged, and the supporter can receive it. Returns the gateway and the destination."""
    stripe = gateway()
    if amount_jpy < MIN_CARD_AMOUNT_JPY:
        raise RuleViolation(
            "card_amount_below_minimum",
            errors={"amount_jpy": [f"Card payments start at {MIN_CARD_AMOUNT_JPY} JPY."]},
        )
    account = payout_account_of(match.supporter_id)
    if account is None or not account.ready:
        raise Conflict("supporter_cannot_receive_card")
    return stripe, account.stripe_account_id


def start_payment(stripe: StripeGateway, thank_you: ThankYou, destination: str) -> CardPayment:
    """The PaymentIntent of a new card thank-you (idempotency key: its id)."""
    intent = stripe.create_thank_you_payment(
        thank_you_id=str(thank_you.id),
        match_id=str(thank_you.match_id),
        amount_jpy=thank_you.amount_jpy,
        destination=destination,
    )
    thank_you.stripe_payment_intent_id = intent.id
    session.flush()
    return _payment(intent)


def retire_failed_payments(match_id: uuid.UUID) -> None:
    """Cancel the intents of a match's failed card thank-yous before another thank-you
    takes their place. One that succeeded meanwhile (its webhook not here yet) wins: 409."""
    failed = session.scalars(
        select(ThankYou).where(
            ThankYou.match_id == match_id,
            ThankYou.status == FAILED,
            ThankYou.stripe_payment_intent_id.is_not(None),
        )
    ).all()
    for thank_you in failed:
        assert thank_you.stripe_payment_intent_id is not None
        intent = gateway().cancel_payment(thank_you.stripe_payment_intent_id)
        if intent.status == SUCCEEDED:
            raise Conflict("thank_you_payment_succeeded")


def resume_payment(thank_you: ThankYou) -> CardPayment:
    """The second (or later) attempt: the same PaymentIntent, never a new one. A failed
    thank-you goes back to ``pending_payment`` unless another one replaced it."""
    if thank_you.method != CARD:
        raise Conflict("thank_you_not_card")
    if thank_you.status == PAID:
        raise Conflict("thank_you_already_paid")
    assert thank_you.stripe_payment_intent_id is not None
    intent = gateway().retrieve_payment(thank_you.stripe_payment_intent_id)
    if intent.status == SUCCEEDED:
        # Paid; the webhook saying so is on its way and will settle the record.
        raise Conflict("thank_you_already_paid")
    if intent.status == "canceled":
        raise Conflict("thank_you_payment_cancelled")
    if thank_you.status == FAILED:
        try:
            with session.begin_nested():
                thank_you.status = PENDING_PAYMENT
                session.flush()
        except IntegrityError as exc:
            raise Conflict("thank_you_exists") from exc
    return _payment(intent)


def _payment(intent: PaymentIntentRef) -> CardPayment:
    return CardPayment(payment_intent_id=intent.id, client_secret=intent.client_secret)


# Webhook outcomes -------------------------------------------------------------------


def _thank_you_of_intent(payment_intent_id: str) -> tuple[ThankYou, Match] | None:
    thank_you = session.scalars(
        select(ThankYou)
        .where(ThankYou.stripe_payment_intent_id == payment_intent_id)
        .with_for_update()
    ).first()
    if thank_you is None:
        log.info("stripe event for an unknown payment intent", extra={"pi": payment_intent_id})
        return None
    match = session.get(Match, thank_you.match_id)
    assert match is not None
    return thank_you, match


def _is_stale(thank_you: ThankYou, at: datetime) -> bool:
    return thank_you.payment_event_at is not None and at < thank_you.payment_event_at


def payment_succeeded(payment_intent_id: str, at: datetime) -> None:
    """Money moved: ``paid`` is final, whatever arrives after it."""
    found = _thank_you_of_intent(payment_intent_id)
    if found is None:
        return
    thank_you, match = found
    if thank_you.status == PAID:
        return
    try:
        with session.begin_nested():
            thank_you.status = PAID
            thank_you.paid_at = at
            thank_you.payment_event_at = at
            session.flush()
    except IntegrityError:
        # Unreachable by construction (a replaced intent is cancelled first); should it
        # happen, the charge is real and someone must refund it: say so loudly, and answer
        # 200 so Stripe does not retry a state we cannot take.
        log.error(
            "payment succeeded for a thank-you that was replaced; refund needed",
            extra={"thank_you_id": str(thank_you.id), "pi": payment_intent_id},
        )
        return
    enqueue(
        THANK_YOU_PAID,
        {"thank_you_id": thank_you.id, "match_id": match.id},
        [match.supporter_id],
    )


def payment_failed(payment_intent_id: str, at: datetime) -> None:
    """The card was declined (or similar): ``failed`` unless paid or told otherwise later."""
    found = _thank_you_of_intent(payment_intent_id)
    if found is None:
        return
    thank_you, match = found
    if thank_you.status != PENDING_PAYMENT or _is_stale(thank_you, at):
        return
    thank_you.status = FAILED
    thank_you.payment_event_at = at
    session.flush()
    enqueue(
        THANK_YOU_PAYMENT_FAILED,
        {"thank_you_id": thank_you.id, "match_id": match.id},
        [match.requester_id],
    )
