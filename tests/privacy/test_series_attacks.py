"""Attacks on share series and the calendar feed, as a member of another household with
a valid token and a script would try them: read or change a series that is not theirs,
open a feed with a revoked or guessed token, and look in a feed for what it must never
hold (a child's nickname, an address, a note, a name)."""

from __future__ import annotations

import secrets

from otagai.domain.series.models import SeriesOccurrence, SeriesOffer, ShareSeries
from tests.api.series.world import by_date, post_series, series_world
from tests.factories import ChildFactory, CommunityMemberFactory, UserFactory
from tests.helpers import assert_problem, unchanged


def _series(client_as, world) -> dict:
    created = post_series(client_as(world.parent), world, details="門の暗証番号は1234です")
    assert created.status_code == 201, created.json
    return created.json


def _intruder(world):
    """A parent of another household in the same community, with a child of their own."""
    intruder = UserFactory()
    CommunityMemberFactory(community=world.community, user=intruder)
    ChildFactory(household=intruder.household)
    return intruder


def test_another_household_can_neither_read_nor_change_a_series(client_as, db, clock):
    world = series_world(clock)
    series = _series(client_as, world)
    attacker = client_as(_intruder(world))
    base = f"/v1/share-series/{series['id']}"
    first = next(iter(by_date(series)))
    with unchanged(db, ShareSeries, SeriesOccurrence, SeriesOffer):
        assert_problem(attacker.get(base), 404, "share_series_not_found")
        assert_problem(attacker.patch(f"{base}/occurrences/{first}", json={"skip": True}), 404)
        assert_problem(attacker.post(f"{base}/end"), 404, "share_series_not_found")
        assert_problem(attacker.post(f"{base}/leave", json={"reason": "x"}), 404)
        assert_problem(attacker.post(f"{base}/offers/{series['id']}/accept"), 404)
        # Guessing a series id is answered like a real one that is not yours.
        assert_problem(attacker.get(f"/v1/share-series/{world.community.id}"), 404)


def test_the_supporter_of_a_series_cannot_change_or_end_it(client_as, db, clock):
    world = series_world(clock)
    series = _series(client_as, world)
    supporter = client_as(world.supporter)
    offer = supporter.post(
        f"/v1/share-series/{series['id']}/offers", json={}, headers={"Idempotency-Key": "o"}
    ).json
    # An offerer may not accept their own offer.
    assert_problem(
        supporter.post(f"/v1/share-series/{series['id']}/offers/{offer['id']}/accept"),
        403,
        "series_requester_only",
    )
    assert_problem(supporter.post(f"/v1/share-series/{series['id']}/end"), 403)


def test_a_stolen_but_revoked_token_opens_nothing(client, client_as, db, clock):
    world = series_world(clock)
    _series(client_as, world)
    parent = client_as(world.parent)
    stolen = parent.post("/v1/me/calendar-token").json["url"].split("/ical/", 1)[1]
    assert client.get(f"/ical/{stolen}").status_code == 200
    assert parent.delete("/v1/me/calendar-token").status_code == 204
    answer = client.get(f"/ical/{stolen}")
    assert answer.status_code == 404
    assert b"VCALENDAR" not in answer.data
    assert "no-store" in answer.headers["Cache-Control"]


def test_guessed_tokens_open_nothing(client, client_as, db, clock):
    world = series_world(clock)
    _series(client_as, world)
    client_as(world.parent).post("/v1/me/calendar-token")
    guesses = [secrets.token_urlsafe(32) for _ in range(50)]
    guesses += ["", "a", "0" * 43, "' OR '1'='1", "../../etc/passwd", "%00" * 20]
    for guess in guesses:
        answer = client.get(f"/ical/{guess}.ics")
        assert answer.status_code == 404, guess
        assert b"VCALENDAR" not in answer.data


def test_the_feed_never_holds_a_nickname_an_address_a_note_or_a_name(client, client_as, db, clock):
    world = series_world(clock)
    series = _series(client_as, world)
    supporter = client_as(world.supporter)
    offer = supporter.post(
        f"/v1/share-series/{series['id']}/offers", json={}, headers={"Idempotency-Key": "o"}
    ).json
    client_as(world.parent).post(f"/v1/share-series/{series['id']}/offers/{offer['id']}/accept")
    for user in (world.parent, world.partner, world.supporter):
        url = client_as(user).post("/v1/me/calendar-token").json["url"]
        feed = client.get("/ical/" + url.split("/ical/", 1)[1]).get_data(as_text=True)
        assert "お迎え · Otagai" in feed
        for secret in (
            world.child.nickname,
            world.parent.display_name,
            world.partner.display_name,
            world.supporter.display_name,
            series["title"],
            "1234",  # the details
            "35.85",  # a coordinate of the pickup or the drop-off
            "139.6",
            "LOCATION",
            "GEO",
            "DESCRIPTION",
            "ATTENDEE",
        ):
            assert secret not in feed, (user.display_name, secret)


def test_nobody_else_withdraws_declines_or_lists_an_offer_on_a_series(client_as, db, clock):
    world = series_world(clock)
    series = _series(client_as, world)
    offer = (
        client_as(world.supporter)
        .post(f"/v1/share-series/{series['id']}/offers", json={}, headers={"Idempotency-Key": "o"})
        .json
    )
    path = f"/v1/share-series/{series['id']}/offers/{offer['id']}"
    attacker = client_as(_intruder(world))
    with unchanged(db, ShareSeries, SeriesOccurrence, SeriesOffer):
        for verb in ("withdraw", "decline"):
            assert_problem(attacker.post(f"{path}/{verb}"), 404, "share_series_not_found")
        listed = attacker.get("/v1/share-series")
    assert listed.status_code == 200 and listed.json["items"] == []
