"""The match timeline (issue 14): both parties read the same history, in server order;
nobody else can read it."""

from __future__ import annotations

from datetime import timedelta

from otagai.domain.matches import timeline
from tests.factories import UserFactory, match_world
from tests.helpers import assert_problem


def test_timeline_as_both_parties_lists_recorded_events_in_order(client_as, db, app_context):
    world = match_world()
    at = world.match.starts_at
    timeline.record(world.match, timeline.ARRIVED, at=at + timedelta(minutes=20))
    timeline.record(world.match, timeline.PICKED_UP, at=at + timedelta(minutes=5))
    bodies = [
        client_as(who).get(f"/v1/matches/{world.match.id}/timeline").get_json()
        for who in (world.parent, world.supporter)
    ]
    assert bodies[0] == bodies[1]
    items = bodies[0]["items"]
    recorded = [i["type"] for i in items if i["type"] in ("picked_up", "arrived")]
    assert recorded == ["picked_up", "arrived"]
    assert "match_confirmed" in [i["type"] for i in items]
    assert [i["at"] for i in items] == sorted(i["at"] for i in items)


def test_timeline_as_stranger_is_404(client_as, db):
    world = match_world()
    response = client_as(UserFactory()).get(f"/v1/matches/{world.match.id}/timeline")
    assert_problem(response, 404, "match_not_found")


def test_record_with_dedupe_key_writes_once(db, app_context):
    world = match_world()
    at = world.match.starts_at
    first = timeline.record(world.match, timeline.PICKED_UP, at=at, dedupe_key="k")
    again = timeline.record(world.match, timeline.PICKED_UP, at=at, dedupe_key="k")
    assert (first, again) == (True, False)
    assert len(timeline.events_of(world.match.id)) == 1


def test_clock_fixture_moves_the_service_time(client_as, db, clock):
    world = match_world(started=False)
    clock.set(world.match.ends_at + timedelta(hours=5))
    # A token minted under the moved clock still signs in; the service reads the new time.
    response = client_as(world.parent).post(f"/v1/matches/{world.match.id}/complete")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["completed_at"].startswith(
        (world.match.ends_at + timedelta(hours=5)).strftime("%Y-%m-%dT%H")
    )
