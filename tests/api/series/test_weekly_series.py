"""A weekly series over a public holiday, taken as a whole by one supporter, one date
moved: each date its own request and match, each insured on its own day."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from otagai.domain import outbox
from otagai.domain.clock import TOKYO
from otagai.domain.notifications.jobs import tick
from otagai.domain.outbox import OutboxEvent
from tests.api.series.world import by_date, post_series, series_world
from tests.factories import UserFactory


def _tokyo_time(value: str) -> dt.time:
    return dt.datetime.fromisoformat(value).astimezone(TOKYO).time()


def _take_whole_series(client_as, world) -> dict:
    parent, supporter = client_as(world.parent), client_as(world.supporter)
    created = post_series(parent, world)
    assert created.status_code == 201, created.json
    series_id = created.json["id"]
    offer = supporter.post(
        f"/v1/share-series/{series_id}/offers", json={}, headers={"Idempotency-Key": "o-1"}
    )
    assert offer.status_code == 201, offer.json
    accepted = parent.post(f"/v1/share-series/{series_id}/offers/{offer.json['id']}/accept")
    assert accepted.status_code == 200, accepted.json
    return accepted.json


def test_post_weekly_series_skips_coming_of_age_day(client_as, db, clock):
    world = series_world(clock)
    created = post_series(client_as(world.parent), world)
    assert created.status_code == 201, created.json
    dates = by_date(created.json)
    assert list(dates) == [
        "2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25", "2027-02-01", "2027-02-08"
    ]  # fmt: skip
    assert dates["2027-01-11"]["status"] == "holiday"
    assert dates["2027-01-11"]["request_id"] is None
    # Within three weeks: only the first Monday is a request yet.
    assert dates["2027-01-04"]["request_status"] == "open"
    assert [d for d, o in dates.items() if o["request_id"]] == ["2027-01-04"]
    # 17:30 in Tokyo on every date.
    assert {
        dt.datetime.fromisoformat(o["starts_at"]).astimezone(TOKYO).time() for o in dates.values()
    } == {dt.time(17, 30)}


def test_series_taken_whole_with_one_date_moved_matches_each_date_on_its_day(
    client_as, db, clock, app_context
):
    world = series_world(clock)
    parent = client_as(world.parent)
    series = _take_whole_series(client_as, world)
    series_id = series["id"]
    first = by_date(series)["2027-01-04"]
    assert first["match_status"] == "confirmed"
    assert series["supporter"]["id"] == str(world.supporter.id)

    moved = parent.patch(
        f"/v1/share-series/{series_id}/occurrences/2027-01-25",
        json={
            "starts_at": "2027-01-26T17:30:00+09:00",
            "ends_at": "2027-01-26T18:30:00+09:00",
        },
    )
    assert moved.status_code == 200, moved.json
    assert by_date(moved.json)["2027-01-25"]["moved"] is True

    clock.set(dt.datetime(2027, 1, 6, 9, 0, tzinfo=TOKYO))
    assert tick(clock.at).series_occurrences == 2  # 01-18 and the moved 01-26
    assert tick(clock.at).series_occurrences == 0  # idempotent
    dates = by_date(parent.get(f"/v1/share-series/{series_id}").json)
    assert dates["2027-01-11"]["match_id"] is None
    for day in ("2027-01-04", "2027-01-18", "2027-01-25"):
        assert dates[day]["match_status"] == "confirmed", day
    ages = {}
    for day in ("2027-01-04", "2027-01-18", "2027-01-25"):
        match = parent.get(f"/v1/matches/{dates[day]['match_id']}").json
        assert match["supporter"]["id"] == str(world.supporter.id)
        ages[day] = (
            match["insurance"]["covered"],
            match["insurance"]["children"][0]["age_on_activity_date"],
        )
        request = parent.get(f"/v1/share-requests/{dates[day]['request_id']}").json
        assert dt.datetime.fromisoformat(request["starts_at"]).astimezone(TOKYO).time() == dt.time(
            17, 30
        )
    # The child is 0 on the first Monday (under the policy's minimum), 1 from the next.
    assert ages == {"2027-01-04": (False, 0), "2027-01-18": (True, 1), "2027-01-25": (True, 1)}
    moved_request = parent.get(f"/v1/share-requests/{dates['2027-01-25']['request_id']}").json
    assert moved_request["starts_at"].startswith("2027-01-26T08:30:00")


def test_a_candidate_finds_the_series_from_a_dates_request(client_as, db, clock):
    world = series_world(clock)
    created = post_series(client_as(world.parent), world)
    request_id = by_date(created.json)["2027-01-04"]["request_id"]
    seen = client_as(world.supporter).get(f"/v1/share-requests/{request_id}")
    assert seen.status_code == 200, seen.json
    assert seen.json["series_id"] == created.json["id"]
    mine = client_as(world.parent).get("/v1/me/share-requests").json["items"]
    assert {r["series_id"] for r in mine} == {created.json["id"]}


def test_my_series_lists_my_households_and_those_i_support_only(client_as, db, clock):
    world = series_world(clock)
    series = _take_whole_series(client_as, world)
    for user in (world.parent, world.supporter):
        listed = client_as(user).get("/v1/share-series").json
        assert [s["id"] for s in listed["items"]] == [series["id"]], listed
    stranger = client_as(UserFactory()).get("/v1/share-series")
    assert stranger.status_code == 200 and stranger.json["items"] == []


def test_the_supporter_is_told_once_for_the_whole_series(client_as, db, clock, app_context):
    world = series_world(clock)
    series = _take_whole_series(client_as, world)
    tick(clock.at, series_horizon=dt.timedelta(days=60))  # every date a request, matched
    seen = client_as(world.parent).get(f"/v1/share-series/{series['id']}").json
    assert len([d for d in by_date(seen).values() if d["match_status"]]) > 1
    told = db.scalars(select(OutboxEvent).where(OutboxEvent.kind == outbox.OFFER_ACCEPTED)).all()
    assert [(e.recipients, e.payload.get("series_id")) for e in told] == [
        ([world.supporter.id], series["id"])
    ]
