"""A supporter's Stripe Express account, and the Stripe events already handled."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey


class PayoutAccount(UUIDPrimaryKey, CreatedAt, Base):
    """One Express account per user, made on their first onboarding request. The flags are
    Stripe's, read back on every ``account.updated`` webhook and onboarding call."""

    __tablename__ = "payout_accounts"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), unique=True)
    stripe_account_id: Mapped[str] = mapped_column(String(255), unique=True)
    details_submitted: Mapped[bool] = mapped_column(default=False)
    charges_enabled: Mapped[bool] = mapped_column(default=False)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    transfers_active: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    @property
    def ready(self) -> bool:
        """Can receive a destination charge and pay it out."""
        return self.charges_enabled and self.payouts_enabled and self.transfers_active


class StripeWebhookEvent(Base):
    """Stripe delivers at least once: an event id seen before is answered 200 and skipped."""

    __tablename__ = "stripe_webhook_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    stripe_created_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
