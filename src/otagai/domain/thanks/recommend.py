"""The thank-you the service recommends for a request: for pickup and babysitting 500–700
JPY per started hour of the request's span (a 90-minute pickup counts as two hours);
for lending nothing is recommended (any amount, including none, is fine)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from otagai.domain.requests.models import BABYSITTING, PICKUP

MIN_JPY_PER_HOUR = 500
MAX_JPY_PER_HOUR = 700
HOURLY_KINDS = frozenset({PICKUP, BABYSITTING})


@dataclass(frozen=True)
class RecommendedThankYou:
    min_jpy: int
    max_jpy: int


def started_hours(starts_at: datetime, ends_at: datetime) -> int:
    """Hours begun between the two instants: 1 second to 60 minutes is one hour."""
    span = ends_at - starts_at
    # Exact integer arithmetic on timedeltas: ceil(span / 1 h) without floats.
    return max(0, -(-span // timedelta(hours=1)))


def recommended_thank_you(
    kind: str, starts_at: datetime, ends_at: datetime
) -> RecommendedThankYou | None:
    if kind not in HOURLY_KINDS:
        return None
    hours = started_hours(starts_at, ends_at)
    return RecommendedThankYou(hours * MIN_JPY_PER_HOUR, hours * MAX_JPY_PER_HOUR)
