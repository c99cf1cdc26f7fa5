"""Calendar months on the Asia/Tokyo clock: a request posted at 00:30 JST on 1 April is
April's, though in UTC it is still 31 March."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from otagai.domain.clock import TOKYO

_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM``; ValueError otherwise."""
        found = _PATTERN.match(text)
        if not found:
            raise ValueError(f"not a month (YYYY-MM): {text!r}")
        return cls(int(found[1]), int(found[2]))

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
