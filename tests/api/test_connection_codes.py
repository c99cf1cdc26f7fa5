from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from otagai.domain.events.models import Event, EventAttendance
from otagai.domain.trust.models import Connection, ConnectionCode
from tests.factories import (
    CommunityFactory,
    CommunityMemberFactory,
    MunicipalityFactory,
    UserFactory,
)
from tests.helpers import assert_problem, unchanged

CODE = re.compile(r"^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$")


def _codes_count(db, user) -> int:
    db.expire_all()
    return db.scalar(
        select(func.count()).select_from(ConnectionCode).where(ConnectionCode.user_id == user.id)
    )


def _event(db, community=None) -> Event:
    community = community or CommunityFactory()
    organizer = UserFactory()
    event = Event(
        community_id=community.id,
        title="子育てサロン",
        starts_at=datetime.now(UTC),
        place="SRID=4326;POINT(139.6571 35.8587)",
        created_by_id=organizer.id,
    )
    db.add(event)
    db.flush()
    return event


def test_create_code_is_201_with_six_unambiguous_characters(client_as, db):
    user = UserFactory()
    response = client_as(user).post("/v1/me/connection-codes", json={})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"code", "expires_at", "event_id"}
    assert CODE.match(body["code"]), body["code"]
    assert body["event_id"] is None
    row = db.scalars(select(ConnectionCode).where(ConnectionCode.code == body["code"])).one()
    assert row.user_id == user.id
    assert row.used_at is None


def test_create_code_expires_ten_minutes_after_creation(client_as):
    before = datetime.now(UTC)
    response = client_as(UserFactory()).post("/v1/me/connection-codes", json={})
    after = datetime.now(UTC)
    expires_at = datetime.fromisoformat(response.get_json()["expires_at"])
    assert before + timedelta(minutes=10) <= expires_at <= after + timedelta(minutes=10)


def test_create_code_without_body_is_201(client_as):
    response = client_as(UserFactory()).post("/v1/me/connection-codes")
    assert response.status_code == 201
    assert CODE.match(response.get_json()["code"])


def test_create_codes_repeatedly_gives_distinct_live_codes(client_as, db):
    user = UserFactory()
    api = client_as(user)
    codes = {api.post("/v1/me/connection-codes", json={}).get_json()["code"] for _ in range(20)}
    assert len(codes) == 20
    assert _codes_count(db, user) == 20


def test_create_code_removes_my_expired_codes(client_as, db):
    user = UserFactory()
    api = client_as(user)
    old = api.post("/v1/me/connection-codes", json={}).get_json()["code"]
    db.execute(
        ConnectionCode.__table__.update()
        .where(ConnectionCode.code == old)
        .values(expires_at=func.now() - timedelta(seconds=1))
    )
    api.post("/v1/me/connection-codes", json={})
    assert _codes_count(db, user) == 1
    assert db.scalar(select(ConnectionCode).where(ConnectionCode.code == old)) is None


def test_create_code_without_profile_is_403(client_as, db):
    with unchanged(db):
        response = client_as("no-profile-yet").post("/v1/me/connection-codes", json={})
    assert_problem(response, 403, "profile_required")


def test_create_code_with_unknown_field_is_422(client_as, db):
    user = UserFactory()
    with unchanged(db):
        response = client_as(user).post("/v1/me/connection-codes", json={"ttl": 3600})
    problem = assert_problem(response, 422, "validation_failed")
    assert list(problem["errors"]) == ["ttl"]
    assert _codes_count(db, user) == 0


def test_create_code_replayed_with_idempotency_key_gives_same_code(client_as, db):
    user = UserFactory()
    api = client_as(user)
    headers = {"Idempotency-Key": "code-1"}
    first = api.post("/v1/me/connection-codes", json={}, headers=headers)
    again = api.post("/v1/me/connection-codes", json={}, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _codes_count(db, user) == 1


# Codes made at an event -------------------------------------------------------------


def test_create_code_for_event_i_attended_is_201(client_as, db):
    user = UserFactory()
    event = _event(db)
    db.add(EventAttendance(event_id=event.id, user_id=user.id, recorded_by_id=event.created_by_id))
    db.flush()
    response = client_as(user).post("/v1/me/connection-codes", json={"event_id": str(event.id)})
    assert response.status_code == 201
    assert response.get_json()["event_id"] == str(event.id)


def test_create_code_for_event_of_my_community_is_201(client_as, db):
    user, community = UserFactory(), CommunityFactory()
    CommunityMemberFactory(user=user, community=community)
    event = _event(db, community=community)
    response = client_as(user).post("/v1/me/connection-codes", json={"event_id": str(event.id)})
    assert response.status_code == 201
    assert response.get_json()["event_id"] == str(event.id)


def test_create_code_for_event_of_another_community_is_404(client_as, db):
    user, municipality = UserFactory(), MunicipalityFactory()
    CommunityMemberFactory(user=user, community=CommunityFactory(municipality=municipality))
    event = _event(db, community=CommunityFactory(municipality=municipality))
    with unchanged(db):
        response = client_as(user).post("/v1/me/connection-codes", json={"event_id": str(event.id)})
    assert_problem(response, 404, "event_not_found")
    assert _codes_count(db, user) == 0


def test_create_code_for_unknown_event_is_404(client_as, db):
    user = UserFactory()
    with unchanged(db):
        response = client_as(user).post(
            "/v1/me/connection-codes", json={"event_id": str(uuid.uuid4())}
        )
    assert_problem(response, 404, "event_not_found")
    assert _codes_count(db, user) == 0


def test_redeem_event_code_records_event_on_connection(client_as, db):
    user, community = UserFactory(), CommunityFactory()
    CommunityMemberFactory(user=user, community=community)
    event = _event(db, community=community)
    code = (
        client_as(user)
        .post("/v1/me/connection-codes", json={"event_id": str(event.id)})
        .get_json()["code"]
    )
    other = UserFactory()
    response = client_as(other).post("/v1/connections", json={"code": code})
    assert response.status_code == 201
    assert response.get_json()["event_id"] == str(event.id)
    db.expire_all()
    connection = db.get(Connection, tuple(sorted((user.id, other.id))))
    assert connection.event_id == event.id
