from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from otagai.domain.clock import today_tokyo
from otagai.domain.people.ages import MAX_CHILD_AGE, age_on, is_child_birth_date

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
leap_years = st.integers(1901, 2200).filter(calendar.isleap)
common_years = st.integers(1901, 2200).filter(lambda y: not calendar.isleap(y))
leap_births = st.sampled_from([1896, 1904, 1952, 2000])


def _birthday_in(birth: date, year: int) -> date:
    """Where the birthday falls in ``year``: 29 February moves to 1 March in common years."""
    if (birth.month, birth.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 3, 1)
    return birth.replace(year=year)


@given(birth=dates)
def test_age_on_birth_date_is_zero(birth):
    assert age_on(birth, birth) == 0


@given(birth=dates, first=dates, second=dates)
def test_age_on_never_decreases_as_on_advances(birth, first, second):
    earlier, later = sorted((first, second))
    assert age_on(birth, earlier) <= age_on(birth, later)


@given(birth=dates, day=dates)
def test_age_on_grows_by_at_most_one_a_day(birth, day):
    assert age_on(birth, day + timedelta(days=1)) - age_on(birth, day) in (0, 1)


@given(birth=dates, years=st.integers(1, 120))
def test_age_on_increases_by_exactly_one_on_the_birthday(birth, years):
    birthday = _birthday_in(birth, birth.year + years)
    assert age_on(birth, birthday) == years
    assert age_on(birth, birthday - timedelta(days=1)) == years - 1


@given(year=common_years, born=leap_births)
def test_leap_day_birthday_counts_from_1_march_in_common_years(year, born):
    assume(year > born)
    birth = date(born, 2, 29)
    assert age_on(birth, date(year, 2, 28)) == year - born - 1
    assert age_on(birth, date(year, 3, 1)) == year - born


@given(year=leap_years, born=leap_births)
def test_leap_day_birthday_counts_from_29_february_in_leap_years(year, born):
    assume(year > born)
    birth = date(born, 2, 29)
    assert age_on(birth, date(year, 2, 28)) == year - born - 1
    assert age_on(birth, date(year, 2, 29)) == year - born


@given(today=dates)
def test_born_today_is_a_child(today):
    assert is_child_birth_date(today, today)


@given(today=dates)
def test_born_tomorrow_is_not_a_child(today):
    assert not is_child_birth_date(today + timedelta(days=1), today)


@given(birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_still_a_child_on_the_day_before_the_19th_birthday(birth):
    nineteenth = _birthday_in(birth, birth.year + MAX_CHILD_AGE + 1)
    assert is_child_birth_date(birth, nineteenth - timedelta(days=1))


@given(birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_no_longer_a_child_on_the_19th_birthday(birth):
    nineteenth = _birthday_in(birth, birth.year + MAX_CHILD_AGE + 1)
    assert not is_child_birth_date(birth, nineteenth)


@pytest.mark.parametrize(
    ("birth", "today", "expected"),
    [
        (date(2008, 11, 24), date(2026, 11, 24), True),  # 18th birthday
        (date(2007, 11, 25), date(2026, 11, 24), True),  # 19 tomorrow
        (date(2007, 11, 24), date(2026, 11, 24), False),  # 19 today
        (date(2008, 2, 29), date(2027, 2, 28), True),  # leap-day child, 19 on 1 March
        (date(2008, 2, 29), date(2027, 3, 1), False),
    ],
)
def test_is_child_birth_date_examples(birth, today, expected):
    assert is_child_birth_date(birth, today) is expected


def test_today_tokyo_is_next_day_after_15_utc():
    assert today_tokyo(datetime(2026, 11, 23, 15, 30, tzinfo=UTC)) == date(2026, 11, 24)


def test_today_tokyo_is_same_day_before_15_utc():
    assert today_tokyo(datetime(2026, 11, 23, 14, 59, 59, tzinfo=UTC)) == date(2026, 11, 23)


def test_today_tokyo_ignores_the_zone_of_the_given_time():
    new_york = timezone(timedelta(hours=-5))
    assert today_tokyo(datetime(2026, 11, 23, 10, 30, tzinfo=new_york)) == date(2026, 11, 24)


def test_today_tokyo_without_argument_is_todays_tokyo_date():
    before = datetime.now(UTC)
    result = today_tokyo()
    after = datetime.now(UTC)
    assert result in {today_tokyo(before), today_tokyo(after)}
