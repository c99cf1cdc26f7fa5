"""No-shows (issue 14): either party records, from the start, that the other side did
not come; once per match; a confirmed match is cancelled with it; the side reported
absent answers once. Every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from otagai.domain.matches.models import NoShow
from otagai.domain.outbox import OutboxEvent
from tests.api.safety.pickup import pickup_world
from tests.factories import UserFactory
from tests.helpers import assert_problem, unchanged

REASON = "約束の時間に来られず、連絡もありませんでした。"


@pytest.fixture
def world(db, clock):
    world = pickup_world()
    clock.set(world.start + timedelta(minutes=20))
    return world


def _report(client_as, who, world, reason=REASON):
    return client_as(who).post(f"/v1/matches/{world.match.id}/no-show", json={"reason": reason})


def _answer(client_as, who, world, text="体調を崩してしまいました。"):
    return client_as(who).post(f"/v1/matches/{world.match.id}/no-show/answer", json={"text": text})


def _match(client_as, who, world):
    return client_as(who).get(f"/v1/matches/{world.match.id}").get_json()


def _timeline(client_as, who, world):
    body = client_as(who).get(f"/v1/matches/{world.match.id}/timeline").get_json()
    return [(i["type"], i["data"]) for i in body["items"] if i["type"].startswith("no_show")]


def _told(db):
    return list(db.scalars(select(OutboxEvent).where(OutboxEvent.kind == "match.no_show")))


# --- recording ------------------------------------------------------------------------------


def test_no_show_by_requester_reports_the_supporter_and_cancels_the_match(
    client_as, world, db, clock
):
    response = _report(client_as, world.parent, world)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {
        "reported_by": "requester",
        "absent": "supporter",
        "reason": REASON,
        "at": clock.at.isoformat(),
        "answer": None,
        "answered_at": None,
    }
    match = _match(client_as, world.supporter, world)
    assert match["status"] == "cancelled" and match["cancel_reason"] == REASON
    assert match["no_show"]["absent"] == "supporter"
    assert db.scalars(select(NoShow)).one().absent_id == world.supporter.id


def test_no_show_by_supporter_reports_the_requester_and_tells_the_household(client_as, world, db):
    assert _report(client_as, world.supporter, world).status_code == 201
    [event] = _told(db)
    assert event.recipients == [world.parent.id, world.partner.id]
    assert event.payload == {"match_id": str(world.match.id), "no_show": "recorded"}
    assert db.scalars(select(NoShow)).one().absent_id == world.parent.id


def test_no_show_by_the_other_parent_counts_for_the_household(client_as, world, db):
    assert _report(client_as, world.partner, world).status_code == 201
    [event] = _told(db)
    assert event.recipients == [world.supporter.id]
    assert _timeline(client_as, world.supporter, world) == [
        ("no_show_recorded", {"absent": "supporter"})
    ]


def test_no_show_tells_no_cancellation_beside_it(client_as, world, db):
    _report(client_as, world.parent, world)
    kinds = {e.kind for e in db.scalars(select(OutboxEvent))}
    assert "match.cancelled" not in kinds and "match.no_show" in kinds


def test_no_show_on_match_cancelled_after_its_start_is_recorded_beside_it(client_as, world, db):
    client_as(world.supporter).post(
        f"/v1/matches/{world.match.id}/cancel", json={"reason": "行けなくなりました"}
    )
    assert _report(client_as, world.parent, world).status_code == 201
    assert _match(client_as, world.parent, world)["cancel_reason"] == "行けなくなりました"


def test_match_view_shows_no_no_show_before_one(client_as, world):
    assert _match(client_as, world.parent, world)["no_show"] is None


# --- refusals ---------------------------------------------------------------------------------


def test_no_show_before_the_start_is_409(client_as, world, db, clock):
    clock.set(world.start - timedelta(seconds=1))
    with unchanged(db):
        assert_problem(_report(client_as, world.parent, world), 409, "no_show_too_early")


def test_no_show_a_week_after_the_end_is_409(client_as, world, db, clock):
    clock.set(world.end + timedelta(days=7, seconds=1))
    with unchanged(db):
        assert_problem(_report(client_as, world.parent, world), 409, "no_show_too_late")


@pytest.mark.parametrize("second", ["parent", "supporter"])
def test_second_no_show_is_409(client_as, world, db, second):
    _report(client_as, world.parent, world)
    with unchanged(db):
        response = _report(client_as, getattr(world, second), world)
    assert_problem(response, 409, "no_show_already_recorded")


def test_no_show_on_completed_match_is_409(client_as, world, db):
    client_as(world.parent).post(f"/v1/matches/{world.match.id}/complete")
    with unchanged(db):
        assert_problem(_report(client_as, world.supporter, world), 409, "match_completed")


def test_no_show_on_match_cancelled_before_start_is_409(client_as, world, db, clock):
    clock.set(world.start - timedelta(hours=2))
    client_as(world.parent).post(f"/v1/matches/{world.match.id}/cancel", json={"reason": "熱"})
    clock.set(world.start + timedelta(minutes=20))
    with unchanged(db):
        response = _report(client_as, world.supporter, world)
    assert_problem(response, 409, "match_cancelled_before_start")


def test_no_show_as_stranger_is_404(client_as, world, db):
    stranger = UserFactory()
    with unchanged(db):
        assert_problem(_report(client_as, stranger, world), 404, "match_not_found")


@pytest.mark.parametrize("reason", ["", "   ", "あ" * 501])
def test_no_show_with_bad_reason_is_422(client_as, world, db, reason):
    with unchanged(db):
        assert_problem(_report(client_as, world.parent, world, reason), 422, "validation_failed")


# --- answering --------------------------------------------------------------------------------


def test_answer_by_the_absent_side_is_shown_to_both_and_told_to_the_reporter(
    client_as, world, db, clock
):
    _report(client_as, world.parent, world)
    clock.advance(hours=2)
    response = _answer(client_as, world.supporter, world)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["answer"] == "体調を崩してしまいました。"
    for who in (world.parent, world.partner, world.supporter):
        assert _match(client_as, who, world)["no_show"]["answer"] == "体調を崩してしまいました。"
    answered = [e for e in _told(db) if e.payload["no_show"] == "answered"]
    assert [e.recipients for e in answered] == [[world.parent.id, world.partner.id]]
    assert [t for t, _ in _timeline(client_as, world.parent, world)] == [
        "no_show_recorded",
        "no_show_answered",
    ]


def test_answer_by_the_household_of_an_absent_requester(client_as, world):
    _report(client_as, world.supporter, world)
    assert _answer(client_as, world.partner, world).status_code == 201


@pytest.mark.parametrize("who", ["parent", "partner"])
def test_answer_by_the_reporting_side_is_403(client_as, world, db, who):
    _report(client_as, world.parent, world)
    with unchanged(db):
        response = _answer(client_as, getattr(world, who), world)
    assert_problem(response, 403, "no_show_reported_party_only")


def test_answer_twice_is_409(client_as, world, db):
    _report(client_as, world.parent, world)
    _answer(client_as, world.supporter, world)
    with unchanged(db):
        response = _answer(client_as, world.supporter, world, "もう一度")
    assert_problem(response, 409, "no_show_already_answered")


def test_answer_without_no_show_is_404(client_as, world, db):
    with unchanged(db):
        assert_problem(_answer(client_as, world.supporter, world), 404, "no_show_not_found")


def test_answer_as_stranger_is_404(client_as, world, db):
    _report(client_as, world.parent, world)
    stranger = UserFactory()
    with unchanged(db):
        assert_problem(_answer(client_as, stranger, world), 404, "match_not_found")
