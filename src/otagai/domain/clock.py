"""Time as the service reads it: "now" (which a test or a job may fix), and the Tokyo
calendar that a family's days are counted in. ``timestamptz`` stays UTC everywhere else.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
# The same zone as PostgreSQL's timezone() takes it, in SQL.
TOKYO_NAME = TOKYO.key


def now(at: datetime | None = None) -> datetime:
    """``at`` when the caller fixes the time (tests, jobs), else the current time in UTC."""
    return at or datetime.now(UTC)


def today_tokyo(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(TOKYO).date()
