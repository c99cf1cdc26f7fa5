"""Posting share requests: the answer, who may post, and every validation rule (each
rejected request writes nothing)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from otagai.domain.requests.models import ShareRequest, ShareRequestChild
from tests.factories import (
    CertificationFactory,
    ChildFactory,
    CommunityFactory,
    CommunityMemberFactory,
    UserFactory,
)
from tests.helpers import assert_problem, unchanged

START = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=2)
EN = {"Accept-Language": "en"}


def at(**delta) -> str:
    return (START + timedelta(**delta)).isoformat()


@pytest.fixture
def world(db) -> SimpleNamespace:
    """A community with a member parent (one child) and a certified supporter nearby."""
    community = CommunityFactory()
    parent = UserFactory()
    CommunityMemberFactory(community=community, user=parent)
    child = ChildFactory(household=parent.household, nickname="はるとくん")
    supporter = UserFactory()
    CertificationFactory(community=community, user=supporter)
    return SimpleNamespace(community=community, parent=parent, child=child, supporter=supporter)


def pickup(w, **overrides):
    body = {
        "kind": "pickup",
        "community_id": str(w.community.id),
        "title": "保育園のお迎え",
        "details": "17時にお迎えをお願いします",
        "starts_at": at(),
        "ends_at": at(minutes=90),
        "location": {"lat": 35.8587, "lng": 139.6571},
        "dropoff": {"lat": 35.8601, "lng": 139.6555},
        "child_ids": [str(w.child.id)],
        "intended_thank_you_jpy": 1000,
    }
    return {k: v for k, v in {**body, **overrides}.items() if v is not ...}


def babysitting(w, **overrides):
    return pickup(w, **{"kind": "babysitting", "dropoff": ..., **overrides})


def lending(w, **overrides):
    body = {
        "kind": "lending",
        "dropoff": ...,
        "child_ids": ...,
        "ends_at": at(days=7),
        "item": {"category": "stroller", "description": "A型ベビーカー"},
    }
    return pickup(w, **{**body, **overrides})


def _post(client_as, user, body, **kw):
    return client_as(user).post("/v1/share-requests", json=body, **kw)


def _requests(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(ShareRequest))


# --- success -----------------------------------------------------------------------------


def test_create_pickup_is_201_with_recommended_thank_you(client_as, world):
    response = _post(client_as, world.parent, pickup(world))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["recommended_thank_you"] == {"min_jpy": 1000, "max_jpy": 1400}
    assert (body["kind"], body["status"], body["viewer_role"]) == ("pickup", "open", "household")
    assert (body["audience"], body["radius_m"]) == ("community", 2000)
    assert body["location"] == {"lat": 35.8587, "lng": 139.6571}
    assert body["dropoff"] == {"lat": 35.8601, "lng": 139.6555}
    assert datetime.fromisoformat(body["starts_at"]) == START


def test_create_pickup_counts_the_candidates(client_as, world):
    body = _post(client_as, world.parent, pickup(world)).get_json()
    assert body["candidate_count"] == 1


def test_create_pickup_links_the_children(client_as, db, world):
    body = _post(client_as, world.parent, pickup(world)).get_json()
    assert [c["nickname"] for c in body["children"]["list"]] == ["はるとくん"]
    linked = db.scalars(
        select(ShareRequestChild.child_id).where(ShareRequestChild.request_id == body["id"])
    ).all()
    assert linked == [world.child.id]


def test_create_lending_has_no_recommendation_and_a_5_km_radius(client_as, world):
    response = _post(client_as, world.parent, lending(world))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["recommended_thank_you"], body["radius_m"]) == (None, 5000)
    assert body["item"] == {"category": "stroller", "description": "A型ベビーカー"}
    assert body["children"] == {"count": 0, "age_bands": [], "list": []}


def test_create_babysitting_by_a_coordinator_is_201(client_as, db, world):
    coordinator = UserFactory()
    CommunityMemberFactory(community=world.community, user=coordinator, role="coordinator")
    child = ChildFactory(household=coordinator.household)
    body = babysitting(world, child_ids=[str(child.id)], audience="connections", radius_m=800)
    response = _post(client_as, coordinator, body)
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["audience"], response.get_json()["radius_m"]) == (
        "connections",
        800,
    )


def test_create_with_same_idempotency_key_replays_without_a_second_row(client_as, db, world):
    headers = {"Idempotency-Key": "req-1"}
    first = _post(client_as, world.parent, pickup(world), headers=headers)
    second = _post(client_as, world.parent, pickup(world), headers=headers)
    assert second.status_code == 201
    assert second.get_json()["id"] == first.get_json()["id"]
    assert _requests(db) == 1


# --- who may post ------------------------------------------------------------------------


def test_create_without_profile_is_403(client_as, db, world):
    with unchanged(db):
        assert_problem(_post(client_as, "no-profile-uid", pickup(world)), 403, "profile_required")
    assert _requests(db) == 0


def test_create_in_unknown_community_is_404(client_as, db, world):
    body = pickup(world, community_id=str(uuid.uuid4()))
    with unchanged(db):
        assert_problem(_post(client_as, world.parent, body), 404, "community_not_found")
    assert _requests(db) == 0


def test_create_by_non_member_is_403(client_as, db, world):
    outsider = UserFactory()
    child = ChildFactory(household=outsider.household)
    body = pickup(world, child_ids=[str(child.id)])
    with unchanged(db):
        assert_problem(_post(client_as, outsider, body), 403, "not_a_community_member")
    assert _requests(db) == 0


# --- validation: one rule per case, nothing written -----------------------------------------

CASES = {
    "pickup_without_dropoff": (lambda w: pickup(w, dropoff=...), "dropoff"),
    "pickup_with_null_dropoff": (lambda w: pickup(w, dropoff=None), "dropoff"),
    "pickup_without_location": (lambda w: pickup(w, location=...), "location"),
    "pickup_without_children": (lambda w: pickup(w, child_ids=[]), "child_ids"),
    "pickup_with_item": (
        lambda w: pickup(w, item={"category": "toys", "description": "積み木"}),
        "item",
    ),
    "babysitting_without_children": (lambda w: babysitting(w, child_ids=...), "child_ids"),
    "babysitting_with_dropoff": (
        lambda w: babysitting(w, dropoff={"lat": 35.86, "lng": 139.65}),
        "dropoff",
    ),
    "lending_without_item": (lambda w: lending(w, item=...), "item"),
    "lending_with_children": (lambda w: lending(w, child_ids=[str(w.child.id)]), "child_ids"),
    "lending_with_dropoff": (
        lambda w: lending(w, dropoff={"lat": 35.86, "lng": 139.65}),
        "dropoff",
    ),
    "lending_unknown_category": (
        lambda w: lending(w, item={"category": "car", "description": "軽自動車"}),
        "item.category",
    ),
    "lending_item_without_description": (
        lambda w: lending(w, item={"category": "toys"}),
        "item.description",
    ),
    "unknown_kind": (lambda w: pickup(w, kind="errand"), "kind"),
    "starts_in_the_past": (
        lambda w: pickup(w, starts_at=at(days=-3), ends_at=at(days=-3, hours=1)),
        "starts_at",
    ),
    "starts_more_than_a_year_ahead": (
        lambda w: pickup(w, starts_at=at(days=400), ends_at=at(days=400, hours=1)),
        "starts_at",
    ),
    "naive_starts_at": (
        lambda w: pickup(w, starts_at=START.replace(tzinfo=None).isoformat()),
        "starts_at",
    ),
    "ends_before_start": (lambda w: pickup(w, ends_at=at(minutes=-30)), "ends_at"),
    "ends_at_start": (lambda w: pickup(w, ends_at=at()), "ends_at"),
    "pickup_longer_than_12_hours": (
        lambda w: pickup(w, ends_at=at(hours=12, minutes=1)),
        "ends_at",
    ),
    "babysitting_longer_than_12_hours": (
        lambda w: babysitting(w, ends_at=at(hours=13)),
        "ends_at",
    ),
    "lending_longer_than_30_days": (
        lambda w: lending(w, ends_at=at(days=30, minutes=1)),
        "ends_at",
    ),
    "location_outside_japan": (
        lambda w: pickup(w, location={"lat": 48.85, "lng": 2.35}),
        "location",
    ),
    "radius_over_20_km": (lambda w: pickup(w, radius_m=20001), "radius_m"),
    "radius_as_string": (lambda w: pickup(w, radius_m="2000"), "radius_m"),
    "thank_you_over_100000": (
        lambda w: pickup(w, intended_thank_you_jpy=100001),
        "intended_thank_you_jpy",
    ),
    "negative_thank_you": (
        lambda w: pickup(w, intended_thank_you_jpy=-1),
        "intended_thank_you_jpy",
    ),
    "unknown_audience": (lambda w: pickup(w, audience="everyone"), "audience"),
    "blank_title": (lambda w: pickup(w, title="   "), "title"),
    "duplicate_children": (lambda w: pickup(w, child_ids=[str(w.child.id)] * 2), "child_ids"),
    "unknown_field": (lambda w: pickup(w, price=100), "price"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_create_breaking_a_rule_is_422_and_writes_nothing(client_as, db, world, case):
    make, field = CASES[case]
    with unchanged(db):
        problem = assert_problem(
            _post(client_as, world.parent, make(world)), 422, "validation_failed"
        )
    assert field in problem["errors"], problem["errors"]
    assert _requests(db) == 0


def test_create_lists_every_broken_rule_at_once(client_as, world, db):
    body = pickup(world, dropoff=..., child_ids=[], ends_at=at(hours=13))
    with unchanged(db):
        problem = assert_problem(_post(client_as, world.parent, body, headers=EN), 422)
    assert problem["errors"] == {
        "dropoff": ["Required for pickup."],
        "child_ids": ["At least one child is required."],
        "ends_at": ["Must be at most 12 hours after starts_at."],
    }


def test_create_with_another_households_child_is_422_like_an_unknown_id(client_as, db, world):
    foreign = ChildFactory()
    foreign_body = pickup(world, child_ids=[str(foreign.id)])
    unknown_body = pickup(world, child_ids=[str(uuid.uuid4())])
    with unchanged(db):
        foreign_problem = assert_problem(_post(client_as, world.parent, foreign_body), 422)
    with unchanged(db):
        unknown_problem = assert_problem(_post(client_as, world.parent, unknown_body), 422)
    assert (
        foreign_problem["errors"]
        == unknown_problem["errors"]
        == {"child_ids": ["世帯のお子さまではありません。"]}
    )
    assert _requests(db) == 0


def test_create_with_a_removed_child_is_422(client_as, db, world):
    world.child.deleted_at = datetime.now(UTC)
    db.flush()
    with unchanged(db):
        problem = assert_problem(_post(client_as, world.parent, pickup(world)), 422)
    assert set(problem["errors"]) == {"child_ids"}
    assert _requests(db) == 0
