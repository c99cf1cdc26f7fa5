"""A payout account as the API shows it (its owner only)."""

from __future__ import annotations

from typing import Any

from otagai.domain.payments.models import PayoutAccount
from otagai.domain.payments.payouts import payout_status


def payout_view(account: PayoutAccount | None) -> dict[str, Any]:
    return {
        "status": payout_status(account),
        "details_submitted": bool(account and account.details_submitted),
        "charges_enabled": bool(account and account.charges_enabled),
        "payouts_enabled": bool(account and account.payouts_enabled),
    }
