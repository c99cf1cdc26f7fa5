"""Making offers (only a candidate, once, on an open request) and the requester's list of
them with the insurance preview. Rejected offers write nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from otagai.domain.requests.models import Offer
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


def _offers_url(request) -> str:
    return f"/v1/share-requests/{request.id}/offers"


def _offer(client_as, user, request, body=None, **kw):
    return client_as(user).post(_offers_url(request), json=body or {}, **kw)


def _count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Offer))


# --- POST /share-requests/{id}/offers ----------------------------------------------------


def test_offer_as_candidate_is_201_pending(client_as, db, world):
    supporter = world.supporters[0]
    response = _offer(client_as, supporter, world.request, {"note": "お迎えできます"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) >= {"id", "request_id", "supporter", "note", "status", "created_at"}
    assert body["request_id"] == str(world.request.id)
    assert body["supporter"] == {"id": str(supporter.id), "display_name": supporter.display_name}
    assert (body["note"], body["status"]) == ("お迎えできます", "pending")
    assert "insurance_preview" not in body
    assert coordinate_keys_in(body) == set()
    db.expire_all()
    assert db.get(Offer, uuid.UUID(body["id"])).supporter_id == supporter.id


def test_offer_without_body_is_201_without_note(client_as, world):
    response = client_as(world.supporters[0]).post(_offers_url(world.request))
    assert response.status_code == 201
    assert response.get_json()["note"] is None


def test_offer_not_a_candidate_is_404_and_writes_nothing(client_as, db, world):
    """Who is not in the request's audience may not learn it exists."""
    before = _count(db)
    caller = UserFactory()
    with unchanged(db):
        response = _offer(client_as, caller, world.request)
    assert_problem(response, 404, "share_request_not_found")
    assert _count(db) == before


def test_offer_on_own_request_is_403(client_as, world, db):
    with unchanged(db):
        assert_problem(_offer(client_as, world.parent, world.request), 403, "not_a_candidate")


def test_offer_on_request_of_own_household_is_403(client_as, world, db):
    partner = UserFactory(household=world.parent.household)
    with unchanged(db):
        assert_problem(_offer(client_as, partner, world.request), 403, "not_a_candidate")


def test_offer_blocked_by_requester_is_404(client_as, world, db):
    BlockFactory(blocker=world.parent, blocked=world.supporters[0])
    with unchanged(db):
        response = _offer(client_as, world.supporters[0], world.request)
    assert_problem(response, 404, "share_request_not_found")


def test_offer_with_overlapping_match_is_404_and_writes_nothing(client_as, db, world):
    supporter = world.supporters[0]
    other = ShareRequestFactory(
        community=world.community,
        starts_at=world.request.starts_at + timedelta(minutes=30),
        ends_at=world.request.ends_at + timedelta(minutes=30),
    )
    add_match(other, supporter)
    before = _count(db)
    with unchanged(db):
        response = _offer(client_as, supporter, world.request)
    assert_problem(response, 404, "share_request_not_found")
    assert _count(db) == before


def test_offer_with_match_right_after_is_201(client_as, world):
    other = ShareRequestFactory(
        community=world.community,
        starts_at=world.request.ends_at,
        ends_at=world.request.ends_at + timedelta(hours=1),
    )
    add_match(other, world.supporters[0])
    assert _offer(client_as, world.supporters[0], world.request).status_code == 201


def test_offer_twice_is_409_already_offered(client_as, db, world):
    assert _offer(client_as, world.supporters[0], world.request).status_code == 201
    before = _count(db)
    with unchanged(db):
        response = _offer(client_as, world.supporters[0], world.request, {"note": "もう一度"})
    assert_problem(response, 409, "already_offered")
    assert _count(db) == before


def test_offer_again_after_withdrawing_is_201(client_as, world):
    add_offer(world.request, world.supporters[0], status="withdrawn")
    assert _offer(client_as, world.supporters[0], world.request).status_code == 201


def test_offer_on_matched_request_is_409(client_as, db, world):
    add_match(world.request, world.supporters[0])
    before = _count(db)
    with unchanged(db):
        response = _offer(client_as, world.supporters[1], world.request)
    assert_problem(response, 409, "share_request_not_open")
    assert _count(db) == before


def test_offer_by_matched_supporter_is_409_already_offered(client_as, world, db):
    add_match(world.request, world.supporters[0])
    with unchanged(db):
        response = _offer(client_as, world.supporters[0], world.request)
    assert_problem(response, 409, "already_offered")


def test_offer_on_cancelled_request_is_409(client_as, db, world):
    world.request.status = "cancelled"
    db.flush()
    with unchanged(db):
        response = _offer(client_as, world.supporters[0], world.request)
    assert_problem(response, 409, "share_request_not_open")


