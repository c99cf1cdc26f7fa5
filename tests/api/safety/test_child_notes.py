"""Children's notes, time-boxed (issue 14): the matched supporter reads them only from
24 h before the start to 2 h after the end, and every read from outside the household is
in the child's access log, which only the household reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from otagai.domain.people.access_log import ChildRead
from tests.api.safety.pickup import pickup_world
from tests.factories import UserFactory
from tests.helpers import assert_problem

NOTES = "卵アレルギー。エピペンは青いポーチ"


@pytest.fixture
def world(db):
    world = pickup_world()
    for child in world.children:
        child.notes = NOTES
    db.flush()
    return world


def _children(client_as, user, world):
    response = client_as(user).get(f"/v1/share-requests/{world.request.id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["children"]["list"]


def _log(client_as, user, child, **params):
    return client_as(user).get(f"/v1/me/children/{child.id}/access-log", query_string=params)


@pytest.mark.parametrize(
    ("at", "visible"),
    [
        (lambda w: w.start - timedelta(hours=24, minutes=1), False),
        (lambda w: w.start - timedelta(hours=24), True),
        (lambda w: w.start, True),
        (lambda w: w.end + timedelta(hours=2), True),
        (lambda w: w.end + timedelta(hours=2, seconds=1), False),
        (lambda w: w.end + timedelta(days=3), False),
    ],
    ids=["25h-before", "24h-before", "start", "2h-after", "just-after", "days-after"],
)
def test_supporter_sees_notes_only_inside_the_window(client_as, world, clock, at, visible):
    clock.set(at(world))
    children = _children(client_as, world.supporter, world)
    assert [c["nickname"] for c in children] == [c.nickname for c in world.children]
    for child in children:
        assert ("notes" in child) is visible
        if visible:
            assert child["notes"] == NOTES
    # the household always sees them
    assert all(c["notes"] == NOTES for c in _children(client_as, world.partner, world))


def test_notes_absent_from_every_answer_outside_the_window(client_as, world, clock):
    clock.set(world.start - timedelta(days=2))
    for path in (
        f"/v1/share-requests/{world.request.id}",
        f"/v1/matches/{world.match.id}",
        f"/v1/matches/{world.match.id}/timeline",
        "/v1/me/share-requests",
        "/v1/share-requests/feed",
    ):
        response = client_as(world.supporter).get(path)
        assert response.status_code == 200, (path, response.get_json())
        assert NOTES not in response.get_data(as_text=True), path


def test_each_read_is_in_the_access_log_for_the_household(client, client_as, world, clock):
    child = world.children[0]
    clock.set(world.start - timedelta(days=2))
    _children(client_as, world.supporter, world)  # outside: nickname and age
    clock.set(world.start - timedelta(hours=1))
    _children(client_as, world.supporter, world)  # inside: with the notes
    clock.set(world.start - timedelta(minutes=20))  # the pass is valid from 30 min before
    token = client_as(world.supporter).get(f"/v1/matches/{world.match.id}/pass").get_json()
    assert client.get(f"/pass/{token['token']}").status_code == 200
    # the household's own reads are not logged, nor an opening of the pass that shows nothing
    _children(client_as, world.parent, world)
    clock.set(world.start - timedelta(hours=3))
    assert client.get(f"/pass/{token['token']}").status_code == 200

    response = _log(client_as, world.partner, child)
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [(i["via"], i["shown"]) for i in items] == [
        ("pickup_pass", ["nickname"]),
        ("share_request", ["nickname", "age", "notes"]),
        ("share_request", ["nickname", "age"]),
    ]
    supporter = {"id": str(world.supporter.id), "display_name": world.supporter.display_name}
    assert [i["reader"] for i in items] == [None, supporter, supporter]
    assert {i["match_id"] for i in items} == {str(world.match.id)}
    assert items[1]["read_at"].startswith(
        (world.start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    # each child of the request has its own entries
    assert len(_log(client_as, world.parent, world.children[1]).get_json()["items"]) == 3


def test_access_log_pages_newest_first(client_as, world, clock):
    clock.set(world.start - timedelta(hours=2))
    for _ in range(3):
        _children(client_as, world.supporter, world)
        clock.advance(minutes=1)
    first = _log(client_as, world.parent, world.children[0], limit=2).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = _log(
        client_as, world.parent, world.children[0], limit=2, cursor=first["next_cursor"]
    ).get_json()
    times = [i["read_at"] for i in first["items"] + rest["items"]]
    assert len(times) == 3 and times == sorted(times, reverse=True)
    assert rest["next_cursor"] is None


def test_access_log_is_the_households_alone(client_as, world, db):
    child = world.children[0]
    for user in (world.supporter, UserFactory()):
        assert_problem(_log(client_as, user, child), 404, "child_not_found")


def test_removing_the_child_forgets_its_log(client_as, world, db, clock):
    clock.set(world.start - timedelta(hours=1))
    _children(client_as, world.supporter, world)
    child = world.children[0]
    assert client_as(world.parent).delete(f"/v1/me/children/{child.id}").status_code == 204
    left = db.scalar(
        select(func.count()).select_from(ChildRead).where(ChildRead.child_id == child.id)
    )
    assert left == 0


def test_a_read_that_cannot_be_logged_shows_nothing(client_as, world, db, clock):
    """The log fails closed: when its row cannot be written (here the table refuses like
    a lock that did not come in time), the supporter gets a 503 and no notes."""
    db.execute(
        text(
            "CREATE FUNCTION refuse_child_read() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'log unavailable' USING ERRCODE = '55P03'; END $$; "
            "CREATE TRIGGER refuse_child_read BEFORE INSERT ON child_reads "
            "FOR EACH ROW EXECUTE FUNCTION refuse_child_read()"
        )
    )
    clock.set(world.start - timedelta(hours=1))
    response = client_as(world.supporter).get(f"/v1/share-requests/{world.request.id}")
    assert_problem(response, 503, "database_unavailable")
    assert NOTES not in response.get_data(as_text=True)
    assert world.children[0].nickname not in response.get_data(as_text=True)
