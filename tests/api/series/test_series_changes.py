"""Refused rules, ending a series and its supporter leaving it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from otagai.domain import outbox
from otagai.domain.outbox import OutboxEvent
from otagai.domain.requests.models import ShareRequest
from otagai.domain.series.models import SeriesOccurrence, ShareSeries
from tests.api.series.world import by_date, post_series, series_body, series_world
from tests.helpers import assert_problem, unchanged


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", "Must end: give COUNT or UNTIL."),
        ("FREQ=HOURLY;COUNT=3", "FREQ must be DAILY, WEEKLY or MONTHLY."),
        ("FREQ=DAILY;COUNT=61", "At most 60 occurrences."),
        ("FREQ=MONTHLY;COUNT=14", "The last occurrence must be at most one year ahead."),
        ("FREQ=WEEKLY;COUNT=2;BYHOUR=9", "BYHOUR, BYMINUTE and BYSECOND are not allowed: "
         "the time is starts_at's."),
    ],
    ids=["unbounded", "hourly", "too-many", "too-far", "byhour"],
)  # fmt: skip
def test_post_series_with_a_bad_rule_is_422_and_writes_nothing(client_as, db, clock, rule, message):
    world = series_world(clock)
    with unchanged(db, ShareSeries, SeriesOccurrence, ShareRequest):
        answer = client_as(world.parent).post(
            "/v1/share-series",
            json=series_body(world, rrule=rule),
            headers={"Idempotency-Key": "bad", "Accept-Language": "en"},
        )
    body = assert_problem(answer, 422, "validation_failed")
    assert message in body["errors"]["rrule"]


def test_end_cancels_the_dates_not_started_with_their_requests(client_as, db, clock):
    world = series_world(clock)
    parent = client_as(world.parent)
    series = post_series(parent, world).json
    ended = parent.post(f"/v1/share-series/{series['id']}/end")
    assert ended.status_code == 200, ended.json
    assert ended.json["status"] == "ended"
    dates = by_date(ended.json)
    assert {o["status"] for o in dates.values()} == {"cancelled"}
    first = parent.get(f"/v1/share-requests/{series['occurrences'][0]['request_id']}").json
    assert first["status"] == "cancelled"
    assert_problem(parent.post(f"/v1/share-series/{series['id']}/end"), 409, "share_series_ended")


def test_supporter_leaving_cancels_their_matches_and_reopens_the_dates(client_as, db, clock):
    world = series_world(clock)
    parent, supporter = client_as(world.parent), client_as(world.supporter)
    series = post_series(parent, world).json
    offer = supporter.post(
        f"/v1/share-series/{series['id']}/offers", json={}, headers={"Idempotency-Key": "o"}
    ).json
    taken = parent.post(f"/v1/share-series/{series['id']}/offers/{offer['id']}/accept").json
    old = by_date(taken)["2027-01-04"]
    left = supporter.post(f"/v1/share-series/{series['id']}/leave", json={"reason": "転勤"})
    assert left.status_code == 200, left.json
    after = by_date(parent.get(f"/v1/share-series/{series['id']}").json)["2027-01-04"]
    assert after["request_status"] == "open" and after["match_id"] is None
    assert after["request_id"] != old["request_id"]
    match = parent.get(f"/v1/matches/{old['match_id']}").json
    assert match["status"] == "cancelled"
    assert match["cancel_reason"] == "転勤"
    assert_problem(supporter.get(f"/v1/share-series/{series['id']}"), 404)


def test_a_series_offer_withdrawn_by_its_supporter_or_declined_by_the_requester(
    client_as, db, clock, app_context
):
    world = series_world(clock)
    parent, supporter = client_as(world.parent), client_as(world.supporter)
    series_id = post_series(parent, world).json["id"]

    def offer(key):
        made = supporter.post(
            f"/v1/share-series/{series_id}/offers", json={}, headers={"Idempotency-Key": key}
        )
        assert made.status_code == 201, made.json
        return f"/v1/share-series/{series_id}/offers/{made.json['id']}"

    first = offer("o-1")
    assert_problem(parent.post(f"{first}/withdraw"), 403, "series_offerer_only")
    assert supporter.post(f"{first}/withdraw").json["status"] == "withdrawn"
    # With no live offer they no longer see the series at all.
    assert_problem(supporter.post(f"{first}/withdraw"), 404, "share_series_not_found")
    second = offer("o-2")  # a new offer after the withdrawal
    assert_problem(supporter.post(f"{second}/decline"), 403, "series_requester_only")
    assert parent.post(f"{second}/decline").json["status"] == "declined"
    assert_problem(parent.post(f"{second}/accept"), 409, "offer_not_pending")
    told = db.scalars(select(OutboxEvent).where(OutboxEvent.kind == outbox.OFFER_DECLINED)).all()
    assert [(e.recipients, e.payload) for e in told] == [
        ([world.supporter.id], {"series_id": series_id})
    ]
