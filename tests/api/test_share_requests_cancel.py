"""Cancelling a share request: only its requester, only while open or matched; a match is
cancelled with it and pending offers are declined."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from otagai.domain.matches.models import Match
from otagai.domain.requests.models import Offer, ShareRequest
from tests.factories import (
    CertificationFactory,
    CommunityFactory,
    CommunityMemberFactory,
    ShareRequestFactory,
    UserFactory,
    add_match,
    add_offer,
)
from tests.helpers import assert_problem, unchanged

REASON = {"reason": "予定が変わりました"}


@pytest.fixture
def world(db) -> SimpleNamespace:
    community = CommunityFactory()
    parent, second_parent, supporter = UserFactory(), UserFactory(), UserFactory()
    second_parent.household_id = parent.household_id
    CommunityMemberFactory(community=community, user=parent)
    CertificationFactory(community=community, user=supporter)
    request = ShareRequestFactory(requester=parent, community=community)
    db.flush()
    return SimpleNamespace(
        community=community, parent=parent, second_parent=second_parent, supporter=supporter,
        request=request,
    )  # fmt: skip


def _cancel(client_as, user, request_id, body=REASON):
    return client_as(user).post(f"/v1/share-requests/{request_id}/cancel", json=body)


def _fresh(db, model, ident):
    db.expire_all()
    return db.get(model, ident)


def test_cancel_open_request_is_200_and_cancelled(client_as, db, world):
    response = _cancel(client_as, world.parent, world.request.id)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "予定が変わりました")
    assert body["cancelled_at"] is not None
    stored = _fresh(db, ShareRequest, world.request.id)
    assert (stored.status, stored.cancel_reason) == ("cancelled", "予定が変わりました")


def test_cancel_open_request_declines_pending_offers(client_as, db, world):
    offer = add_offer(world.request, world.supporter)
    _cancel(client_as, world.parent, world.request.id)
    stored = _fresh(db, Offer, offer.id)
    assert stored.status == "declined" and stored.decided_at is not None


def test_cancel_matched_request_cancels_the_match(client_as, db, world):
    match = add_match(world.request, world.supporter)
    db.flush()
    response = _cancel(client_as, world.parent, world.request.id)
    assert response.status_code == 200, response.get_json()
    stored = _fresh(db, Match, match.id)
    assert (stored.status, stored.cancelled_by_id, stored.cancel_reason) == (
        "cancelled", world.parent.id, "予定が変わりました",
    )  # fmt: skip
    assert stored.cancelled_at is not None
    assert response.get_json()["match_id"] == str(match.id)


def test_cancel_matched_request_keeps_the_accepted_offer(client_as, db, world):
    add_match(world.request, world.supporter)
    _cancel(client_as, world.parent, world.request.id)
    db.expire_all()
    assert db.scalars(select(Offer.status)).all() == ["accepted"]


@pytest.mark.parametrize("status", ["cancelled", "completed", "expired"])
def test_cancel_finished_request_is_409(client_as, db, world, status):
    world.request.status = status
    db.flush()
    with unchanged(db):
        response = _cancel(client_as, world.parent, world.request.id)
    assert_problem(response, 409, "share_request_not_cancellable")
    assert _fresh(db, ShareRequest, world.request.id).cancel_reason is None


def test_cancel_open_request_past_its_start_is_409(client_as, db, world):
    db.execute(
        update(ShareRequest)
        .where(ShareRequest.id == world.request.id)
        .values(starts_at=ShareRequest.starts_at - dt.timedelta(days=2))
    )
    with unchanged(db):
        response = _cancel(client_as, world.parent, world.request.id)
    assert_problem(response, 409, "share_request_not_cancellable")
    assert _fresh(db, ShareRequest, world.request.id).status == "open"


def test_cancel_by_household_member_is_403(client_as, db, world):
    with unchanged(db):
        response = _cancel(client_as, world.second_parent, world.request.id)
    assert_problem(response, 403, "requester_only")
    assert _fresh(db, ShareRequest, world.request.id).status == "open"


def test_cancel_by_candidate_is_403(client_as, db, world):
    with unchanged(db):
        assert_problem(_cancel(client_as, world.supporter, world.request.id), 403, "requester_only")
    assert _fresh(db, ShareRequest, world.request.id).status == "open"


def test_cancel_by_matched_supporter_is_403(client_as, db, world):
    match = add_match(world.request, world.supporter)
    with unchanged(db):
        assert_problem(_cancel(client_as, world.supporter, world.request.id), 403, "requester_only")
    assert _fresh(db, Match, match.id).status == "confirmed"


def test_cancel_by_stranger_is_404(client_as, db, world):
    caller = UserFactory()
    with unchanged(db):
        response = _cancel(client_as, caller, world.request.id)
    assert_problem(response, 404, "share_request_not_found")
    assert _fresh(db, ShareRequest, world.request.id).status == "open"


def test_cancel_unknown_request_is_404(client_as, world, db):
    with unchanged(db):
        response = _cancel(client_as, world.parent, uuid.uuid4())
    assert_problem(response, 404, "share_request_not_found")


@pytest.mark.parametrize(
    "body",
    [{}, {"reason": ""}, {"reason": "   "}, {"reason": "あ" * 501}, {"reason": 3}],
    ids=["missing", "empty", "blank", "too_long", "not_a_string"],
)
def test_cancel_without_a_valid_reason_is_422(client_as, db, world, body):
    with unchanged(db):
        problem = assert_problem(_cancel(client_as, world.parent, world.request.id, body), 422)
    assert set(problem["errors"]) == {"reason"}
    assert _fresh(db, ShareRequest, world.request.id).status == "open"


def test_cancel_reason_of_500_characters_is_accepted(client_as, world):
    response = _cancel(client_as, world.parent, world.request.id, {"reason": "あ" * 500})
    assert response.status_code == 200


def test_cancelled_request_is_hidden_from_candidates(client_as, world):
    _cancel(client_as, world.parent, world.request.id)
    response = client_as(world.supporter).get(f"/v1/share-requests/{world.request.id}")
    assert_problem(response, 404, "share_request_not_found")
