"""The trust SQL helpers other areas build on (candidates, feeds), and the rate limit's
arithmetic, at service level."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import aliased

from otagai.domain.people.models import User
from otagai.domain.trust import ratelimit
from otagai.domain.trust.models import RateLimitHit
from otagai.domain.trust.queries import (
    are_connected,
    blocked_either_way,
    connected_user_ids_clause,
    is_blocked_either_way,
    is_connected,
)
from otagai.extensions.db import session
from tests.factories import BlockFactory, ConnectionFactory, UserFactory


def _ids(stmt) -> set:
    return set(session.scalars(stmt))


def test_connected_user_ids_include_both_sides_of_stored_pairs(app_context):
    me = UserFactory()
    # One friend stored as the pair's low side, one as its high side.
    lower = UserFactory(id=uuid.UUID(int=me.id.int - 1))
    higher = UserFactory(id=uuid.UUID(int=me.id.int + 1))
    ConnectionFactory(a=me, b=lower)
    ConnectionFactory(a=higher, b=me)
    ConnectionFactory()  # strangers
    found = _ids(select(User.id).where(User.id.in_(connected_user_ids_clause(me.id))))
    assert found == {lower.id, higher.id}


def test_connected_user_ids_correlate_with_an_outer_column(app_context):
    a, b = UserFactory(), UserFactory()
    UserFactory()
    ConnectionFactory(a=a, b=b)
    other = aliased(User)
    # For every user, are they connected to b? Only a is.
    stmt = (
        select(User.id)
        .join(other, other.id == b.id)
        .where(User.id.in_(connected_user_ids_clause(other.id)))
    )
    # Uncorrelated, it would answer everybody with any connection: {a, b}.
    assert _ids(stmt) == {a.id}


def test_connected_user_ids_of_loner_is_empty(app_context):
    ConnectionFactory()
    me = UserFactory()
    assert _ids(select(User.id).where(User.id.in_(connected_user_ids_clause(me.id)))) == set()


def test_is_connected_works_as_a_column_filter(app_context):
    me, friend, stranger = UserFactory(), UserFactory(), UserFactory()
    ConnectionFactory(a=friend, b=me)
    stmt = select(User.id).where(
        User.id.in_([friend.id, stranger.id]), is_connected(User.id, me.id)
    )
    assert _ids(stmt) == {friend.id}


@pytest.mark.parametrize("stored_as", ["a_b", "b_a"])
def test_are_connected_is_symmetric(app_context, stored_as):
    a, b = UserFactory(), UserFactory()
    ConnectionFactory(a=a, b=b) if stored_as == "a_b" else ConnectionFactory(a=b, b=a)
    assert are_connected(a.id, b.id) and are_connected(b.id, a.id)


def test_are_connected_without_connection_is_false(app_context):
    a, b = UserFactory(), UserFactory()
    ConnectionFactory(a=a, b=UserFactory())
    assert not are_connected(a.id, b.id)


@pytest.mark.parametrize("direction", ["i_blocked", "they_blocked"])
def test_blocked_either_way_hides_both_directions(app_context, direction):
    me, them, bystander = UserFactory(), UserFactory(), UserFactory()
    if direction == "i_blocked":
        BlockFactory(blocker=me, blocked=them)
    else:
        BlockFactory(blocker=them, blocked=me)
    stmt = select(User.id).where(
        User.id.in_([them.id, bystander.id]), ~blocked_either_way(User.id, me.id)
    )
    assert _ids(stmt) == {bystander.id}
    assert is_blocked_either_way(me.id, them.id) and is_blocked_either_way(them.id, me.id)


def test_blocked_either_way_ignores_blocks_between_others(app_context):
    me, them = UserFactory(), UserFactory()
    BlockFactory(blocker=them, blocked=UserFactory())
    BlockFactory(blocker=UserFactory(), blocked=me)
    assert not is_blocked_either_way(me.id, them.id)


# Rate limit arithmetic -------------------------------------------------------------------

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def _hits_at(bucket: str, *ages_s: float) -> None:
    session.add_all(RateLimitHit(bucket=bucket, at=NOW - timedelta(seconds=s)) for s in ages_s)
    session.flush()


def _retry_after(bucket: str) -> int | None:
    return ratelimit.retry_after(bucket, limit=3, window=WINDOW, now=NOW)


def test_retry_after_under_limit_is_none(app_context):
    _hits_at("t:under", 10, 20)
    assert _retry_after("t:under") is None


def test_retry_after_at_limit_waits_for_oldest(app_context):
    _hits_at("t:at", 600, 30, 10)
    assert _retry_after("t:at") == 300


def test_retry_after_over_limit_waits_until_under_limit(app_context):
    # Four hits against a limit of three: the two oldest have to leave.
    _hits_at("t:over", 800, 600, 30, 10)
    assert _retry_after("t:over") == 300


def test_retry_after_ignores_hits_outside_window_and_other_buckets(app_context):
    _hits_at("t:mine", 900, 1000, 10, 20)
    _hits_at("t:theirs", 5, 6, 7)
    assert _retry_after("t:mine") is None


def test_retry_after_rounds_up_to_whole_seconds(app_context):
    _hits_at("t:edge", 899.5, 10, 5)
    assert _retry_after("t:edge") == 1
