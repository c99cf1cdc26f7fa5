"""Check-ins (issue 14): the supporter records each step once, in order, at the server's
time; the handover takes the requester's code; every refusal changes nothing (a wrong
handover code adds its own timeline line and nothing else)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from otagai.domain.matches import timeline
from otagai.domain.matches.checkins import MAX_REJECTIONS
from otagai.domain.matches.models import MatchEvent
from otagai.domain.outbox import OutboxEvent
from tests.api.safety.pickup import pickup_world
from tests.factories import UserFactory, match_world
from tests.helpers import _tables, assert_problem, unchanged

BUT_THE_TIMELINE = [t for t in _tables() if t != "match_events"]
BUT_TIMELINE_AND_OUTBOX = [t for t in BUT_THE_TIMELINE if t != "outbox_events"]


def _checkin(client_as, who, match, type, **body):
    return client_as(who).post(f"/v1/matches/{match.id}/checkins", json={"type": type, **body})


def _code(client_as, world):
    return (
        client_as(world.parent)
        .get(f"/v1/matches/{world.match.id}/handover-code")
        .get_json()["code"]
    )


def _events(db, match, type):
    return list(
        db.scalars(
            select(MatchEvent)
            .where(MatchEvent.match_id == match.id, MatchEvent.type == type)
            .order_by(MatchEvent.at)
        )
    )


@pytest.fixture
def world(db, clock):
    world = pickup_world()
    clock.set(world.start + timedelta(minutes=1))
    return world


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- what is recorded ----------------------------------------------------------------------


def test_checkin_at_is_the_server_time(client_as, world, clock):
    response = _checkin(client_as, world.supporter, world.match, "picked_up", at="2000-01-01")
    assert_problem(response, 422, "validation_failed")
    response = _checkin(client_as, world.supporter, world.match, "picked_up")
    assert response.status_code == 201
    assert response.get_json() == {"type": "picked_up", "at": clock.at.isoformat()}


def test_checkin_writes_outbox_event_with_ids_and_type_only(client_as, world, db):
    _checkin(client_as, world.supporter, world.match, "picked_up")
    event = db.scalars(select(OutboxEvent).where(OutboxEvent.kind == "match.checkin")).one()
    assert event.payload == {"match_id": str(world.match.id), "checkin": "picked_up"}
    assert event.recipients == [world.parent.id, world.partner.id]


def test_babysitting_checkins_are_started_then_ended(client_as, db, clock):
    world = match_world(kind="babysitting", dropoff=None)
    clock.set(world.match.starts_at + timedelta(minutes=1))
    assert _checkin(client_as, world.supporter, world.match, "started").status_code == 201
    assert _checkin(client_as, world.supporter, world.match, "ended").status_code == 201
    assert [e.type for e in _events(db, world.match, "started")] == ["started"]


def test_checkin_from_30_minutes_before_start_is_allowed(client_as, world, clock):
    clock.set(world.start - timedelta(minutes=30))
    assert _checkin(client_as, world.supporter, world.match, "picked_up").status_code == 201


# --- refusals change nothing -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["parent", "partner"])
def test_checkin_as_requester_household_is_403(client_as, world, db, who):
    with unchanged(db):
        response = _checkin(client_as, getattr(world, who), world.match, "picked_up")
    assert_problem(response, 403, "supporter_only")


def test_checkin_as_stranger_is_404(client_as, world, db):
    stranger = UserFactory()
    with unchanged(db):
        response = _checkin(client_as, stranger, world.match, "picked_up")
    assert_problem(response, 404, "match_not_found")


def test_checkin_of_lending_is_409(client_as, db, clock):
    world = match_world(
        kind="lending", dropoff=None, item_category="stroller", item_description="A型ベビーカー"
    )
    with unchanged(db):
        response = _checkin(client_as, world.supporter, world.match, "picked_up")
    assert_problem(response, 409, "checkin_not_for_kind")


def test_checkin_of_another_kinds_type_is_422(client_as, world, db):
    with unchanged(db):
        response = _checkin(client_as, world.supporter, world.match, "started")
    assert_problem(response, 422, "checkin_type_invalid")


def test_checkin_of_unknown_type_is_422(client_as, world, db):
    with unchanged(db):
        response = _checkin(client_as, world.supporter, world.match, "teleported")
    assert_problem(response, 422, "validation_failed")


def test_checkin_twice_is_409(client_as, world, db):
    _checkin(client_as, world.supporter, world.match, "picked_up")
    with unchanged(db):
        response = _checkin(client_as, world.supporter, world.match, "picked_up")
    assert_problem(response, 409, "checkin_already_recorded")


def test_checkin_out_of_order_is_409(client_as, world, db):
    with unchanged(db):
        response = _checkin(client_as, world.supporter, world.match, "arrived")
    assert_problem(response, 409, "checkin_out_of_order")


def test_handover_before_arrival_is_409_even_with_the_code(client_as, world, db):
    _checkin(client_as, world.supporter, world.match, "picked_up")
    code = _code(client_as, world)
    with unchanged(db):
        response = _checkin(client_as, world.supporter, world.match, "handed_over", code=code)
    assert_problem(response, 409, "checkin_out_of_order")


def test_checkin_too_early_is_409(client_as, world, db, clock):
    clock.set(world.start - timedelta(minutes=31))
    with unchanged(db):
        response = _checkin(client_as, world.supporter, world.match, "picked_up")
    assert_problem(response, 409, "checkin_too_early")


def test_checkin_on_cancelled_match_is_409(client_as, world, db):
    client_as(world.parent).post(
        f"/v1/matches/{world.match.id}/cancel", json={"reason": "熱が出たため"}
    )
    with unchanged(db):
        response = _checkin(client_as, world.supporter, world.match, "picked_up")
    assert_problem(response, 409, "match_not_confirmed")


# --- the two-party handover --------------------------------------------------------------


def _arrive(client_as, world):
    for step in ("picked_up", "arrived"):
        assert _checkin(client_as, world.supporter, world.match, step).status_code == 201


def test_handover_code_is_six_digits_the_same_for_both_parents(client_as, world):
    codes = {
        client_as(who).get(f"/v1/matches/{world.match.id}/handover-code").get_json()["code"]
        for who in (world.parent, world.partner)
    }
    assert len(codes) == 1 and codes.pop().isdigit()


def test_handover_code_as_supporter_is_403(client_as, world):
    response = client_as(world.supporter).get(f"/v1/matches/{world.match.id}/handover-code")
    assert_problem(response, 403, "requester_only")


def test_handover_code_as_stranger_is_404(client_as, world):
    response = client_as(UserFactory()).get(f"/v1/matches/{world.match.id}/handover-code")
    assert_problem(response, 404, "match_not_found")


def test_handover_without_code_is_422_and_recorded(client_as, world, db):
    _arrive(client_as, world)
    with unchanged(db, *BUT_THE_TIMELINE):
        response = _checkin(client_as, world.supporter, world.match, "handed_over")
    assert_problem(response, 422, "handover_code_invalid")
    assert [e.data for e in _events(db, world.match, timeline.HANDOVER_CODE_REJECTED)] == [
        {"attempt": 1, "locked": False}
    ]
    assert _events(db, world.match, timeline.HANDED_OVER) == []


def test_handover_with_wrong_code_records_the_rejection_and_nothing_else(client_as, world, db):
    _arrive(client_as, world)
    code = _code(client_as, world)
    events_before = len(db.scalars(select(MatchEvent)).all())
    with unchanged(db, *BUT_THE_TIMELINE):
        response = _checkin(
            client_as, world.supporter, world.match, "handed_over", code=_wrong(code)
        )
    assert_problem(response, 422, "handover_code_invalid")
    assert len(db.scalars(select(MatchEvent)).all()) == events_before + 1
    # The right code still works after a typo.
    response = _checkin(client_as, world.supporter, world.match, "handed_over", code=code)
    assert response.status_code == 201


def test_handover_locks_after_five_wrong_codes_and_tells_the_requester(client_as, world, db):
    _arrive(client_as, world)
    code = _code(client_as, world)
    for _ in range(MAX_REJECTIONS):
        response = _checkin(
            client_as, world.supporter, world.match, "handed_over", code=_wrong(code)
        )
        assert_problem(response, 422, "handover_code_invalid")
    with unchanged(db):
        response = _checkin(client_as, world.supporter, world.match, "handed_over", code=code)
    assert_problem(response, 409, "handover_locked")
    rejected = _events(db, world.match, timeline.HANDOVER_CODE_REJECTED)
    assert [e.data["attempt"] for e in rejected] == list(range(1, MAX_REJECTIONS + 1))
    assert rejected[-1].data["locked"] is True
    told = db.scalars(select(OutboxEvent).where(OutboxEvent.kind == "match.handover_locked")).one()
    assert told.recipients == [world.parent.id, world.partner.id]
    assert told.payload == {"match_id": str(world.match.id)}


def test_retried_wrong_code_with_same_idempotency_key_replays_and_counts_once(client_as, world, db):
    _arrive(client_as, world)
    code = _code(client_as, world)
    body = {"type": "handed_over", "code": _wrong(code)}
    headers = {"Idempotency-Key": "handover-1"}
    path = f"/v1/matches/{world.match.id}/checkins"
    first = client_as(world.supporter).post(path, json=body, headers=headers)
    again = client_as(world.supporter).post(path, json=body, headers=headers)
    assert_problem(first, 422, "handover_code_invalid")
    assert_problem(again, 422, "handover_code_invalid")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(_events(db, world.match, timeline.HANDOVER_CODE_REJECTED)) == 1


def test_retried_checkin_with_same_idempotency_key_replays_the_201(client_as, world, db):
    path = f"/v1/matches/{world.match.id}/checkins"
    headers = {"Idempotency-Key": "picked-1"}
    first = client_as(world.supporter).post(path, json={"type": "picked_up"}, headers=headers)
    again = client_as(world.supporter).post(path, json={"type": "picked_up"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()


def test_handover_code_typed_in_full_width_digits_is_accepted(client_as, world):
    _arrive(client_as, world)
    code = _code(client_as, world)
    full_width = "".join(chr(ord(d) + 0xFEE0) for d in code)
    response = _checkin(
        client_as,
        world.supporter,
        world.match,
        "handed_over",
        code=f"{full_width[:3]} {full_width[3:]}",
    )
    assert response.status_code == 201, response.get_json()
