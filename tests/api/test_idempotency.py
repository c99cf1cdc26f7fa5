"""Idempotency-Key on creating POSTs, shown on POST /v1/me/children."""

from __future__ import annotations

import json

from sqlalchemy import func, select, text

from otagai.domain.idempotency import IdempotencyRecord
from otagai.domain.people.models import Child
from tests.factories import UserFactory
from tests.helpers import assert_problem, unchanged

CHILD = {"nickname": "はるとくん", "birth_date": "2021-04-01", "notes": "卵アレルギー"}
OTHER_CHILD = {"nickname": "ゆいちゃん", "birth_date": "2022-06-15"}
KEY = "6f1c2a9e-retry-key"


def _post(api, body=CHILD, key: str | None = KEY):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.post("/v1/me/children", json=body, headers=headers)


def _children_of(db, user) -> int:
    db.expire_all()
    return db.scalar(
        select(func.count()).select_from(Child).where(Child.household_id == user.household_id)
    )


def test_first_request_with_key_is_not_marked_replayed(client_as):
    response = _post(client_as(UserFactory()))
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers


def test_same_key_and_body_replays_first_answer(client_as):
    api = client_as(UserFactory())
    first = _post(api)
    again = _post(api)
    assert again.status_code == first.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.mimetype == first.mimetype == "application/json"
    assert again.headers["Idempotent-Replayed"] == "true"


def test_same_key_and_body_creates_only_one_child(client_as, db):
    user = UserFactory()
    api = client_as(user)
    _post(api)
    _post(api)
    _post(api)
    assert _children_of(db, user) == 1


def test_same_key_with_reordered_body_replays(client_as, db):
    user = UserFactory()
    api = client_as(user)
    first = _post(api)
    again = _post(api, body=dict(reversed(list(CHILD.items()))))
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert _children_of(db, user) == 1


def test_same_key_with_other_body_is_422_and_creates_nothing(client_as, db):
    user = UserFactory()
    api = client_as(user)
    _post(api)
    with unchanged(db):
        response = _post(api, body=OTHER_CHILD)
    assert_problem(response, 422, "idempotency_key_reused")
    assert _children_of(db, user) == 1


def test_same_key_on_another_endpoint_is_422(client_as, db):
    api = client_as(UserFactory())
    _post(api)
    with unchanged(db):
        response = api.post(
            "/v1/me/devices",
            json={"token": "fcm-1", "platform": "ios"},
            headers={"Idempotency-Key": KEY},
        )
    assert_problem(response, 422, "idempotency_key_reused")


def test_different_users_use_same_key_independently(client_as, db):
    alice, bob = UserFactory(), UserFactory()
    first = _post(client_as(alice))
    second = _post(client_as(bob))
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    assert first.get_json()["id"] != second.get_json()["id"]
    assert (_children_of(db, alice), _children_of(db, bob)) == (1, 1)


def test_without_key_every_request_creates(client_as, db):
    user = UserFactory()
    api = client_as(user)
    _post(api, key=None)
    _post(api, key=None)
    assert _children_of(db, user) == 2


def test_key_of_255_characters_is_accepted(client_as):
    assert _post(client_as(UserFactory()), key="k" * 255).status_code == 201


def test_key_longer_than_255_characters_is_422_and_creates_nothing(client_as, db):
    user = UserFactory()
    with unchanged(db):
        problem = assert_problem(_post(client_as(user), key="k" * 256), 422, "validation_failed")
    assert list(problem["errors"]) == ["Idempotency-Key"]
    assert _children_of(db, user) == 0


def test_empty_key_is_422(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        problem = assert_problem(_post(client_as(caller), key=""), 422, "validation_failed")
    assert list(problem["errors"]) == ["Idempotency-Key"]


def test_record_older_than_24_hours_is_not_replayed(client_as, db):
    user = UserFactory()
    api = client_as(user)
    first = _post(api)
    db.execute(
        text(
            "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' "
            "WHERE owner_uid = :uid AND key = :key"
        ),
        {"uid": user.firebase_uid, "key": KEY},
    )
    again = _post(api)
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert again.get_json()["id"] != first.get_json()["id"]
    assert _children_of(db, user) == 2


def test_record_younger_than_24_hours_is_replayed(client_as, db):
    user = UserFactory()
    api = client_as(user)
    _post(api)
    db.execute(
        text("UPDATE idempotency_keys SET created_at = now() - interval '23 hours'"),
    )
    assert _post(api).headers.get("Idempotent-Replayed") == "true"
    assert _children_of(db, user) == 1


def test_rejected_first_request_does_not_burn_the_key(client_as, db):
    user = UserFactory()
    api = client_as(user)
    with unchanged(db):
        rejected = _post(api, body={"nickname": "ゆい"})
    assert_problem(rejected, 422, "validation_failed")
    db.expire_all()
    assert db.scalars(select(IdempotencyRecord)).all() == []
    retried = _post(api, body=OTHER_CHILD)
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers


def test_stored_record_holds_first_answer(client_as, db):
    user = UserFactory()
    first = _post(client_as(user))
    db.expire_all()
    [record] = db.scalars(
        select(IdempotencyRecord).where(IdempotencyRecord.owner_uid == user.firebase_uid)
    ).all()
    assert (record.key, record.status_code) == (KEY, 201)
    assert record.body == first.get_data(as_text=True)


def test_body_over_64_kib_with_key_is_413_and_stores_nothing(client_as, db):
    user = UserFactory()
    raw = json.dumps({"nickname": "あ" * 30_000, "birth_date": "2021-04-01"})
    with unchanged(db):
        response = client_as(user).post(
            "/v1/me/children",
            data=raw,
            content_type="application/json",
            headers={"Idempotency-Key": KEY},
        )
    assert_problem(response, 413, "payload_too_large")
    db.expire_all()
    assert db.scalars(select(IdempotencyRecord)).all() == []
    assert _children_of(db, user) == 0
