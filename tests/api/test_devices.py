from __future__ import annotations

import pytest
from sqlalchemy import select

from otagai.domain.people.models import Device
from tests.factories import UserFactory
from tests.helpers import assert_problem, unchanged

TOKEN = "fcm-token-abc123:APA91b"


def _devices(db, token: str = TOKEN) -> list[Device]:
    db.expire_all()
    return list(db.scalars(select(Device).where(Device.token == token)))


def _register(api, token: str = TOKEN, platform: str = "ios"):
    return api.post("/v1/me/devices", json={"token": token, "platform": platform})


def test_register_device_is_201_and_stored(client_as, db):
    user = UserFactory()
    response = _register(client_as(user))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["token"], body["platform"]) == (TOKEN, "ios")
    assert "created_at" in body
    [device] = _devices(db)
    assert (device.user_id, device.platform) == (user.id, "ios")


def test_register_same_token_again_keeps_one_row_and_updates_platform(client_as, db):
    user = UserFactory()
    api = client_as(user)
    _register(api, platform="ios")
    assert _register(api, platform="android").status_code == 201
    [device] = _devices(db)
    assert (device.user_id, device.platform) == (user.id, "android")


def test_register_token_of_another_user_moves_it_to_me(client_as, db):
    first, second = UserFactory(), UserFactory()
    _register(client_as(first))
    assert _register(client_as(second), platform="android").status_code == 201
    [device] = _devices(db)
    assert (device.user_id, device.platform) == (second.id, "android")


def test_register_moved_token_can_no_longer_be_deleted_by_previous_owner(client_as, db):
    first, second = UserFactory(), UserFactory()
    _register(client_as(first))
    _register(client_as(second))
    with unchanged(db):
        assert_problem(client_as(first).delete(f"/v1/me/devices/{TOKEN}"), 404, "device_not_found")
    assert [d.user_id for d in _devices(db)] == [second.id]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"token": TOKEN, "platform": "windows"}, "platform"),
        ({"token": TOKEN, "platform": "IOS"}, "platform"),
        ({"token": TOKEN}, "platform"),
        ({"platform": "ios"}, "token"),
        ({"token": "", "platform": "ios"}, "token"),
        ({"token": "t" * 513, "platform": "ios"}, "token"),
        ({"token": 42, "platform": "ios"}, "token"),
        ({"token": TOKEN, "platform": "ios", "user_id": "x"}, "user_id"),
    ],
)
def test_register_invalid_body_is_422_and_writes_nothing(client_as, db, body, field):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post("/v1/me/devices", json=body)
    problem = assert_problem(response, 422, "validation_failed")
    assert list(problem["errors"]) == [field]
    db.expire_all()
    assert db.scalars(select(Device)).all() == []


def test_register_without_profile_is_403(client_as, db):
    with unchanged(db):
        assert_problem(_register(client_as("no-profile")), 403, "profile_required")
    assert _devices(db) == []


def test_register_token_with_nul_character_is_422(client_as, db):
    response = _register(client_as(UserFactory()), token="abc\x00def")
    assert list(assert_problem(response, 422, "validation_failed")["errors"]) == ["token"]


def test_delete_own_device_is_204_and_removes_it(client_as, db):
    api = client_as(UserFactory())
    _register(api)
    response = api.delete(f"/v1/me/devices/{TOKEN}")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert _devices(db) == []


def test_delete_unknown_device_is_404(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).delete("/v1/me/devices/never-registered")
    assert_problem(response, 404, "device_not_found")


def test_delete_someone_elses_device_is_404_and_keeps_it(client_as, db):
    owner = UserFactory()
    _register(client_as(owner))
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).delete(f"/v1/me/devices/{TOKEN}")
    assert_problem(response, 404, "device_not_found")
    assert [d.user_id for d in _devices(db)] == [owner.id]


def test_delete_device_twice_is_404_the_second_time(client_as, db):
    api = client_as(UserFactory())
    _register(api)
    api.delete(f"/v1/me/devices/{TOKEN}")
    with unchanged(db):
        assert_problem(api.delete(f"/v1/me/devices/{TOKEN}"), 404, "device_not_found")


def test_delete_device_without_profile_is_403(client_as, db):
    with unchanged(db):
        response = client_as("no-profile").delete(f"/v1/me/devices/{TOKEN}")
    assert_problem(response, 403, "profile_required")


def test_delete_device_with_nul_character_is_404(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).delete("/v1/me/devices/abc%00def")
    assert_problem(response, 404, "not_found")
