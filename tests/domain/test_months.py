"""Tokyo calendar months: arithmetic and boundaries."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from otagai.domain.statistics.months import Month, months_between

months = st.builds(Month, st.integers(1990, 2100), st.integers(1, 12))


@given(months, st.integers(-600, 600))
def test_plus_and_months_until_agree(month, shift):
    moved = month.plus(shift)
    assert 1 <= moved.month <= 12
    assert moved.plus(-shift) == month
    if shift >= 0:
        assert month.months_until(moved) == shift + 1
        assert months_between(month, moved)[-1] == moved


def test_a_year_turns():
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2026, 1).plus(-1) == Month(2025, 12)
    assert Month(2026, 5).months_until(Month(2026, 4)) == 0


def test_the_month_starts_at_midnight_in_tokyo():
    assert Month(2026, 5).starts_at() == dt.datetime(2026, 4, 30, 15, 0, tzinfo=dt.UTC)
    assert Month.of(dt.datetime(2026, 4, 30, 15, 30, tzinfo=dt.UTC)) == Month(2026, 5)
    assert Month(2026, 2).last_day() == dt.date(2026, 2, 28)
