from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from otagai.domain.people.models import User
from otagai.domain.trust.models import Connection, ConnectionCode
from tests.factories import ConnectionFactory, UserFactory
from tests.helpers import assert_problem, code_of, unchanged

pytestmark = pytest.mark.usefixtures("forget_rate_limit_hits")


def _code_row(db, code: str) -> ConnectionCode:
    db.expire_all()
    return db.scalars(select(ConnectionCode).where(ConnectionCode.code == code)).one()


def _connections_count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Connection))


def _age_code(db, code: str, by: timedelta) -> None:
    db.execute(
        update(ConnectionCode)
        .where(ConnectionCode.code == code)
        .values(
            created_at=ConnectionCode.created_at - by, expires_at=ConnectionCode.expires_at - by
        )
    )


def _listed_ids(api) -> list[str]:
    return [item["user_id"] for item in api.get("/v1/me/connections").get_json()["items"]]


# Redeeming ---------------------------------------------------------------------------


def test_redeem_code_is_201_with_code_owner(client_as, db):
    owner, me = UserFactory(), UserFactory()
    code = code_of(client_as, owner)
    response = client_as(me).post("/v1/connections", json={"code": code})
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"] == {"id": str(owner.id), "display_name": owner.display_name}
    assert body["event_id"] is None
    assert body["connected_at"]
    row = _code_row(db, code)
    assert row.used_by_id == me.id
    assert row.used_at is not None


def test_redeem_code_connects_both_ways(client_as):
    owner, me = UserFactory(), UserFactory()
    client_as(me).post("/v1/connections", json={"code": code_of(client_as, owner)})
    assert _listed_ids(client_as(me)) == [str(owner.id)]
    assert _listed_ids(client_as(owner)) == [str(me.id)]


@pytest.mark.parametrize("typed", ["{lower}", " {a}-{b} ", "{fullwidth}"])
def test_redeem_code_typed_loosely_is_201(client_as, typed):
    owner = UserFactory()
    code = code_of(client_as, owner)
    typed = typed.format(
        lower=code.lower(),
        a=code[:3],
        b=code[3:].lower(),
        fullwidth="".join(chr(ord(c) + 0xFEE0) for c in code),  # ＡＢＣ１２３
    )
    response = client_as(UserFactory()).post("/v1/connections", json={"code": typed})
    assert response.status_code == 201, response.get_json()


