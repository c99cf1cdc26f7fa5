"""The recommended thank-you: 500–700 JPY per started hour for pickup and babysitting,
nothing for lending; and the age bands children are shown in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otagai.domain.matching.views import age_band
from otagai.domain.thanks.recommend import (
    MAX_JPY_PER_HOUR,
    MIN_JPY_PER_HOUR,
    RecommendedThankYou,
    recommended_thank_you,
    started_hours,
)

START = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
spans = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(hours=12))
starts = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
)


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (timedelta(minutes=1), (500, 700)),
        (timedelta(minutes=60), (500, 700)),
        (timedelta(minutes=61), (1000, 1400)),
        (timedelta(minutes=90), (1000, 1400)),
        (timedelta(hours=2), (1000, 1400)),
        (timedelta(hours=2, seconds=1), (1500, 2100)),
        (timedelta(hours=12), (6000, 8400)),
    ],
)
def test_recommended_pickup_is_per_started_hour(span, expected):
    assert recommended_thank_you("pickup", START, START + span) == RecommendedThankYou(*expected)


def test_recommended_babysitting_is_the_same_as_pickup():
    end = START + timedelta(minutes=150)
    assert recommended_thank_you("babysitting", START, end) == RecommendedThankYou(1500, 2100)


def test_recommended_lending_is_none():
    assert recommended_thank_you("lending", START, START + timedelta(days=7)) is None


def test_recommended_ignores_the_offsets_the_times_were_given_in():
    tokyo = timezone(timedelta(hours=9))
    end = (START + timedelta(minutes=90)).astimezone(tokyo)
    assert recommended_thank_you("pickup", START, end) == RecommendedThankYou(1000, 1400)


@given(start=starts, span=spans)
def test_started_hours_is_the_smallest_whole_hour_count_covering_the_span(start, span):
    hours = started_hours(start, start + span)
    assert timedelta(hours=hours - 1) < span <= timedelta(hours=hours)


@given(start=starts, span=spans)
def test_recommended_range_is_500_to_700_per_started_hour(start, span):
    recommended = recommended_thank_you("pickup", start, start + span)
    assert recommended is not None
    hours = started_hours(start, start + span)
    assert (recommended.min_jpy, recommended.max_jpy) == (
        hours * MIN_JPY_PER_HOUR,
        hours * MAX_JPY_PER_HOUR,
    )
    assert 500 <= recommended.min_jpy < recommended.max_jpy <= 8400


@given(start=starts, first=spans, second=spans)
def test_recommended_never_drops_for_a_longer_span(start, first, second):
    shorter, longer = sorted((first, second))
    low = recommended_thank_you("pickup", start, start + shorter)
    high = recommended_thank_you("pickup", start, start + longer)
    assert low is not None and high is not None
    assert low.min_jpy <= high.min_jpy


@pytest.mark.parametrize(
    ("age", "band"),
    [(0, "0"), (1, "1-2"), (2, "1-2"), (3, "3-5"), (5, "3-5"), (6, "6-11"), (11, "6-11"),
     (12, "12-18"), (18, "12-18")],
)  # fmt: skip
def test_age_band_of(age, band):
    assert age_band(age) == band
