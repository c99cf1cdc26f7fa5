"""The calendar feed: my matches and my series' coming dates, parsed back by icalendar and
by vobject (an independent parser) to the same events; stable UIDs; revocable token."""

from __future__ import annotations

import datetime as dt

import vobject
from icalendar import Calendar

from otagai.domain.clock import TOKYO
from tests.api.series.world import by_date, post_series, series_world


def _feed_url(client) -> str:
    answer = client.post("/v1/me/calendar-token")
    assert answer.status_code == 200, answer.json
    return "/ical/" + answer.json["url"].rsplit("/ical/", 1)[1]


def _events_icalendar(body: bytes) -> dict[str, tuple[str, dt.datetime, dt.datetime]]:
    cal = Calendar.from_ical(body)
    return {
        str(e["uid"]): (str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend"))
        for e in cal.walk("VEVENT")
    }


def _events_vobject(body: bytes) -> dict[str, tuple[str, dt.datetime, dt.datetime]]:
    cal = vobject.readOne(body.decode())
    return {
        e.uid.value: (e.summary.value, e.dtstart.value, e.dtend.value)
        for e in cal.contents.get("vevent", [])
    }


def _world_with_series(client_as, clock):
    world = series_world(clock)
    parent, supporter = client_as(world.parent), client_as(world.supporter)
    series = post_series(parent, world).json
    offer = supporter.post(
        f"/v1/share-series/{series['id']}/offers", json={}, headers={"Idempotency-Key": "o"}
    ).json
    series = parent.post(f"/v1/share-series/{series['id']}/offers/{offer['id']}/accept").json
    return world, series


def test_feed_parses_back_to_the_same_events_with_both_parsers(client, client_as, db, clock):
    world, series = _world_with_series(client_as, clock)
    url = _feed_url(client_as(world.parent))
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer.mimetype == "text/calendar"
    assert "no-store" in answer.headers["Cache-Control"]
    assert "private" in answer.headers["Cache-Control"]
    first = by_date(series)["2027-01-04"]
    ours = _events_icalendar(answer.data)
    theirs = _events_vobject(answer.data)
    assert ours == theirs
    start = dt.datetime(2027, 1, 4, 17, 30, tzinfo=TOKYO)
    assert ours[f"match-{first['match_id']}@otagai"] == (
        "お迎え · Otagai",
        start,
        start + dt.timedelta(hours=1),
    )
    # The coming dates without a match yet (not the holiday), at 17:30 Tokyo.
    tentative = {uid: v for uid, v in ours.items() if uid.startswith("occurrence-")}
    assert [v[1].date().isoformat() for v in sorted(tentative.values(), key=lambda v: v[1])] == [
        "2027-01-18", "2027-01-25", "2027-02-01", "2027-02-08"
    ]  # fmt: skip
    assert all(v[1].astimezone(TOKYO).time() == dt.time(17, 30) for v in tentative.values())
    assert b"TZID=Asia/Tokyo" in answer.data and b"BEGIN:VTIMEZONE" in answer.data
    # The supporter's feed holds the same match under the same UID.
    supporter_feed = _events_icalendar(client.get(_feed_url(client_as(world.supporter))).data)
    assert f"match-{first['match_id']}@otagai" in supporter_feed


def test_feed_uids_stay_the_same_when_regenerated(client, client_as, db, clock):
    world, _ = _world_with_series(client_as, clock)
    url = _feed_url(client_as(world.parent))
    first, second = client.get(url).data, client.get(url).data
    assert first == second
    assert set(_events_icalendar(first)) == set(_events_vobject(second))


def test_rotated_and_revoked_tokens_open_nothing(client, client_as, db, clock):
    world, _ = _world_with_series(client_as, clock)
    parent = client_as(world.parent)
    old = _feed_url(parent)
    new = _feed_url(parent)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert parent.delete("/v1/me/calendar-token").status_code == 204
    assert client.get(new).status_code == 404
