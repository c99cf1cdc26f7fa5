"""Repeated no-shows in candidate ranking (issue 14; docs/ranking.md): a supporter with
NO_SHOW_RANK_COUNT no-shows against them in NO_SHOW_RANK_DAYS days sorts after everybody
else of their trust tier, and only within it. The no-shows are recorded through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from otagai.domain.matching.candidates import NO_SHOW_RANK_COUNT, NO_SHOW_RANK_DAYS
from tests.api.test_candidates import _candidates, _certified, _place, _request, hood
from tests.factories import ConnectionFactory, add_match

__all__ = ["hood"]  # the fixture, shared with test_candidates

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _no_shows(client_as, clock, hood, supporter, count, *, days_ago=1.0):
    """``count`` past matches of the parent with ``supporter``, each recorded as a no-show
    by the parent an hour after its start."""
    for n in range(count):
        start = NOW - dt.timedelta(days=days_ago + n)
        match = add_match(
            _request(hood, starts_at=start, ends_at=start + dt.timedelta(hours=1)), supporter
        )
        clock.set(start + dt.timedelta(hours=1))
        response = client_as(hood.parent).post(
            f"/v1/matches/{match.id}/no-show", json={"reason": "来られませんでした"}
        )
        assert response.status_code == 201, response.get_json()
    clock.set(NOW)


@pytest.fixture
def pair(db, hood, clock):
    """Two certified supporters of the same tier, ``near`` (400 m) ranked before ``far``
    (800 m), and the parent's open pickup tomorrow."""
    clock.set(NOW)
    near, far = _certified(hood), _certified(hood)
    _place(db, near, 400)
    _place(db, far, 800)
    return near, far


def _order(client_as, hood, request):
    return [c["user_id"] for c in _candidates(client_as, hood.parent, request)]


def test_repeated_no_shows_rank_a_supporter_after_the_others_of_their_tier(
    client_as, db, hood, pair, clock
):
    near, far = pair
    request = _request(hood)
    assert _order(client_as, hood, request) == [str(near.id), str(far.id)]
    _no_shows(client_as, clock, hood, near, NO_SHOW_RANK_COUNT)
    assert _order(client_as, hood, request) == [str(far.id), str(near.id)]


def test_a_single_no_show_changes_nothing(client_as, db, hood, pair, clock):
    near, far = pair
    _no_shows(client_as, clock, hood, near, NO_SHOW_RANK_COUNT - 1)
    assert _order(client_as, hood, _request(hood)) == [str(near.id), str(far.id)]


def test_no_shows_older_than_the_window_change_nothing(client_as, db, hood, pair, clock):
    near, far = pair
    _no_shows(client_as, clock, hood, near, NO_SHOW_RANK_COUNT, days_ago=NO_SHOW_RANK_DAYS + 2)
    assert _order(client_as, hood, _request(hood)) == [str(near.id), str(far.id)]


def test_no_shows_lower_a_supporter_within_their_tier_only(client_as, db, hood, pair, clock):
    near, far = pair
    friend = _certified(hood)
    ConnectionFactory(a=hood.parent, b=friend)  # connection and certified: the top tier
    _place(db, friend, 1500)
    _no_shows(client_as, clock, hood, friend, NO_SHOW_RANK_COUNT)
    items = _candidates(client_as, hood.parent, _request(hood))
    assert [c["user_id"] for c in items] == [str(friend.id), str(near.id), str(far.id)]
    assert items[0]["trust_tier"] == "connection_certified"


def test_no_shows_of_the_requester_side_do_not_lower_the_supporter(
    client_as, db, hood, pair, clock
):
    near, far = pair
    for n in range(NO_SHOW_RANK_COUNT):
        start = NOW - dt.timedelta(days=1 + n)
        match = add_match(
            _request(hood, starts_at=start, ends_at=start + dt.timedelta(hours=1)), near
        )
        clock.set(start + dt.timedelta(hours=1))
        response = client_as(near).post(
            f"/v1/matches/{match.id}/no-show", json={"reason": "いらっしゃいませんでした"}
        )
        assert response.status_code == 201
    clock.set(NOW)
    assert _order(client_as, hood, _request(hood)) == [str(near.id), str(far.id)]