def test_offer_on_request_past_its_start_is_409(client_as, db):
    started = datetime.now(UTC) - timedelta(minutes=10)
    world = offer_world(starts_at=started, ends_at=started + timedelta(hours=1))
    with unchanged(db):
        response = _offer(client_as, world.supporters[0], world.request)
    assert_problem(response, 409, "share_request_not_open")
    assert _count(db) == 0


def test_offer_on_unknown_request_is_404(client_as, world, db):
    with unchanged(db):
        response = client_as(world.supporters[0]).post(
            f"/v1/share-requests/{uuid.uuid4()}/offers", json={}
        )
    assert_problem(response, 404, "share_request_not_found")


@pytest.mark.parametrize("body", [{"note": "x" * 1001}, {"note": "  "}, {"price": 100}])
def test_offer_with_bad_body_is_422_and_writes_nothing(client_as, db, world, body):
    before = _count(db)
    with unchanged(db):
        response = _offer(client_as, world.supporters[0], world.request, body)
    assert_problem(response, 422, "validation_failed")
    assert _count(db) == before


def test_offer_with_same_idempotency_key_replays(client_as, db, world):
    headers = {"Idempotency-Key": "offer-1"}
    first = _offer(client_as, world.supporters[0], world.request, {"note": "a"}, headers=headers)
    again = _offer(client_as, world.supporters[0], world.request, {"note": "a"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert _count(db) == 1


# --- GET /share-requests/{id}/offers -----------------------------------------------------


def test_list_offers_as_requester_has_insurance_preview(client_as, world):
    add_offer(world.request, world.supporters[0])
    response = client_as(world.parent).get(_offers_url(world.request))
    assert response.status_code == 200
    body = response.get_json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert item["supporter"]["id"] == str(world.supporters[0].id)
    preview = item["insurance_preview"]
    assert (preview["covered"], preview["reasons"]) == (False, ["no_active_policy"])
    assert [c["child_id"] for c in preview["children"]] == [str(world.child.id)]
    assert coordinate_keys_in(body) == set()


def test_list_offers_as_household_member_is_200(client_as, world):
    add_offer(world.request, world.supporters[0])
    partner = UserFactory(household=world.parent.household)
    response = client_as(partner).get(_offers_url(world.request))
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == 1


def test_list_offers_as_candidate_is_403(client_as, world, db):
    with unchanged(db):
        response = client_as(world.supporters[1]).get(_offers_url(world.request))
    assert_problem(response, 403, "requester_only")


def test_list_offers_as_stranger_is_404(client_as, world, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).get(_offers_url(world.request))
    assert_problem(response, 404, "share_request_not_found")


def test_list_offers_preview_is_null_unless_pending(client_as, world):
    add_offer(world.request, world.supporters[0], status="withdrawn")
    [item] = client_as(world.parent).get(_offers_url(world.request)).get_json()["items"]
    assert (item["status"], item["insurance_preview"]) == ("withdrawn", None)


def test_list_offers_pages_oldest_first(client_as):
    world = offer_world(supporters=3)
    # Inside the test's transaction every now() is the same: the offers get times of their
    # own, a minute apart, and ids in the opposite order, so that neither insertion order
    # nor the id tie-break can pass for "oldest first".
    start = datetime.now(UTC) - timedelta(hours=1)
    ids = sorted((uuid.uuid4() for _ in world.supporters), reverse=True)
    for minute, (supporter, offer_id) in enumerate(zip(world.supporters, ids, strict=True)):
        add_offer(
            world.request, supporter, id=offer_id, created_at=start + timedelta(minutes=minute)
        )
    api = client_as(world.parent)
    first = api.get(_offers_url(world.request), query_string={"limit": 2}).get_json()
    rest = api.get(
        _offers_url(world.request), query_string={"limit": 2, "cursor": first["next_cursor"]}
    ).get_json()
    assert [i["id"] for i in first["items"]] == [str(i) for i in ids[:2]]
    assert [i["id"] for i in rest["items"]] == [str(ids[2])]
    assert rest["next_cursor"] is None


def test_list_offers_filters_by_status(client_as, world):
    add_offer(world.request, world.supporters[0])
    add_offer(world.request, world.supporters[1], status="withdrawn")
    response = client_as(world.parent).get(
        _offers_url(world.request), query_string={"status": "withdrawn"}
    )
    assert [i["supporter"]["id"] for i in response.get_json()["items"]] == [
        str(world.supporters[1].id)
    ]


def test_list_offers_on_expired_request_shows_pending_as_declined(client_as, db):
    started = datetime.now(UTC) - timedelta(minutes=10)
    world = offer_world(starts_at=started, ends_at=started + timedelta(hours=1))
    add_offer(world.request, world.supporters[0])
    [item] = client_as(world.parent).get(_offers_url(world.request)).get_json()["items"]
    assert (item["status"], item["insurance_preview"]) == ("declined", None)
