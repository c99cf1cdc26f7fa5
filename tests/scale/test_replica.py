"""Reads from a streaming replica, for real: a throwaway primary, a hot standby made from
it with pg_basebackup -R, and the app with DATABASE_URL on the one and
DATABASE_REPLICA_URL on the other. With the standby's replay paused, what the API writes
is on the primary at once (201, and readable by id) while the feed and the statistics —
the views that read the replica — do not show it until replay resumes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine

from otagai.domain.clock import TOKYO
from tests.conftest import migrate
from tests.helpers import ApiClient
from tests.races.world import make_community
from tests.scale.apps import app_on
from tests.scale.clusters import Replication, primary_and_standby
from tests.scale.neighbourhood import HOME, PROJECT, Pair, feed_ids, post_pickup

pytestmark = pytest.mark.slow

DATABASE = "otagai"
SAITAMA = "111007"  # the municipality of make_community


@pytest.fixture(scope="module")
def replication() -> Iterator[Replication]:
    with primary_and_standby() as replication:
        replication.primary.query(f"CREATE DATABASE {DATABASE}")
        migrate(replication.primary.url(DATABASE))
        engine = create_engine(replication.primary.url(DATABASE))
        try:
            make_community(engine)
        finally:
            engine.dispose()
        replication.caught_up()
        yield replication


@pytest.fixture(scope="module")
def community_id(replication: Replication) -> uuid.UUID:
    found = replication.primary.query("SELECT id FROM communities", DATABASE)
    assert isinstance(found, uuid.UUID)
    return found


@pytest.fixture(scope="module")
def app(replication: Replication) -> Iterator[Flask]:
    primary, standby = replication.primary.url(DATABASE), replication.standby.url(DATABASE)
    with app_on(primary, database_replica_url=standby) as app:
        yield app


@pytest.fixture(scope="module")
def app_without_replica(replication: Replication) -> Iterator[Flask]:
    with app_on(replication.primary.url(DATABASE)) as app:
        yield app


@contextmanager
def replay_paused(replication: Replication) -> Iterator[None]:
    """The standby keeps receiving WAL but applies none of it; replay resumes and catches
    up afterwards (also when the block fails, for the next test)."""
    replication.caught_up()
    replication.pause_replay()
    try:
        yield
    finally:
        replication.resume_replay()
        replication.caught_up()


def _this_month() -> str:
    return datetime.now(TOKYO).strftime("%Y-%m")


def _requests_posted(operator: ApiClient) -> Any:
    month = _this_month()
    response = operator.get(f"/v1/municipalities/{SAITAMA}/stats?from={month}&to={month}")
    assert response.status_code == 200, response.get_data(as_text=True)
    [figures] = response.get_json()["months"]
    return figures["total"]["requests_posted"]


def _operator(app: Flask) -> ApiClient:
    return ApiClient(app.test_client(), f"scale-operator-{uuid.uuid4().hex[:8]}", PROJECT,
                     operator=True)  # fmt: skip


def test_the_standby_is_a_hot_standby_of_the_primary(replication):
    assert replication.standby.query("SELECT pg_is_in_recovery()") is True
    assert replication.primary.query("SELECT pg_is_in_recovery()") is False
    senders = replication.primary.query("SELECT count(*) FROM pg_stat_replication")
    assert senders == 1


def test_with_a_replica_the_feed_waits_for_replay_while_writes_go_to_the_primary(
    app, replication, community_id
):
    pair = Pair.new(app)
    child_id = pair.meet(community_id)
    seen = post_pickup(pair.parent, community_id, child_id, slot=0)
    replication.caught_up()
    assert feed_ids(pair.supporter) == [seen]  # a candidate, reading the standby
    with replay_paused(replication):
        # 201: written on the primary (the standby would refuse a write: read-only).
        new = post_pickup(pair.parent, community_id, child_id, slot=1)
        # Its read by id is not a replica view: found at once.
        assert pair.parent.call(200, "get", f"/v1/share-requests/{new}")["id"] == new
        assert replication.primary.query(
            f"SELECT count(*) FROM share_requests WHERE id = '{new}'", DATABASE
        ) == 1  # fmt: skip
        assert feed_ids(pair.supporter) == [seen]
        assert replication.standby.query(
            f"SELECT count(*) FROM share_requests WHERE id = '{new}'", DATABASE
        ) == 0  # fmt: skip
    assert sorted(feed_ids(pair.supporter)) == sorted([seen, new])


def test_with_a_replica_statistics_wait_for_replay(app, replication, community_id):
    pair = Pair.new(app)
    child_id = pair.meet(community_id)
    for slot in range(5):  # counts of 1 to 4 are withheld: make the month's total visible
        post_pickup(pair.parent, community_id, child_id, slot=10 + slot)
    operator = _operator(app)
    replication.caught_up()
    before = _requests_posted(operator)
    assert isinstance(before, int) and before >= 5
    with replay_paused(replication):
        post_pickup(pair.parent, community_id, child_id, slot=20)
        assert _requests_posted(operator) == before
    assert _requests_posted(operator) == before + 1


def test_without_a_replica_the_feed_and_statistics_read_the_primary(
    app, app_without_replica, replication, community_id
):
    pair = Pair.new(app_without_replica)
    child_id = pair.meet(community_id)
    for slot in range(5):
        post_pickup(pair.parent, community_id, child_id, slot=30 + slot)
    operator = _operator(app_without_replica)
    before = _requests_posted(operator)
    with replay_paused(replication):
        new = post_pickup(pair.parent, community_id, child_id, slot=40)
        assert new in feed_ids(pair.supporter)
        assert _requests_posted(operator) == before + 1
        # The same moment through the app that has a replica: not yet.
        assert _requests_posted(_operator(app)) == before


AREA = {  # inside さいたま市's boundary, around HOME
    "type": "Polygon",
    "coordinates": [[[139.64, 35.84], [139.67, 35.84], [139.67, 35.87], [139.64, 35.87],
                     [139.64, 35.84]]],
}  # fmt: skip


def _communities_near_home(person: Any) -> list[str]:
    path = f"/v1/communities?lat={HOME['lat']}&lng={HOME['lng']}&limit=50"
    return [c["id"] for c in person.call(200, "get", path)["items"]]


def test_with_a_replica_communities_near_a_point_wait_for_replay(app, replication, community_id):
    pair = Pair.new(app)
    pair.meet(community_id)
    operator = _operator(app)
    with replay_paused(replication):
        body = {"municipality_code": SAITAMA, "name": f"浦和 {uuid.uuid4().hex[:6]}", "area": AREA}
        created = operator.post("/v1/communities", json=body)
        assert created.status_code == 201, created.get_data(as_text=True)
        new = created.get_json()["id"]
        assert new not in _communities_near_home(pair.parent)
    assert new in _communities_near_home(pair.parent)
