"""Thank-yous (謝礼): the requester records one per match, after it is confirmed; the
supporter acknowledges a cash one. A card one is paid through Stripe (``thanks/card.py``):
without Stripe configured it is refused with 503 ``card_payments_unavailable`` and
nothing is written.

One live thank-you per match: a second one is 409 ``thank_you_exists`` (only a failed
card payment does not count, so it can be tried again). The match row is locked while
recording, so two concurrent records of one match cannot both pass that check.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from otagai.domain import clock
from otagai.domain.actors import Actor, require_user
from otagai.domain.locks import locked
from otagai.domain.matches.lifecycle import lock_match
from otagai.domain.matches.models import CANCELLED as MATCH_CANCELLED
from otagai.domain.matches.models import Match
from otagai.domain.matches.services import get_match
from otagai.domain.outbox import THANK_YOU_ACKNOWLEDGED, THANK_YOU_RECORDED, enqueue
from otagai.domain.requests.models import ShareRequest
from otagai.domain.thanks import card as card_payments
from otagai.domain.thanks.card import CardPayment
from otagai.domain.thanks.models import (
    ACKNOWLEDGED,
    CARD,
    CASH,
    FAILED,
    PENDING_PAYMENT,
    RECORDED,
    ThankYou,
)
from otagai.domain.thanks.recommend import RecommendedThankYou, recommended_thank_you
from otagai.errors import Conflict, NotFound, require
from otagai.extensions.db import insert_unique, session


@dataclass(frozen=True)
class Recorded:
    thank_you: ThankYou
    payment: CardPayment | None = None  # card: what the app pays with


def record_thank_you(
    actor: Actor, match_id: uuid.UUID, *, amount_jpy: int, method: str
) -> Recorded:
    """The requester records the thank-you of a confirmed or completed match."""
    user = require_user(actor)
    match = get_match(actor, match_id)
    require(user.id == match.requester_id, "requester_only")
    match, _ = lock_match(match)
    if match.status == MATCH_CANCELLED:
        raise Conflict("match_cancelled")
    if _live_thank_you(match.id) is not None:
        raise Conflict("thank_you_exists")
    if method == CARD:
        stripe, destination = card_payments.check_card_possible(match, amount_jpy)
    card_payments.retire_failed_payments(match.id)
    thank_you = ThankYou(
        id=uuid.uuid4(),
        match_id=match.id,
        amount_jpy=amount_jpy,
        method=method,
        status=PENDING_PAYMENT if method == CARD else RECORDED,
        created_by_id=user.id,
        municipality_code=match.municipality_code,
        kind=match.kind,
    )
    # The lock above makes a clash unreachable; the partial unique index is the last word.
    insert_unique(thank_you, "thank_you_exists")
    payment = None
    if method == CARD:
        # The supporter hears of a card thank-you when it is paid (the webhook), not now.
        payment = card_payments.start_payment(stripe, thank_you, destination)
    else:
        enqueue(
            THANK_YOU_RECORDED,
            {"thank_you_id": thank_you.id, "match_id": match.id},
            [match.supporter_id],
        )
    session.refresh(thank_you)
    return Recorded(thank_you, payment)


def resume_card_payment(actor: Actor, thank_you_id: uuid.UUID) -> Recorded:
    """The requester pays a card thank-you again (app restarted, or the card failed): the
    same PaymentIntent's client secret, never a second intent."""
    user = require_user(actor)
    thank_you, match = _visible_thank_you(actor, thank_you_id)
    require(user.id == match.requester_id, "requester_only")
    lock_match(match)
    fresh = locked(ThankYou, thank_you.id)
    assert fresh is not None
    payment = card_payments.resume_payment(fresh)
    return Recorded(fresh, payment)


def _live_thank_you(match_id: uuid.UUID) -> ThankYou | None:
    return session.scalars(
        select(ThankYou).where(ThankYou.match_id == match_id, ThankYou.status != FAILED)
    ).first()


def acknowledge_thank_you(
    actor: Actor, thank_you_id: uuid.UUID, now: datetime | None = None
) -> ThankYou:
    """The supporter confirms they received a cash thank-you: recorded → acknowledged."""
    user = require_user(actor)
    found, match = _visible_thank_you(actor, thank_you_id)
    require(user.id == match.supporter_id, "thank_you_supporter_only")
    thank_you = locked(ThankYou, found.id)
    assert thank_you is not None
    if thank_you.method != CASH or thank_you.status != RECORDED:
        raise Conflict("thank_you_not_recorded")
    thank_you.status = ACKNOWLEDGED
    thank_you.acknowledged_at = clock.now(now)
    enqueue(
        THANK_YOU_ACKNOWLEDGED,
        {"thank_you_id": thank_you.id, "match_id": match.id},
        [match.requester_id],
    )
    session.flush()
    return thank_you


def _visible_thank_you(actor: Actor, thank_you_id: uuid.UUID) -> tuple[ThankYou, Match]:
    """A thank-you and its match, for whoever may see the match; else 404."""
    found = session.get(ThankYou, thank_you_id)
    if found is None:
        raise NotFound("thank_you_not_found")
    try:
        match = get_match(actor, found.match_id)
    except NotFound as exc:
        raise NotFound("thank_you_not_found") from exc
    return found, match


def match_thank_yous(actor: Actor, match_id: uuid.UUID) -> Select[Any]:
    """A match's thank-yous, for its parties (and the requester's household)."""
    match = get_match(actor, match_id)
    return select(ThankYou).where(ThankYou.match_id == match.id)


def recommended_for(match: Match) -> RecommendedThankYou | None:
    request = session.get(ShareRequest, match.request_id)
    assert request is not None
    return recommended_thank_you(request.kind, request.starts_at, request.ends_at)