def test_redeem_unknown_code_is_404(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post("/v1/connections", json={"code": "ZZZZZZ"})
    assert_problem(response, 404, "connection_code_not_found")
    assert _connections_count(db) == 0


def test_redeem_code_aged_just_under_ten_minutes_is_201(client_as, db):
    code = code_of(client_as, UserFactory())
    _age_code(db, code, timedelta(minutes=9, seconds=50))
    response = client_as(UserFactory()).post("/v1/connections", json={"code": code})
    assert response.status_code == 201


def test_redeem_code_aged_ten_minutes_is_404(client_as, db):
    code = code_of(client_as, UserFactory())
    _age_code(db, code, timedelta(minutes=10))
    before = _connections_count(db)
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post("/v1/connections", json={"code": code})
    assert_problem(response, 404, "connection_code_not_found")
    assert _connections_count(db) == before
    assert _code_row(db, code).used_at is None


def test_redeem_used_code_is_409(client_as, db):
    code = code_of(client_as, UserFactory())
    first = UserFactory()
    client_as(first).post("/v1/connections", json={"code": code})
    before = _connections_count(db)
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post("/v1/connections", json={"code": code})
    assert_problem(response, 409, "connection_code_used")
    assert _connections_count(db) == before
    assert _code_row(db, code).used_by_id == first.id


def test_redeem_own_code_is_422(client_as, db):
    me = UserFactory()
    code = code_of(client_as, me)
    with unchanged(db):
        response = client_as(me).post("/v1/connections", json={"code": code})
    assert_problem(response, 422, "cannot_connect_to_self")
    assert _connections_count(db) == 0
    assert _code_row(db, code).used_at is None


def test_redeem_code_when_already_connected_is_409_and_code_stays_unused(client_as, db):
    owner, me = UserFactory(), UserFactory()
    ConnectionFactory(a=owner, b=me)
    code = code_of(client_as, owner)
    with unchanged(db):
        response = client_as(me).post("/v1/connections", json={"code": code})
    assert_problem(response, 409, "already_connected")
    assert _connections_count(db) == 1
    assert _code_row(db, code).used_at is None


def test_redeem_code_of_deleted_account_is_404(client_as, db):
    owner = UserFactory()
    code = code_of(client_as, owner)
    assert client_as(owner).delete("/v1/me").status_code == 204
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post("/v1/connections", json={"code": code})
    assert_problem(response, 404, "connection_code_not_found")
    assert _connections_count(db) == 0


def test_redeem_without_profile_is_403(client_as, db):
    code = code_of(client_as, UserFactory())
    with unchanged(db):
        response = client_as("no-profile-yet").post("/v1/connections", json={"code": code})
    assert_problem(response, 403, "profile_required")
    assert _code_row(db, code).used_at is None


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 123456}, {"code": "A" * 33}])
def test_redeem_with_invalid_body_is_422(client_as, body, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post("/v1/connections", json=body)
    problem = assert_problem(response, 422, "validation_failed")
    assert list(problem["errors"]) == ["code"]


def test_redeem_replayed_with_idempotency_key_answers_same_201(client_as, db):
    owner, me = UserFactory(), UserFactory()
    body = {"code": code_of(client_as, owner)}
    headers = {"Idempotency-Key": "redeem-1"}
    first = client_as(me).post("/v1/connections", json=body, headers=headers)
    again = client_as(me).post("/v1/connections", json=body, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _connections_count(db) == 1


# Listing and removing ----------------------------------------------------------------


def test_list_connections_has_name_date_and_event(client_as):
    me, other = UserFactory(), UserFactory()
    ConnectionFactory(a=me, b=other)
    items = client_as(me).get("/v1/me/connections").get_json()["items"]
    assert len(items) == 1
    assert set(items[0]) == {"user_id", "display_name", "connected_at", "event_id"}
    assert items[0]["user_id"] == str(other.id)
    assert items[0]["display_name"] == other.display_name
    assert items[0]["event_id"] is None


def test_list_connections_pages_through_all_without_repeats(client_as):
    me = UserFactory()
    others = [UserFactory() for _ in range(5)]
    for other in others:
        ConnectionFactory(a=me, b=other)  # one transaction: equal timestamps
    api = client_as(me)
    seen: list[str] = []
    cursor = None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(f"/v1/me/connections{query}").get_json()
        assert len(page["items"]) <= 2
        seen += [item["user_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(str(o.id) for o in others)


def test_list_connections_with_bad_cursor_is_422(client_as):
    response = client_as(UserFactory()).get("/v1/me/connections?cursor=nonsense")
    assert_problem(response, 422, "invalid_cursor")


def test_list_connections_omits_deleted_accounts(client_as, db):
    me, gone = UserFactory(), UserFactory()
    ConnectionFactory(a=me, b=gone)
    db.execute(update(User).where(User.id == gone.id).values(status="deleted"))
    assert _listed_ids(client_as(me)) == []


def test_list_connections_without_profile_is_403(client_as):
    assert_problem(client_as("no-profile-yet").get("/v1/me/connections"), 403, "profile_required")


def test_remove_connection_is_204_and_gone_for_both(client_as, db):
    me, other = UserFactory(), UserFactory()
    ConnectionFactory(a=me, b=other)
    response = client_as(other).delete(f"/v1/connections/{me.id}")
    assert response.status_code == 204
    assert _connections_count(db) == 0
    assert _listed_ids(client_as(me)) == []


def test_remove_connection_when_not_connected_is_404(client_as, db):
    me, third = UserFactory(), UserFactory()
    ConnectionFactory(a=third, b=UserFactory())
    with unchanged(db):
        response = client_as(me).delete(f"/v1/connections/{third.id}")
    assert_problem(response, 404, "connection_not_found")
    assert _connections_count(db) == 1


def test_remove_connection_with_unknown_user_is_404(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).delete(f"/v1/connections/{uuid.uuid4()}")
    assert_problem(response, 404, "connection_not_found")
