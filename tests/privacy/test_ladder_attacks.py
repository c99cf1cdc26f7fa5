"""Attacks on the escalation ladder, as members with a script would try them: a friend of
a friend reading everything they can reach for more than "a friend of <name>"; people on
later rungs polling the request and the feed to see it before their rung; and the
location promise (no exact point, distances rounded from public points) on every rung."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.test_escalation_ladder import T0, _post, _run
from tests.api.test_escalation_ladder import ladder as ladder  # a fixture

pytestmark = pytest.mark.usefixtures("app_context")


def _values(body: Any) -> list[Any]:
    if isinstance(body, dict):
        return [v for x in body.values() for v in _values(x)]
    if isinstance(body, list):
        return [v for x in body for v in _values(x)]
    return [body]


def test_a_friend_of_a_friend_learns_nothing_of_the_requester_but_the_friend(
    client_as, db, ladder, clock
):
    w = ladder
    clock.set(T0)
    rid = _post(client_as, w, T0 + timedelta(hours=3))["id"]
    for _ in range(2):
        _run(clock, clock.at + timedelta(minutes=30))
    answers = [
        client_as(w.fof).get(f"/v1/share-requests/{rid}"),
        client_as(w.fof).get("/v1/share-requests/feed"),
        client_as(w.fof).get(f"/v1/share-requests/{rid}/candidates"),
        client_as(w.fof).get(f"/v1/share-requests/{rid}/offers"),
    ]
    seen = [v for a in answers if a.status_code == 200 for v in _values(a.get_json())]
    assert w.parent.display_name not in seen
    assert w.child.nickname not in seen
    view = answers[0].get_json()
    assert "location" not in view and "dropoff" not in view
    assert view["distance_m"] % 100 == 0
    assert view["children"].keys() <= {"count", "age_bands"}
    # The friend's name is all they learn; the other friends on other paths stay unknown.
    assert "友だち" in seen
    assert not {"友だち2", "友だち3"} & set(seen)


def test_later_rungs_polling_every_few_minutes_never_see_it_early(client_as, db, ladder, clock):
    w = ladder
    clock.set(T0)
    rid = _post(client_as, w, T0 + timedelta(hours=3))["id"]
    first_seen: dict[str, int] = {}
    for _ in range(12):
        for name, user in (("fof", w.fof), ("neighbour", w.neighbour)):
            view = client_as(user).get(f"/v1/share-requests/{rid}").status_code
            feed = client_as(user).get("/v1/share-requests/feed").get_json()["items"]
            if view == 200 or feed:
                mine = client_as(w.parent).get(f"/v1/share-requests/{rid}").get_json()
                first_seen.setdefault(name, mine["rung"]["name"])
        _run(clock, clock.at + timedelta(minutes=10))
    assert first_seen == {"fof": "friends_of_friends", "neighbour": "neighbouring"}


def test_every_rung_shows_candidates_only_rounded_distances_from_public_points(
    client_as, db, ladder, clock
):
    w = ladder
    clock.set(T0)
    rid = _post(client_as, w, T0 + timedelta(hours=3))["id"]
    for _ in range(4):
        items = client_as(w.parent).get(f"/v1/share-requests/{rid}/candidates").get_json()
        for candidate in items["items"]:
            assert candidate["distance_m"] % 100 == 0
            assert not {"home", "location", "lat", "lng"} & candidate.keys()
        for user in (w.friend, w.certified, w.fof, w.neighbour):
            response = client_as(user).get(f"/v1/share-requests/{rid}")
            if response.status_code == 200:
                assert "location" not in response.get_json()
        _run(clock, clock.at + timedelta(minutes=30))
