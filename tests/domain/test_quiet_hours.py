"""Quiet hours (Asia/Tokyo wall clock, start inclusive, end exclusive, may wrap midnight)
and the per-type choices, at the service level."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otagai.domain.actors import Actor
from otagai.domain.clock import TOKYO
from otagai.domain.notifications.preferences import (
    DEFAULTS,
    Preferences,
    held_until,
    preferences_for,
    update_settings,
    wants,
)
from otagai.domain.notifications.types import ALWAYS_ON, MATCH_CANCELLED, NEW_OFFER, TYPES
from tests.factories import UserFactory

JST = timezone(timedelta(hours=9))
DAY = timedelta(days=1)


def _jst(hour: int, minute: int = 0, second: int = 0, *, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, minute, second, tzinfo=JST)


def _window(start: time, end: time, *, enabled: bool = True) -> Preferences:
    return replace(DEFAULTS, quiet_enabled=enabled, quiet_start=start, quiet_end=end)


def _inside(moment: datetime, start: time, end: time) -> bool:
    """An independent oracle: minutes since the start, modulo a day, shorter than the
    window's length."""
    local = moment.astimezone(TOKYO)
    now = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
    s, e = start.hour * 60 + start.minute, end.hour * 60 + end.minute
    return (now - s) % 1440 < (e - s) % 1440


# Instants anywhere from 1970 to 2100, given in assorted zones (the rule is Tokyo's).
moments = st.builds(
    lambda at, offset: at.astimezone(timezone(timedelta(minutes=offset))),
    st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(-12 * 60, 14 * 60),
)
clock_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
preferences = st.builds(
    lambda start, end, enabled: _window(start, end, enabled=enabled),
    clock_times,
    clock_times,
    st.booleans(),
).filter(lambda p: p.quiet_start != p.quiet_end)


@given(now=moments, prefs=preferences, urgent=st.booleans())
def test_held_until_is_none_or_a_future_tokyo_quiet_end_within_a_day(now, prefs, urgent):
    release = held_until(now, prefs, urgent=urgent)
    if release is not None:
        assert release.utcoffset() == timedelta(0)
        assert now < release <= now + DAY
        local = release.astimezone(TOKYO)
        assert (local.hour, local.minute, local.second, local.microsecond) == (
            prefs.quiet_end.hour,
            prefs.quiet_end.minute,
            0,
            0,
        )


@given(now=moments, prefs=preferences)
def test_held_until_holds_exactly_inside_the_enabled_window(now, prefs):
    held = held_until(now, prefs, urgent=False) is not None
    assert held == (prefs.quiet_enabled and _inside(now, prefs.quiet_start, prefs.quiet_end))


@given(now=moments, prefs=preferences)
def test_held_until_never_holds_urgent(now, prefs):
    assert held_until(now, prefs, urgent=True) is None


@given(now=moments, prefs=preferences)
def test_held_until_releases_at_a_time_that_is_not_held(now, prefs):
    release = held_until(now, prefs, urgent=False)
    if release is not None:
        assert held_until(release, prefs, urgent=False) is None


@given(now=moments, prefs=preferences, fraction=st.floats(0, 1, exclude_max=True))
def test_held_until_holds_everything_until_the_release_to_the_same_time(now, prefs, fraction):
    release = held_until(now, prefs, urgent=False)
    if release is not None:
        # Whole microseconds, rounded down: never the release itself.
        later = now + timedelta(
            microseconds=int((release - now) / timedelta(microseconds=1) * fraction)
        )
        assert held_until(later, prefs, urgent=False) == release


@pytest.mark.parametrize(
    ("now", "release"),
    [
        (_jst(23), _jst(7, day=2)),
        (_jst(22), _jst(7, day=2)),
        (_jst(0, 0), _jst(7)),
        (_jst(3, 30), _jst(7)),
        (_jst(6, 59), _jst(7)),
        (_jst(6, 59, 59), _jst(7)),
        (_jst(7), None),
        (_jst(12), None),
        (_jst(21, 59, 59), None),
    ],
)
def test_held_until_default_window(now, release):
    assert held_until(now, DEFAULTS, urgent=False) == release


def test_held_until_answers_utc():
    release = held_until(_jst(23), DEFAULTS, urgent=False)
    assert release == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    assert release is not None and release.tzinfo is UTC


def test_held_until_reads_the_tokyo_clock_not_the_given_zone():
    # 14:00 UTC is 23:00 in Tokyo: quiet, although it is afternoon in London.
    assert held_until(datetime(2026, 12, 1, 14, 0, tzinfo=UTC), DEFAULTS, urgent=False) == (
        _jst(7, day=2)
    )


@pytest.mark.parametrize(
    ("now", "release"),
    [
        (_jst(12, 59), None),
        (_jst(13), _jst(14)),
        (_jst(13, 30), _jst(14)),
        (_jst(14), None),
        (_jst(23), None),
    ],
)
def test_held_until_daytime_window(now, release):
    assert held_until(now, _window(time(13), time(14)), urgent=False) == release


def test_held_until_disabled_window_is_none():
    assert held_until(_jst(23), replace(DEFAULTS, quiet_enabled=False), urgent=False) is None


def test_held_until_urgent_is_none_inside_window():
    assert held_until(_jst(23), DEFAULTS, urgent=True) is None


def test_held_until_naive_now_is_an_error():
    with pytest.raises(ValueError, match="aware"):
        held_until(datetime(2026, 12, 1, 23), DEFAULTS, urgent=False)


def test_wants_everything_by_default():
    assert all(wants(DEFAULTS, type) for type in TYPES)


def test_wants_not_a_disabled_type():
    prefs = replace(DEFAULTS, disabled=frozenset({NEW_OFFER}))
    assert not wants(prefs, NEW_OFFER)


def test_wants_an_always_on_type_even_when_stored_as_disabled():
    prefs = replace(DEFAULTS, disabled=frozenset(ALWAYS_ON))
    assert wants(prefs, MATCH_CANCELLED)


def test_preferences_for_users_without_rows_are_defaults(app_context):
    first, second = UserFactory(), UserFactory()
    update_settings(
        Actor(uid=first.firebase_uid, user=first),
        {"types": {NEW_OFFER: False}, "quiet_hours": {"enabled": False}},
    )
    prefs = preferences_for([first.id, second.id])
    assert prefs == {
        first.id: replace(DEFAULTS, disabled=frozenset({NEW_OFFER}), quiet_enabled=False),
        second.id: DEFAULTS,
    }


def test_preferences_for_nobody_is_empty(app_context):
    assert preferences_for([]) == {}
