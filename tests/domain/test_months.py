"""Tokyo calendar months: arithmetic and boundaries."""

from __future__ import annotations

import datetime as dt

import pytest
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


@pytest.mark.parametrize("text", ["0001-01", "0000-01", "1999-12", "2101-01", "9999-12"])
def test_months_outside_2000_to_2100_are_refused(text):
    with pytest.raises(ValueError):
        Month.parse(text)


@given(st.integers(2000, 2100), st.integers(1, 12))
def test_every_month_parsed_has_a_start_and_an_end(year, month):
    parsed = Month.parse(f"{year:04d}-{month:02d}")
    assert parsed.starts_at().year in (year, year - 1)
    assert parsed.last_day() >= parsed.first_day()
