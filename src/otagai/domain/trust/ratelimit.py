"""Counting failed attempts so that short codes cannot be guessed.

A failed attempt rolls its request back, so its hit is written in a transaction of its
own (committed at once, on another connection of the same engine): the count survives
the rollback. Reads go through the request's session.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select

from otagai.domain.trust.models import RateLimitHit
from otagai.errors import TooManyRequests
from otagai.extensions.db import session

# Connection codes: 31^6 ≈ 8.9e8 values; 10 failures per 15 minutes makes guessing a
# live code (valid 10 minutes) hopeless while leaving room for typos.
REDEEM_LIMIT = 10
REDEEM_WINDOW = timedelta(minutes=15)

# Hits of any bucket older than this are purged opportunistically (a little at a time).
RETENTION = timedelta(days=1)
PURGE_BATCH = 500


def redeem_bucket(user_id: uuid.UUID) -> str:
    return f"connection-redeem:{user_id}"


def retry_after(bucket: str, *, limit: int, window: timedelta, now: datetime) -> int | None:
    """Seconds until an attempt would be allowed again, or None when under the limit."""
    hits = list(
        session.scalars(
            select(RateLimitHit.at)
            .where(RateLimitHit.bucket == bucket, RateLimitHit.at > now - window)
            .order_by(RateLimitHit.at)
        )
    )
    if len(hits) < limit:
        return None
    # Concurrent failures can overshoot the limit: wait until enough hits have left.
    leaves_at = hits[len(hits) - limit] + window
    return math.ceil((leaves_at - now).total_seconds())  # > 0: the hit is inside the window


def check(bucket: str, *, limit: int, window: timedelta) -> None:
    """429 ``too_many_attempts`` with Retry-After while the bucket is full."""
    seconds = retry_after(bucket, limit=limit, window=window, now=datetime.now(UTC))
    if seconds is not None:
        raise TooManyRequests("too_many_attempts", headers={"Retry-After": str(seconds)})


def record_hit(bucket: str, *, window: timedelta) -> None:
    """Count one attempt, committed now, whatever happens to the current request."""
    now = datetime.now(UTC)
    # Under test the session is bound to a Connection; .engine is the app's Engine either way.
    engine = session.get_bind().engine
    with engine.begin() as conn:
        conn.execute(insert(RateLimitHit).values(bucket=bucket, at=now))
        # SKIP LOCKED: concurrent purges never wait on each other.
        stale = (
            select(RateLimitHit.id)
            .where(RateLimitHit.bucket == bucket, RateLimitHit.at <= now - window)
            .with_for_update(skip_locked=True)
        )
        conn.execute(delete(RateLimitHit).where(RateLimitHit.id.in_(stale)))
        ancient = (
            select(RateLimitHit.id)
            .where(RateLimitHit.at <= now - max(RETENTION, window))
            .limit(PURGE_BATCH)
            .with_for_update(skip_locked=True)
        )
        conn.execute(delete(RateLimitHit).where(RateLimitHit.id.in_(ancient)))
