"""Attacks on children's notes and their access log, as a matched supporter or another
member with a script would try them: poll the request around the clock to catch the notes
outside their window; keep reading after the match was cancelled; read the log of
another family's child or tell from the answers whether a child id exists."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.api.safety.pickup import another_pickup, pickup_world
from tests.factories import UserFactory, match_world
from tests.helpers import assert_problem

NOTES = "てんかんの発作あり。薬は冷蔵庫"


def _with_notes(db, world):
    for child in world.children:
        child.notes = NOTES
    db.flush()
    return world


def test_polling_every_hour_for_four_days_shows_notes_only_in_the_window(client_as, db, clock):
    world = _with_notes(db, pickup_world())
    at = world.start - timedelta(hours=48)
    seen = []
    while at < world.end + timedelta(hours=48):
        clock.set(at)
        body = client_as(world.supporter).get(f"/v1/share-requests/{world.request.id}")
        if NOTES in body.get_data(as_text=True):
            seen.append(at)
        at += timedelta(minutes=30)
    assert seen, "the supporter never saw the notes"
    assert min(seen) >= world.start - timedelta(hours=24)
    assert max(seen) <= world.end + timedelta(hours=2)


def test_supporter_of_a_cancelled_match_never_sees_notes(client_as, db, clock):
    world = _with_notes(db, match_world(started=False, status="cancelled"))
    clock.set(world.request.starts_at)
    response = client_as(world.supporter).get(f"/v1/share-requests/{world.request.id}")
    assert response.status_code in (200, 404)
    assert NOTES not in response.get_data(as_text=True)


def test_supporter_of_another_match_at_the_same_time_sees_no_notes(client_as, db, clock):
    a = _with_notes(db, pickup_world())
    b = another_pickup(a)
    clock.set(a.start)
    response = client_as(b.supporter).get(f"/v1/share-requests/{a.request.id}")
    assert NOTES not in response.get_data(as_text=True)


def test_access_log_of_another_familys_child_is_indistinguishable_from_none(client_as, db):
    world = pickup_world()
    for reader in (world.supporter, UserFactory()):
        real = client_as(reader).get(f"/v1/me/children/{world.children[0].id}/access-log")
        made_up = client_as(reader).get(f"/v1/me/children/{uuid.uuid4()}/access-log")
        assert_problem(real, 404, "child_not_found")
        assert_problem(made_up, 404, "child_not_found")
        strip = ("request_id", "instance")
        assert {k: v for k, v in real.get_json().items() if k not in strip} == {
            k: v for k, v in made_up.get_json().items() if k not in strip
        }


def test_reading_through_head_is_logged_too(client_as, db, clock):
    """A HEAD runs the same view: the supporter cannot read quietly."""
    world = _with_notes(db, pickup_world())
    clock.set(world.start)
    client_as(world.supporter).head(f"/v1/share-requests/{world.request.id}")
    log = client_as(world.parent).get(f"/v1/me/children/{world.children[0].id}/access-log")
    assert len(log.get_json()["items"]) == 1
