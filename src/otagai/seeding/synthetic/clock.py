"""The simulated calendar: which months the activity spans, and "now".

The activity fills the ``months`` Tokyo calendar months that end with the month of ``now``
(the current month counts, up to ``now``), plus requests and events in the two weeks after
``now``, so that feeds and upcoming events have something to show. ``now`` is explicit:
the build takes it as a parameter (default: the current time, to the minute) and every
timestamp it writes derives from it, so two builds with the same seed, parameters and
``now`` write the same rows.

Times are whole seconds since the epoch (UTC). Tokyo has kept UTC+9 without daylight
saving since 1951, so its calendar is a fixed offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

TOKYO_OFFSET = 9 * 3600
DAY = 86_400
HOUR = 3_600
MINUTE = 60
AHEAD = 14 * DAY
# Households signed up before the window over this long (the service existed already).
HISTORY = 730 * DAY
_EPOCH_DAY = date(1970, 1, 1).toordinal()


def tokyo_day(t: int) -> int:
    """The Tokyo calendar day of ``t``, as a date ordinal."""
    return (t + TOKYO_OFFSET) // DAY + _EPOCH_DAY


def tokyo_date(t: int) -> date:
    return date.fromordinal(tokyo_day(t))


def day_start(ordinal: int) -> int:
    """The first second of a Tokyo calendar day (a date ordinal)."""
    return (ordinal - _EPOCH_DAY) * DAY - TOKYO_OFFSET


def at(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def month_start(year: int, month: int) -> int:
    return day_start(date(year, month, 1).toordinal())


@dataclass(frozen=True)
class Clock:
    now: int
    start: int  # the first second of the window's first Tokyo month
    months: int

    @classmethod
    def of(cls, now: datetime, months: int) -> Clock:
        t = int(now.timestamp())
        local = tokyo_date(t)
        index = local.year * 12 + local.month - 1 - (months - 1)
        return cls(now=t, start=month_start(index // 12, index % 12 + 1), months=months)

    @property
    def horizon(self) -> int:
        """How far ahead open requests and events reach."""
        return self.now + AHEAD

    @property
    def today(self) -> int:
        return tokyo_day(self.now)

    def month_starts(self) -> list[int]:
        """The first second of each month of the window, and of the month after it."""
        first = tokyo_date(self.start)
        index = first.year * 12 + first.month - 1
        return [month_start(i // 12, i % 12 + 1) for i in range(index, index + self.months + 1)]


def default_now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def days(n: float) -> int:
    return int(timedelta(days=n).total_seconds())
