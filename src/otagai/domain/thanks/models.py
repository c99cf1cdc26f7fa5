"""謝礼: the thank-you a requester gives the supporter of a match, in cash or by card."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey

CASH, CARD = "cash", "card"
METHODS = (CASH, CARD)
# Cash: the requester records it, the supporter acknowledges receipt.
RECORDED, ACKNOWLEDGED = "recorded", "acknowledged"
# Card (Stripe): moves on only from Stripe's webhooks.
PENDING_PAYMENT, PAID, FAILED = "pending_payment", "paid", "failed"
STATUSES = (RECORDED, ACKNOWLEDGED, PENDING_PAYMENT, PAID, FAILED)
MAX_AMOUNT_JPY = 100_000


class ThankYou(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "thank_yous"
    __table_args__ = (
        CheckConstraint(f"amount_jpy BETWEEN 0 AND {MAX_AMOUNT_JPY}", name="amount"),
        CheckConstraint(
            "(method = 'cash' AND status IN ('recorded', 'acknowledged')) OR "
            "(method = 'card' AND status IN ('pending_payment', 'paid', 'failed'))",
            name="method_status",
        ),
        # At most one thank-you per match that is not a failed card payment: a failed
        # payment may be tried again, a recorded one may not be doubled.
        Index(
            "uq_thank_yous_live_per_match",
            "match_id",
            unique=True,
            postgresql_where="status <> 'failed'",
        ),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matches.id"), index=True)
    amount_jpy: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # The match's town and kind (municipal statistics).
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    kind: Mapped[str] = mapped_column(String(16))
    acknowledged_at: Mapped[datetime | None]
    # Card only: the PaymentIntent made for it (its idempotency key derives from our id).
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The Stripe time of the last payment event applied: an older event arriving late
    # (Stripe does not promise order) changes nothing.
    payment_event_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
