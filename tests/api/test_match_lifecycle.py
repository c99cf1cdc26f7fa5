"""The match lifecycle: the requester completes a match, either party cancels it with a
reason; the request follows, and an outbox event (ids only) tells both parties."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from otagai.domain.outbox import OutboxEvent
from tests.factories import UserFactory, match_world
from tests.helpers import assert_problem, unchanged

REASON = "子どもが熱を出したため、今日はお休みします。"


@pytest.fixture
def world(db):
    return match_world()


def _events(db, kind=None):
    stmt = select(OutboxEvent).order_by(OutboxEvent.created_at)
    if kind:
        stmt = stmt.where(OutboxEvent.kind == kind)
    return list(db.scalars(stmt.execution_options(populate_existing=True)))


def _fresh(db, obj):
    db.refresh(obj)
    return obj


# --- complete ----------------------------------------------------------------------------


def test_complete_as_requester_is_200_and_request_completed(client_as, db, world):
    response = client_as(world.parent).post(f"/v1/matches/{world.match.id}/complete")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "completed"
    assert body["completed_at"] is not None
    assert _fresh(db, world.request).status == "completed"


def test_complete_writes_outbox_event_with_ids_only(client_as, db, world):
    client_as(world.parent).post(f"/v1/matches/{world.match.id}/complete")
    [event] = _events(db, "match.completed")
    assert event.payload == {"match_id": str(world.match.id), "request_id": str(world.request.id)}
    assert set(event.recipients) == {world.parent.id, world.supporter.id}
    assert event.processed_at is None


def test_complete_as_supporter_is_403_and_changes_nothing(client_as, db, world):
    with unchanged(db):
        response = client_as(world.supporter).post(f"/v1/matches/{world.match.id}/complete")
    assert_problem(response, 403, "requester_only")
    assert _fresh(db, world.match).status == "confirmed"
    assert _events(db) == []


def test_complete_as_stranger_is_404(client_as, world, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post(f"/v1/matches/{world.match.id}/complete")
    assert_problem(response, 404, "match_not_found")


def test_complete_unknown_match_is_404(client_as, world, db):
    with unchanged(db):
        response = client_as(world.parent).post(f"/v1/matches/{uuid.uuid4()}/complete")
    assert_problem(response, 404, "match_not_found")


def test_complete_twice_is_409(client_as, world, db):
    client_as(world.parent).post(f"/v1/matches/{world.match.id}/complete")
    with unchanged(db):
        response = client_as(world.parent).post(f"/v1/matches/{world.match.id}/complete")
    assert_problem(response, 409, "match_not_confirmed")


def test_complete_before_start_is_409_and_changes_nothing(client_as, db):
    world = match_world(started=False)
    with unchanged(db):
        response = client_as(world.parent).post(f"/v1/matches/{world.match.id}/complete")
    assert_problem(response, 409, "match_not_started")
    assert _fresh(db, world.match).status == "confirmed"
    assert _fresh(db, world.request).status == "matched"


def test_complete_cancelled_match_is_409(client_as, world, db):
    client_as(world.parent).post(f"/v1/matches/{world.match.id}/cancel", json={"reason": REASON})
    with unchanged(db):
        response = client_as(world.parent).post(f"/v1/matches/{world.match.id}/complete")
    assert_problem(response, 409, "match_not_confirmed")


# --- cancel ------------------------------------------------------------------------------


@pytest.mark.parametrize("party", ["parent", "supporter"])
def test_cancel_by_either_party_cancels_match_and_request(client_as, db, world, party):
    user = getattr(world, party)
    response = client_as(user).post(f"/v1/matches/{world.match.id}/cancel", json={"reason": REASON})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "cancelled"
    assert body["cancel_reason"] == REASON
    assert body["cancelled_at"] is not None
    assert _fresh(db, world.match).cancelled_by_id == user.id
    request = _fresh(db, world.request)
    assert (request.status, request.cancel_reason) == ("cancelled", REASON)
    assert request.cancelled_at is not None


def test_cancel_writes_outbox_event_with_ids_only(client_as, db, world):
    client_as(world.supporter).post(f"/v1/matches/{world.match.id}/cancel", json={"reason": REASON})
    [event] = _events(db, "match.cancelled")
    assert event.payload == {
        "match_id": str(world.match.id),
        "request_id": str(world.request.id),
        "cancelled_by_id": str(world.supporter.id),
    }
    assert REASON not in str(event.payload)
    # The one who cancelled knows; the other party is told.
    assert event.recipients == [world.parent.id]


def test_cancel_before_start_is_200(client_as, db):
    world = match_world(started=False)
    response = client_as(world.parent).post(
        f"/v1/matches/{world.match.id}/cancel", json={"reason": REASON}
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "あ" * 501}])
def test_cancel_without_valid_reason_is_422_and_changes_nothing(client_as, db, world, body):
    with unchanged(db):
        response = client_as(world.parent).post(f"/v1/matches/{world.match.id}/cancel", json=body)
    assert_problem(response, 422, "validation_failed")
    assert _fresh(db, world.match).status == "confirmed"
    assert _fresh(db, world.request).status == "matched"


def test_cancel_as_requesters_household_member_is_403(client_as, db, world):
    partner = UserFactory(household=world.parent.household)
    with unchanged(db):
        response = client_as(partner).post(
            f"/v1/matches/{world.match.id}/cancel", json={"reason": REASON}
        )
    assert_problem(response, 403, "match_party_only")
    assert _fresh(db, world.match).status == "confirmed"


def test_cancel_as_stranger_is_404(client_as, world, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post(
            f"/v1/matches/{world.match.id}/cancel", json={"reason": REASON}
        )
    assert_problem(response, 404, "match_not_found")


def test_cancel_completed_match_is_409_and_writes_no_event(client_as, db):
    world = match_world(status="completed")
    with unchanged(db):
        response = client_as(world.supporter).post(
            f"/v1/matches/{world.match.id}/cancel", json={"reason": REASON}
        )
    assert_problem(response, 409, "match_not_confirmed")
    assert _fresh(db, world.request).status == "completed"
    assert db.scalar(select(func.count()).select_from(OutboxEvent)) == 0
