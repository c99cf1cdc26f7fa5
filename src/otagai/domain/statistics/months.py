"""Calendar months on the Asia/Tokyo clock: a request posted at 00:30 JST on 1 April is
April's, though in UTC it is still 31 March."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from otagai.domain.clock import TOKYO

_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# The months statistics can be asked about. Far outside them, the Tokyo midnight of the
# 1st is no datetime at all (year 1 in Tokyo is year 0 in UTC): an OverflowError, a 500.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100
# The same rule as a JSON Schema pattern, for the spec.
MONTH_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM`` from EARLIEST_YEAR to LATEST_YEAR; ValueError otherwise."""
        found = _PATTERN.match(text)
        if not found:
            raise ValueError(f"not a month (YYYY-MM): {text!r}")
        month = cls(int(found[1]), int(found[2]))
        if not month.in_range():
            raise ValueError(f"not a month from {EARLIEST_YEAR} to {LATEST_YEAR}: {text!r}")
        return month

    def in_range(self) -> bool:
        """From January EARLIEST_YEAR to December LATEST_YEAR."""
        return EARLIEST_YEAR <= self.year <= LATEST_YEAR

    @classmethod
    def of(cls, moment: datetime) -> Month:
        local = moment.astimezone(TOKYO)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def plus(self, months: int) -> Month:
        """This month moved by ``months`` (negative: earlier)."""
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def next(self) -> Month:
        return self.plus(1)

    def months_until(self, last: Month) -> int:
        """How many months from this one to ``last``, both included (0 if ``last`` is
        earlier)."""
        return max(0, (last.year - self.year) * 12 + last.month - self.month + 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def starts_at(self) -> datetime:
        """Midnight of the 1st in Tokyo, as a UTC instant."""
        return datetime.combine(self.first_day(), time(0), TOKYO).astimezone(UTC)

    def last_day(self) -> date:
        return date.fromordinal(self.next().first_day().toordinal() - 1)


def months_between(first: Month, last: Month) -> list[Month]:
    """``first`` to ``last``, both included."""
    return [first.plus(i) for i in range(first.months_until(last))]
