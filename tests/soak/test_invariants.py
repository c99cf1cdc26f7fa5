"""The soak run's invariants hold on a world made through the API, and each one finds its
violation when it is planted (or the schema refuses the violation outright)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tests.factories import (
    CertificationFactory,
    ChildFactory,
    CommunityFactory,
    CommunityMemberFactory,
    ShareRequestFactory,
    UserFactory,
    add_thank_you,
)
from tests.soak.invariants import INVARIANTS, violations


def _post(client_as: Any, parent: Any, body: dict[str, Any]) -> str:
    posted = client_as(parent).post("/v1/share-requests", json=body)
    assert posted.status_code == 201, posted.get_json()
    return str(posted.get_json()["id"])


@pytest.fixture
def world(db, client_as):
    """People from the factories; everything else through the API: a pickup with two
    offers, one accepted (a match; the other declined), and a lending with nothing on it."""
    community = CommunityFactory()
    parent = UserFactory()
    CommunityMemberFactory(community=community, user=parent)
    child = ChildFactory(household=parent.household)
    supporters = [UserFactory(), UserFactory()]
    for supporter in supporters:
        CertificationFactory(community=community, user=supporter)
    world = SimpleNamespace(since=db.scalar(select(func.now())), parent=parent, community=community)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    common = {"community_id": str(community.id), "location": {"lat": 35.8617, "lng": 139.6455}}
    world.request_id = _post(client_as, parent, {
        **common, "kind": "pickup", "title": "お迎えのお願い", "child_ids": [str(child.id)],
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "dropoff": {"lat": 35.8601, "lng": 139.6555},
    })  # fmt: skip
    world.open_id = _post(client_as, parent, {
        **common, "kind": "lending", "title": "ベビーカーを貸してください",
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(days=1)).isoformat(),
        "item": {"category": "stroller", "description": "A型"},
    })  # fmt: skip
    offers = [
        client_as(s).post(f"/v1/share-requests/{world.request_id}/offers", json={"note": "はい"})
        for s in supporters
    ]
    assert [o.status_code for o in offers] == [201, 201]
    world.offer_ids = [o.get_json()["id"] for o in offers]
    accepted = client_as(parent).post(f"/v1/offers/{world.offer_ids[0]}/accept")
    assert accepted.status_code == 201
    world.match_id = accepted.get_json()["id"]
    return world


def _sql(db: Any, statement: str, **params: Any) -> None:
    db.execute(text(statement), params)


PLANTS: dict[str, Callable[[Any, Any], None]] = {
    "exactly one match per matched or completed request": lambda db, w: _sql(
        db, "UPDATE share_requests SET status = 'matched' WHERE id = :id", id=w.open_id
    ),
    "a match's request is matched, completed or cancelled with it": lambda db, w: _sql(
        db, "UPDATE share_requests SET status = 'open' WHERE id = :id", id=w.request_id
    ),
    "at most one accepted offer per request, and it is the match's": lambda db, w: _sql(
        db, "UPDATE offers SET status = 'accepted' WHERE id = :id", id=w.offer_ids[1]
    ),
    "no live accepted offer on a cancelled request": lambda db, w: _sql(
        db, "UPDATE share_requests SET status = 'cancelled' WHERE id = :id", id=w.request_id
    ),
    "no pending offer on a request that is no longer open": lambda db, w: _sql(
        db, "UPDATE offers SET status = 'pending' WHERE id = :id", id=w.offer_ids[1]
    ),
    "no thank-you without a match that was live when it was recorded": lambda db, w: (
        _sql(
            db,
            "UPDATE matches SET status = 'cancelled', cancelled_at = now() - interval '1 hour' "
            "WHERE id = :id",
            id=w.match_id,
        ),
        add_thank_you(db.get(_match_model(), w.match_id)),
    ),
    "an outbox row for every match, and for every completion and cancellation": lambda db, w: _sql(
        db, "DELETE FROM outbox_events WHERE kind = 'offer.accepted'"
    ),
    "an outbox row for every request posted": lambda db, w: _sql(
        db, "DELETE FROM outbox_events WHERE payload ->> 'request_id' = :id", id=w.open_id
    ),
    "no duplicate request from a retried post (titles are unique per logical post)": (
        lambda db, w: ShareRequestFactory(
            requester=w.parent, community=w.community, title="ベビーカーを貸してください"
        )
    ),
    "no duplicate offer from a retried offer": lambda db, w: _sql(
        db,
        "INSERT INTO offers SELECT (jsonb_populate_record(NULL::offers, to_jsonb(o) "
        "|| jsonb_build_object('id', gen_random_uuid()))).* FROM offers o WHERE id = :id",
        id=w.offer_ids[0],
    ),
    "no duplicate thank-you from a retried thank-you": lambda db, w: (
        add_thank_you(db.get(_match_model(), w.match_id)),
        add_thank_you(db.get(_match_model(), w.match_id)),
    ),
    "no duplicate match from concurrent accepts": lambda db, w: _sql(
        db,
        "INSERT INTO matches SELECT (jsonb_populate_record(NULL::matches, to_jsonb(m) "
        "|| jsonb_build_object('id', gen_random_uuid(), 'offer_id', CAST(:other AS text)))).* "
        "FROM matches m WHERE id = :id",
        id=w.match_id,
        other=w.offer_ids[1],
    ),
}


def _match_model() -> Any:
    from otagai.domain.matches.models import Match

    return Match


def test_every_invariant_has_a_plant():
    assert sorted(PLANTS) == sorted(i.name for i in INVARIANTS)


def test_a_world_made_through_the_api_breaks_none(db, world):
    assert violations(db.connection(), world.since) == {i.name: [] for i in INVARIANTS}


@pytest.mark.parametrize("name", [i.name for i in INVARIANTS])
def test_each_invariant_finds_its_planted_violation(db, world, name):
    savepoint = db.begin_nested()
    try:
        PLANTS[name](db, world)
        db.flush()
    except IntegrityError:
        # The database itself refuses this violation: a unique index holds it.
        savepoint.rollback()
        return
    found = violations(db.connection(), world.since)
    savepoint.rollback()
    assert found[name], f"{name}: the planted violation was not found"
