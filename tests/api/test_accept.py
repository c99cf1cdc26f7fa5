"""Accepting an offer (the match, atomically), and withdrawing or declining one. A refused
change leaves offers, request and matches as they were."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from otagai.domain.matches.models import Match
from otagai.domain.requests.models import Offer, ShareRequest
from tests.factories import (
    BlockFactory,
    ShareRequestFactory,
    UserFactory,
    add_match,
    add_offer,
    coordinate_keys_in,
    offer_world,
)
from tests.helpers import assert_problem, unchanged


@pytest.fixture
def world(db):
    return offer_world()


def _accept(client_as, user, offer, **kw):
    return client_as(user).post(f"/v1/offers/{offer.id}/accept", **kw)


def _state(db, request) -> tuple[str, list[tuple[uuid.UUID, str]], int]:
    """(request status, [(offer id, status)], matches on it), read afresh."""
    db.expire_all()
    offers = db.execute(
        select(Offer.id, Offer.status).where(Offer.request_id == request.id).order_by(Offer.id)
    ).all()
    matches = db.scalar(select(func.count()).where(Match.request_id == request.id))
    return db.get(ShareRequest, request.id).status, [tuple(o) for o in offers], matches


# --- accept ------------------------------------------------------------------------------


def test_accept_is_201_with_the_match(client_as, db, world):
    supporter = world.supporters[0]
    offer = add_offer(world.request, supporter)
    response = _accept(client_as, world.parent, offer)
    assert response.status_code == 201
    body = response.get_json()
    assert body["request_id"] == str(world.request.id)
    assert (body["requester_id"], body["supporter_id"]) == (str(world.parent.id), str(supporter.id))
    assert body["status"] == "confirmed"
    assert datetime.fromisoformat(body["starts_at"]) == world.request.starts_at
    assert datetime.fromisoformat(body["ends_at"]) == world.request.ends_at
    assert body["insurance"]["reasons"] == ["no_active_policy"]
    assert coordinate_keys_in(body) == set()
    db.expire_all()
    match = db.get(Match, uuid.UUID(body["id"]))
    assert (match.offer_id, match.requester_household_id) == (offer.id, world.parent.household_id)
    assert match.insurance == body["insurance"]


def test_accept_marks_offer_accepted_and_request_matched(client_as, db, world):
    offer = add_offer(world.request, world.supporters[0])
    _accept(client_as, world.parent, offer)
    status, offers, matches = _state(db, world.request)
    assert (status, offers, matches) == ("matched", [(offer.id, "accepted")], 1)
    assert db.get(Offer, offer.id).decided_at is not None


def test_accept_declines_the_other_pending_offers(client_as, db):
    world = offer_world(supporters=3)
    chosen, other = (add_offer(world.request, s) for s in world.supporters[:2])
    withdrawn = add_offer(world.request, world.supporters[2], status="withdrawn")
    assert _accept(client_as, world.parent, chosen).status_code == 201
    _, offers, _ = _state(db, world.request)
    assert dict(offers) == {
        chosen.id: "accepted",
        other.id: "declined",
        withdrawn.id: "withdrawn",
    }


def test_accept_as_the_supporter_is_403_and_changes_nothing(client_as, db, world):
    offer = add_offer(world.request, world.supporters[0])
    before = _state(db, world.request)
    with unchanged(db):
        assert_problem(_accept(client_as, world.supporters[0], offer), 403, "requester_only")
    assert _state(db, world.request) == before


def test_accept_as_household_member_is_403(client_as, world, db):
    offer = add_offer(world.request, world.supporters[0])
    partner = UserFactory(household=world.parent.household)
    with unchanged(db):
        assert_problem(_accept(client_as, partner, offer), 403, "requester_only")


def test_accept_as_another_supporter_is_404(client_as, world, db):
    offer = add_offer(world.request, world.supporters[0])
    with unchanged(db):
        assert_problem(_accept(client_as, world.supporters[1], offer), 404, "offer_not_found")


def test_accept_unknown_offer_is_404(client_as, world, db):
    with unchanged(db):
        response = client_as(world.parent).post(f"/v1/offers/{uuid.uuid4()}/accept")
    assert_problem(response, 404, "offer_not_found")


def test_accept_on_matched_request_is_409_and_changes_nothing(client_as, db, world):
    late = add_offer(world.request, world.supporters[1])
    add_match(world.request, world.supporters[0])
    before = _state(db, world.request)
    with unchanged(db):
        assert_problem(_accept(client_as, world.parent, late), 409, "share_request_not_open")
    assert _state(db, world.request) == before


def test_accept_on_cancelled_request_is_409(client_as, db, world):
    offer = add_offer(world.request, world.supporters[0])
    world.request.status = "cancelled"
    db.flush()
    with unchanged(db):
        assert_problem(_accept(client_as, world.parent, offer), 409, "share_request_not_open")


def test_accept_on_request_past_its_start_is_409(client_as, db):
    started = datetime.now(UTC) - timedelta(minutes=10)
    world = offer_world(starts_at=started, ends_at=started + timedelta(hours=1))
    offer = add_offer(world.request, world.supporters[0])
    with unchanged(db):
        assert_problem(_accept(client_as, world.parent, offer), 409, "share_request_not_open")
    assert _state(db, world.request)[2] == 0


def test_accept_withdrawn_offer_is_409(client_as, db, world):
    offer = add_offer(world.request, world.supporters[0], status="withdrawn")
    before = _state(db, world.request)
    with unchanged(db):
        assert_problem(_accept(client_as, world.parent, offer), 409, "offer_not_pending")
    assert _state(db, world.request) == before


def test_accept_when_supporter_got_overlapping_match_is_409(client_as, db, world):
    supporter = world.supporters[0]
    offer = add_offer(world.request, supporter)
    elsewhere = ShareRequestFactory(
        community=world.community,
        starts_at=world.request.starts_at - timedelta(minutes=30),
        ends_at=world.request.starts_at + timedelta(minutes=30),
    )
    add_match(elsewhere, supporter)
    before = _state(db, world.request)
    with unchanged(db):
        assert_problem(_accept(client_as, world.parent, offer), 409, "supporter_unavailable")
    assert _state(db, world.request) == before


def test_accept_after_blocking_the_supporter_is_409(client_as, world, db):
    offer = add_offer(world.request, world.supporters[0])
    BlockFactory(blocker=world.parent, blocked=world.supporters[0])
    with unchanged(db):
        assert_problem(_accept(client_as, world.parent, offer), 409, "supporter_unavailable")


def test_accept_with_same_idempotency_key_replays_one_match(client_as, db, world):
    offer = add_offer(world.request, world.supporters[0])
    headers = {"Idempotency-Key": "accept-1"}
    first = _accept(client_as, world.parent, offer, headers=headers)
    again = _accept(client_as, world.parent, offer, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert _state(db, world.request)[2] == 1


# --- withdraw and decline ----------------------------------------------------------------


def test_withdraw_own_pending_offer_is_200(client_as, db, world):
    offer = add_offer(world.request, world.supporters[0])
    response = client_as(world.supporters[0]).post(f"/v1/offers/{offer.id}/withdraw")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["id"], body["status"]) == (str(offer.id), "withdrawn")
    assert body["decided_at"] is not None
    assert _state(db, world.request)[1] == [(offer.id, "withdrawn")]


def test_withdraw_as_requester_is_403(client_as, world, db):
    offer = add_offer(world.request, world.supporters[0])
    with unchanged(db):
        response = client_as(world.parent).post(f"/v1/offers/{offer.id}/withdraw")
    assert_problem(response, 403, "offer_supporter_only")


def test_withdraw_offer_of_someone_else_is_404(client_as, world, db):
    offer = add_offer(world.request, world.supporters[0])
    with unchanged(db):
        response = client_as(world.supporters[1]).post(f"/v1/offers/{offer.id}/withdraw")
    assert_problem(response, 404, "offer_not_found")


@pytest.mark.parametrize("status", ["accepted", "declined", "withdrawn"])
def test_withdraw_offer_not_pending_is_409(client_as, db, world, status):
    offer = add_offer(world.request, world.supporters[0], status=status)
    with unchanged(db):
        response = client_as(world.supporters[0]).post(f"/v1/offers/{offer.id}/withdraw")
    assert_problem(response, 409, "offer_not_pending")
    assert _state(db, world.request)[1] == [(offer.id, status)]


def test_decline_pending_offer_is_200(client_as, db, world):
    offer = add_offer(world.request, world.supporters[0])
    response = client_as(world.parent).post(f"/v1/offers/{offer.id}/decline")
    assert response.status_code == 200
    assert response.get_json()["status"] == "declined"
    assert _state(db, world.request) == ("open", [(offer.id, "declined")], 0)


def test_decline_as_the_supporter_is_403(client_as, world, db):
    offer = add_offer(world.request, world.supporters[0])
    with unchanged(db):
        response = client_as(world.supporters[0]).post(f"/v1/offers/{offer.id}/decline")
    assert_problem(response, 403, "requester_only")


def test_decline_as_stranger_is_404(client_as, world, db):
    offer, stranger = add_offer(world.request, world.supporters[0]), UserFactory()
    with unchanged(db):
        response = client_as(stranger).post(f"/v1/offers/{offer.id}/decline")
    assert_problem(response, 404, "offer_not_found")


def test_decline_withdrawn_offer_is_409(client_as, db, world):
    offer = add_offer(world.request, world.supporters[0], status="withdrawn")
    with unchanged(db):
        response = client_as(world.parent).post(f"/v1/offers/{offer.id}/decline")
    assert_problem(response, 409, "offer_not_pending")
    assert _state(db, world.request)[1] == [(offer.id, "withdrawn")]


def test_declined_supporter_cannot_be_accepted(client_as, world, db):
    offer = add_offer(world.request, world.supporters[0])
    client_as(world.parent).post(f"/v1/offers/{offer.id}/decline")
    with unchanged(db):
        assert_problem(_accept(client_as, world.parent, offer), 409, "offer_not_pending")
