"""How far behind the notification pipeline is, for the metrics scrape
(``extensions/metrics.py``): read from the database, so it is true whichever worker (or
none) is running."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from otagai.domain.notifications.models import FAILED, PENDING, Notification
from otagai.domain.outbox import OutboxEvent
from otagai.extensions.db import session

# Failed deliveries are counted over this window (older ones age out with retention).
FAILURE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Backlog:
    outbox_undelivered: int
    # Age of the oldest undelivered outbox event; 0 when there is none.
    outbox_lag_seconds: float
    # Pending notifications that failed at least once and wait for a retry.
    notifications_retrying: int
    # Notifications that gave up (``failed``) in the last FAILURE_WINDOW.
    notifications_failed_recently: int


def backlog(now: datetime) -> Backlog:
    """Four short reads: the unprocessed outbox and the pending notifications each have a
    partial index; failed notifications are bounded by retention."""
    undelivered, oldest = session.execute(
        select(func.count(), func.min(OutboxEvent.created_at)).where(
            OutboxEvent.processed_at.is_(None)
        )
    ).one()
    retrying = session.scalar(
        select(func.count()).where(Notification.status == PENDING, Notification.attempts > 0)
    )
    failed = session.scalar(
        select(func.count()).where(
            Notification.status == FAILED, Notification.created_at >= now - FAILURE_WINDOW
        )
    )
    return Backlog(
        outbox_undelivered=int(undelivered or 0),
        outbox_lag_seconds=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        notifications_retrying=int(retrying or 0),
        notifications_failed_recently=int(failed or 0),
    )
