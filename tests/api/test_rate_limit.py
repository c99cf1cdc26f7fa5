"""Failed code redemptions are limited per user: 10 per 15 minutes, then 429."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from otagai.domain.trust.models import Connection, ConnectionCode, RateLimitHit
from otagai.domain.trust.ratelimit import REDEEM_LIMIT, REDEEM_WINDOW, redeem_bucket
from tests.factories import UserFactory
from tests.helpers import assert_problem, code_of

pytestmark = pytest.mark.usefixtures("forget_rate_limit_hits")


def _fail(api, times: int) -> None:
    for _ in range(times):
        assert api.post("/v1/connections", json={"code": "ZZZZZZ"}).status_code == 404


def _hits(db, user) -> int:
    return db.scalar(
        select(func.count())
        .select_from(RateLimitHit)
        .where(RateLimitHit.bucket == redeem_bucket(user.id))
    )


def _add_hits(db, user, count: int, age: timedelta) -> None:
    at = datetime.now(UTC) - age
    db.add_all(RateLimitHit(bucket=redeem_bucket(user.id), at=at) for _ in range(count))
    db.flush()


def test_limit_is_ten_failures_per_fifteen_minutes():
    assert (10, timedelta(minutes=15)) == (REDEEM_LIMIT, REDEEM_WINDOW)


def test_redeem_after_ten_failures_is_429_even_for_valid_code(client_as, db):
    me = UserFactory()
    api = client_as(me)
    _fail(api, 10)
    code = code_of(client_as, UserFactory())
    response = api.post("/v1/connections", json={"code": code})
    assert_problem(response, 429, "too_many_attempts")
    assert db.scalar(select(func.count()).select_from(Connection)) == 0
    assert db.scalar(select(ConnectionCode.used_at).where(ConnectionCode.code == code)) is None


def test_redeem_after_nine_failures_is_201(client_as):
    api = client_as(UserFactory())
    _fail(api, 9)
    response = api.post("/v1/connections", json={"code": code_of(client_as, UserFactory())})
    assert response.status_code == 201


def test_failed_redemptions_are_counted_although_rolled_back(client_as, db):
    me = UserFactory()
    _fail(client_as(me), 3)
    assert _hits(db, me) == 3


def test_every_kind_of_failure_counts(client_as, db):
    me = UserFactory()
    api = client_as(me)
    used = code_of(client_as, UserFactory())
    client_as(UserFactory()).post("/v1/connections", json={"code": used})
    assert api.post("/v1/connections", json={"code": used}).status_code == 409
    assert api.post("/v1/connections", json={"code": code_of(client_as, me)}).status_code == 422
    assert _hits(db, me) == 2


def test_successful_redemption_is_not_counted(client_as, db):
    me = UserFactory()
    client_as(me).post("/v1/connections", json={"code": code_of(client_as, UserFactory())})
    assert _hits(db, me) == 0


def test_429_has_retry_after_until_oldest_failure_leaves_window(client_as):
    api = client_as(UserFactory())
    _fail(api, 10)
    response = api.post("/v1/connections", json={"code": "ZZZZZZ"})
    assert_problem(response, 429, "too_many_attempts")
    assert 890 <= int(response.headers["Retry-After"]) <= 900


def test_retry_after_counts_from_oldest_failure_in_window(client_as, db):
    me = UserFactory()
    _add_hits(db, me, 1, age=timedelta(minutes=14))
    _add_hits(db, me, 9, age=timedelta(minutes=1))
    response = client_as(me).post("/v1/connections", json={"code": "ZZZZZZ"})
    assert_problem(response, 429, "too_many_attempts")
    assert 50 <= int(response.headers["Retry-After"]) <= 60


def test_429_attempts_are_not_counted(client_as, db):
    me = UserFactory()
    api = client_as(me)
    _fail(api, 10)
    for _ in range(3):
        assert api.post("/v1/connections", json={"code": "ZZZZZZ"}).status_code == 429
    assert _hits(db, me) == 10


def test_failures_of_another_user_do_not_count(client_as):
    _fail(client_as(UserFactory()), 10)
    me = client_as(UserFactory())
    response = me.post("/v1/connections", json={"code": code_of(client_as, UserFactory())})
    assert response.status_code == 201


def test_failures_older_than_window_do_not_count(client_as, db):
    me = UserFactory()
    _add_hits(db, me, 10, age=REDEEM_WINDOW + timedelta(seconds=1))
    response = client_as(me).post(
        "/v1/connections", json={"code": code_of(client_as, UserFactory())}
    )
    assert response.status_code == 201


def test_failures_just_inside_window_still_count(client_as, db):
    me = UserFactory()
    _add_hits(db, me, 10, age=REDEEM_WINDOW - timedelta(seconds=30))
    response = client_as(me).post(
        "/v1/connections", json={"code": code_of(client_as, UserFactory())}
    )
    assert_problem(response, 429, "too_many_attempts")


def test_failure_purges_my_hits_older_than_window(client_as, engine, db):
    me = UserFactory()
    old = datetime.now(UTC) - REDEEM_WINDOW - timedelta(minutes=1)
    with engine.begin() as conn:  # committed, like real hits
        conn.execute(RateLimitHit.__table__.insert(), [{"bucket": redeem_bucket(me.id), "at": old}])
    _fail(client_as(me), 1)
    assert _hits(db, me) == 1
