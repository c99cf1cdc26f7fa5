"""Thank-yous (謝礼): the requester records one per match, the supporter acknowledges
receipt of cash. Card payments through Stripe are in test_card_payments.py."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from otagai.domain.outbox import OutboxEvent
from otagai.domain.thanks.models import ThankYou
from tests.factories import UserFactory, add_thank_you, match_world
from tests.helpers import assert_problem, unchanged

CASH = {"amount_jpy": 1000, "method": "cash"}


@pytest.fixture
def world(db):
    return match_world()


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def _post(client_as, world, body=CASH, user=None):
    return client_as(user or world.parent).post(
        f"/v1/matches/{world.match.id}/thank-yous", json=body
    )


# --- recording ---------------------------------------------------------------------------


def test_record_cash_is_201_with_recommended_range(client_as, world):
    response = _post(client_as, world)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["match_id"] == str(world.match.id)
    assert (body["amount_jpy"], body["method"], body["status"]) == (1000, "cash", "recorded")
    assert body["acknowledged_at"] is None
    # A 90-minute pickup: two started hours at 500-700 JPY.
    assert body["recommended_thank_you"] == {"min_jpy": 1000, "max_jpy": 1400}


def test_record_for_lending_has_no_recommended_range(client_as):
    world = match_world(kind="lending")
    response = _post(client_as, world)
    assert response.status_code == 201
    assert response.get_json()["recommended_thank_you"] is None


def test_record_zero_on_completed_match_is_201(client_as):
    world = match_world(status="completed")
    response = _post(client_as, world, {"amount_jpy": 0, "method": "cash"})
    assert response.status_code == 201
    assert response.get_json()["amount_jpy"] == 0


def test_record_writes_outbox_event_for_supporter(client_as, db, world):
    thank_you_id = _post(client_as, world).get_json()["id"]
    [event] = db.scalars(select(OutboxEvent).where(OutboxEvent.kind == "thank_you.recorded"))
    assert event.payload == {"thank_you_id": thank_you_id, "match_id": str(world.match.id)}
    assert event.recipients == [world.supporter.id]


def test_record_is_listed_on_the_match(client_as, world):
    made = _post(client_as, world).get_json()
    for user in (world.parent, world.supporter):
        response = client_as(user).get(f"/v1/matches/{world.match.id}/thank-yous")
        assert response.status_code == 200
        assert response.get_json() == {"items": [made], "next_cursor": None}


def test_list_as_stranger_is_404(client_as, world):
    response = client_as(UserFactory()).get(f"/v1/matches/{world.match.id}/thank-yous")
    assert_problem(response, 404, "match_not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"amount_jpy": 100_001, "method": "cash"},
        {"amount_jpy": -1, "method": "cash"},
        {"amount_jpy": "600", "method": "cash"},
        {"amount_jpy": 600.5, "method": "cash"},
        {"amount_jpy": True, "method": "cash"},
        {"amount_jpy": 600, "method": "bitcoin"},
        {"amount_jpy": 600},
        {"method": "cash"},
        {**CASH, "note": "x"},
    ],
)
def test_record_invalid_body_is_422_and_writes_nothing(client_as, db, world, body):
    with unchanged(db):
        assert_problem(_post(client_as, world, body), 422, "validation_failed")
    assert _count(db, ThankYou) == 0
    assert _count(db, OutboxEvent) == 0


def test_card_without_stripe_configured_is_503_and_cash_still_works(
    client_without_stripe, db, world
):
    response = _post(client_without_stripe, world, {"amount_jpy": 1000, "method": "card"})
    assert_problem(response, 503, "card_payments_unavailable")
    assert response.headers["Retry-After"]
    assert _count(db, ThankYou) == 0
    assert _count(db, OutboxEvent) == 0
    assert _post(client_without_stripe, world).status_code == 201


def test_record_on_cancelled_match_is_409(client_as, db):
    world = match_world(status="cancelled")
    with unchanged(db):
        assert_problem(_post(client_as, world), 409, "match_cancelled")
    assert _count(db, ThankYou) == 0


def test_record_second_is_409(client_as, db, world):
    _post(client_as, world)
    with unchanged(db):
        assert_problem(_post(client_as, world), 409, "thank_you_exists")
    assert _count(db, ThankYou) == 1


def test_record_after_failed_card_payment_is_201(client_as, world):
    add_thank_you(world.match, method="card", status="failed")
    assert _post(client_as, world).status_code == 201


def test_record_as_supporter_is_403(client_as, db, world):
    with unchanged(db):
        assert_problem(_post(client_as, world, user=world.supporter), 403, "requester_only")
    assert _count(db, ThankYou) == 0


def test_record_as_stranger_is_404(client_as, world, db):
    caller = UserFactory()
    with unchanged(db):
        assert_problem(_post(client_as, world, user=caller), 404, "match_not_found")


def test_record_with_same_idempotency_key_replays(client_as, db, world):
    headers = {"Idempotency-Key": "thanks-1"}
    path = f"/v1/matches/{world.match.id}/thank-yous"
    first = client_as(world.parent).post(path, json=CASH, headers=headers)
    again = client_as(world.parent).post(path, json=CASH, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert _count(db, ThankYou) == 1


# --- acknowledging -----------------------------------------------------------------------


def _ack(client_as, user, thank_you_id):
    return client_as(user).post(f"/v1/thank-yous/{thank_you_id}/acknowledge")


def test_acknowledge_as_supporter_is_200(client_as, db, world):
    made = _post(client_as, world).get_json()
    response = _ack(client_as, world.supporter, made["id"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "acknowledged"
    assert body["acknowledged_at"] is not None
    [event] = db.scalars(select(OutboxEvent).where(OutboxEvent.kind == "thank_you.acknowledged"))
    assert event.recipients == [world.parent.id]


def test_acknowledge_as_requester_is_403_and_changes_nothing(client_as, db, world):
    thank_you = add_thank_you(world.match)
    with unchanged(db):
        assert_problem(_ack(client_as, world.parent, thank_you.id), 403, "thank_you_supporter_only")
    db.refresh(thank_you)
    assert thank_you.status == "recorded"


def test_acknowledge_as_stranger_is_404(client_as, world, db):
    thank_you = add_thank_you(world.match)
    caller = UserFactory()
    with unchanged(db):
        assert_problem(_ack(client_as, caller, thank_you.id), 404, "thank_you_not_found")


def test_acknowledge_unknown_is_404(client_as, world, db):
    with unchanged(db):
        assert_problem(_ack(client_as, world.supporter, uuid.uuid4()), 404, "thank_you_not_found")


def test_acknowledge_twice_is_409(client_as, world, db):
    thank_you = add_thank_you(world.match)
    _ack(client_as, world.supporter, thank_you.id)
    with unchanged(db):
        assert_problem(
            _ack(client_as, world.supporter, thank_you.id), 409, "thank_you_not_recorded"
        )


def test_acknowledge_card_thank_you_is_409(client_as, world, db):
    thank_you = add_thank_you(world.match, method="card", status="pending_payment")
    with unchanged(db):
        assert_problem(
            _ack(client_as, world.supporter, thank_you.id), 409, "thank_you_not_recorded"
        )
