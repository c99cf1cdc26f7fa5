from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from otagai.domain.communities.models import CommunityMember
from otagai.domain.idempotency import IdempotencyRecord
from otagai.domain.people.models import Child, Device, Household, HouseholdInvite, User
from otagai.extensions.geo import latlng_of
from tests.factories import ChildFactory, CommunityMemberFactory, UserFactory
from tests.helpers import assert_problem, unchanged

HOME = {"lat": 35.8617, "lng": 139.6455}


def _users_with_uid(db, uid: str) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(User).where(User.firebase_uid == uid))


def test_put_me_first_time_creates_profile_and_household(client_as, db):
    api = client_as("new-parent")
    response = api.put("/v1/me", json={"display_name": "佐藤 美香", "home": HOME})
    assert response.status_code == 201
    body = response.get_json()
    assert body["display_name"] == "佐藤 美香"
    assert body["locale"] == "ja"
    assert body["home"] == HOME
    assert body["household"]["members"] == [{"id": body["id"], "display_name": "佐藤 美香"}]


def test_get_me_without_profile_is_404(client_as):
    assert_problem(client_as("nobody-yet").get("/v1/me"), 404, "profile_not_found")


def test_put_me_again_updates_and_keeps_home_when_omitted(client_as):
    user = UserFactory()
    response = client_as(user).put("/v1/me", json={"display_name": "新しい名前", "locale": "en"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["display_name"] == "新しい名前"
    assert body["locale"] == "en"
    assert body["home"] == {"lat": 35.8587, "lng": 139.6571}


def test_put_me_trims_display_name(client_as):
    response = client_as("trim-parent").put("/v1/me", json={"display_name": "  佐藤  "})
    assert response.status_code == 201
    assert response.get_json()["display_name"] == "佐藤"


def test_put_me_home_null_clears_home(client_as, db):
    user = UserFactory()
    response = client_as(user).put("/v1/me", json={"display_name": "佐藤", "home": None})
    assert response.status_code == 200
    assert response.get_json()["home"] is None
    db.expire_all()
    assert db.get(User, user.id).home is None


INVALID_BODIES = [
    ({"display_name": "x", "home": {"lat": 91, "lng": 139.6}}, "home.lat"),
    ({"display_name": "x", "home": {"lat": 35.8, "lng": -181}}, "home.lng"),
    ({"display_name": "x", "home": {"lat": "NaN", "lng": 139.6}}, "home.lat"),
    ({"display_name": "x", "home": {"lat": 35.8, "lng": "Infinity"}}, "home.lng"),
    ({"display_name": "x", "home": {"lat": 48.8566, "lng": 2.3522}}, "home"),
    ({"display_name": "x", "home": {"lng": 139.6}}, "home.lat"),
    ({"display_name": "x", "home": {"lat": True, "lng": 139.6}}, "home.lat"),
    ({"display_name": "x", "home": [35.8, 139.6]}, "home"),
    ({"display_name": "x", "home": {"lat": 35.8, "lng": 139.6, "alt": 10}}, "home.alt"),
    ({"display_name": "x", "is_admin": True}, "is_admin"),
    ({"display_name": 123}, "display_name"),
    ({"display_name": "x", "locale": "fr"}, "locale"),
    ({"display_name": ""}, "display_name"),
    ({"display_name": "   "}, "display_name"),
    ({"display_name": "\u3000\u3000"}, "display_name"),
    ({"display_name": "あ" * 51}, "display_name"),
    ({"display_name": "a\x00b"}, "display_name"),
    ({"display_name": "a\x07b"}, "display_name"),
    ({"home": HOME}, "display_name"),
    ({}, "display_name"),
]


@pytest.mark.parametrize(("body", "field"), INVALID_BODIES)
def test_put_me_invalid_body_is_422_naming_field_and_writes_nothing(client_as, db, body, field):
    api = client_as("invalid-body-parent")
    households = db.scalar(select(func.count()).select_from(Household))
    with unchanged(db):
        problem = assert_problem(api.put("/v1/me", json=body), 422, "validation_failed")
    assert list(problem["errors"]) == [field]
    assert _users_with_uid(db, "invalid-body-parent") == 0
    assert db.scalar(select(func.count()).select_from(Household)) == households


def test_put_me_invalid_body_leaves_existing_profile_unchanged(client_as, db):
    user = UserFactory(display_name="元の名前")
    with unchanged(db):
        response = client_as(user).put("/v1/me", json={"display_name": "新", "home": {"lat": 91}})
    assert_problem(response, 422, "validation_failed")
    db.expire_all()
    stored = db.get(User, user.id)
    assert stored.display_name == "元の名前"
    assert latlng_of(stored.home) is not None


def test_put_me_lat_as_string_is_422(client_as, db):
    body = {"display_name": "x", "home": {"lat": "35.1", "lng": 139.6}}
    with unchanged(db):
        problem = assert_problem(client_as("string-lat").put("/v1/me", json=body), 422)
    assert "home.lat" in problem["errors"]
    assert _users_with_uid(db, "string-lat") == 0


@pytest.mark.parametrize("name", ["a\x7fb", "a\x85b", "a\x9bb"])
def test_put_me_display_name_with_other_control_characters_is_422(client_as, db, name):
    with unchanged(db):
        problem = assert_problem(client_as("ctl").put("/v1/me", json={"display_name": name}), 422)
    assert list(problem["errors"]) == ["display_name"]


def test_put_me_nan_literal_is_422(client_as, db):
    raw = '{"display_name": "x", "home": {"lat": NaN, "lng": 139.6}}'
    response = client_as("nan-parent").put("/v1/me", data=raw, content_type="application/json")
    assert "home.lat" in assert_problem(response, 422, "validation_failed")["errors"]
    assert _users_with_uid(db, "nan-parent") == 0


def test_put_me_body_not_json_is_400(client_as, db):
    with unchanged(db):
        response = client_as("bad-json").put(
            "/v1/me", data='{"display_name": ', content_type="application/json"
        )
    assert_problem(response, 400, "bad_request")
    assert _users_with_uid(db, "bad-json") == 0


def test_put_me_body_over_64_kib_is_413(client_as, db):
    raw = json.dumps({"display_name": "x", "padding": "a" * (64 * 1024)})
    with unchanged(db):
        response = client_as("huge").put("/v1/me", data=raw, content_type="application/json")
    assert_problem(response, 413, "payload_too_large")
    assert _users_with_uid(db, "huge") == 0


def test_put_me_empty_body_is_422_display_name_required(client_as, db):
    with unchanged(db):
        response = client_as("empty").put("/v1/me", data="", content_type="application/json")
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == {"display_name": ["必須項目です。"]}
    assert _users_with_uid(db, "empty") == 0


def test_put_me_field_messages_are_japanese_by_default(client_as, db):
    body = {"display_name": 5, "home": {"lng": 139.6}, "extra": 1}
    with unchanged(db):
        problem = assert_problem(client_as("ja").put("/v1/me", json=body), 422)
    assert problem["title"] == "入力エラー"
    assert problem["errors"] == {
        "display_name": ["文字列ではありません。"],
        "home.lat": ["必須項目です。"],
        "extra": ["不明な項目です。"],
    }


@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9", "fr;q=1, en;q=0.5"])
def test_put_me_field_messages_are_english_with_accept_language_en(client_as, accept, db):
    with unchanged(db):
        response = client_as("en").put("/v1/me", json={}, headers={"Accept-Language": accept})
    problem = assert_problem(response, 422, "validation_failed")
    assert response.headers["Content-Language"] == "en"
    assert problem["errors"] == {"display_name": ["Missing data for required field."]}


def test_put_me_unsupported_language_falls_back_to_japanese(client_as, db):
    with unchanged(db):
        response = client_as("fr").put("/v1/me", json={}, headers={"Accept-Language": "fr"})
    problem = assert_problem(response, 422, "validation_failed")
    assert response.headers["Content-Language"] == "ja"
    assert problem["errors"] == {"display_name": ["必須項目です。"]}


def test_put_me_too_long_name_message_is_japanese(client_as, db):
    with unchanged(db):
        problem = assert_problem(
            client_as("long").put("/v1/me", json={"display_name": "a" * 51}), 422
        )
    assert not any(ch.isascii() and ch.isalpha() for ch in problem["errors"]["display_name"][0])


# DELETE /v1/me ----------------------------------------------------------------------


def test_delete_me_is_204_and_anonymizes_user_row(client_as, db):
    user = UserFactory()
    assert client_as(user).delete("/v1/me").status_code == 204
    db.expire_all()
    stored = db.get(User, user.id)
    assert stored.status == "deleted"
    assert stored.deleted_at is not None
    assert (stored.firebase_uid, stored.display_name, stored.home) == (None, None, None)


def test_delete_me_removes_devices(client_as, db):
    user = UserFactory()
    api = client_as(user)
    assert api.post("/v1/me/devices", json={"token": "t-1", "platform": "ios"}).status_code == 201
    api.delete("/v1/me")
    db.expire_all()
    assert db.scalars(select(Device).where(Device.user_id == user.id)).all() == []


def test_delete_me_removes_community_memberships(client_as, db):
    user = UserFactory()
    CommunityMemberFactory(user=user)
    client_as(user).delete("/v1/me")
    db.expire_all()
    memberships = select(CommunityMember).where(CommunityMember.user_id == user.id)
    assert db.scalars(memberships).all() == []


def test_delete_me_alone_anonymizes_children(client_as, db):
    user = UserFactory()
    child = ChildFactory(household=user.household, notes="卵アレルギー")
    client_as(user).delete("/v1/me")
    db.expire_all()
    stored = db.get(Child, child.id)
    assert (stored.nickname, stored.birth_date, stored.notes) == (None, None, None)
    assert stored.deleted_at is not None


def test_delete_me_keeps_children_with_remaining_parent(client_as, db):
    user = UserFactory()
    other = UserFactory(household=user.household)
    child = ChildFactory(household=user.household, nickname="はると", notes="卵アレルギー")
    client_as(user).delete("/v1/me")
    db.expire_all()
    stored = db.get(Child, child.id)
    assert (stored.nickname, stored.notes, stored.deleted_at) == ("はると", "卵アレルギー", None)
    body = client_as(other).get("/v1/me").get_json()
    assert body["household"]["members"] == [
        {"id": str(other.id), "display_name": other.display_name}
    ]
    assert body["household"]["children_count"] == 1


def test_delete_me_purges_my_idempotency_records(client_as, db):
    uid = UserFactory().firebase_uid
    other_uid = UserFactory().firebase_uid
    child = {"nickname": "はると", "birth_date": "2021-04-01"}
    for owner in (uid, other_uid):
        response = client_as(owner).post(
            "/v1/me/children", json=child, headers={"Idempotency-Key": "k1"}
        )
        assert response.status_code == 201
    client_as(uid).delete("/v1/me")
    db.expire_all()
    owners = db.scalars(select(IdempotencyRecord.owner_uid)).all()
    assert owners == [other_uid]


def test_delete_me_removes_my_unused_invites(client_as, db):
    user = UserFactory()
    api = client_as(user)
    assert api.post("/v1/me/household/invites").status_code == 201
    api.delete("/v1/me")
    db.expire_all()
    invites = select(HouseholdInvite).where(HouseholdInvite.created_by_id == user.id)
    assert db.scalars(invites).all() == []


def test_delete_me_keeps_household_row(client_as, db):
    user = UserFactory()
    household_id = user.household_id
    client_as(user).delete("/v1/me")
    db.expire_all()
    assert db.get(Household, household_id) is not None


def test_get_me_after_delete_with_same_token_is_404(client_as):
    api = client_as(UserFactory())
    assert api.delete("/v1/me").status_code == 204
    assert_problem(api.get("/v1/me"), 404, "profile_not_found")


def test_put_me_after_delete_creates_fresh_profile(client_as, db):
    user = UserFactory()
    old_id, old_household_id, uid = user.id, user.household_id, user.firebase_uid
    api = client_as(user)
    api.delete("/v1/me")
    response = api.put("/v1/me", json={"display_name": "またね"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] != str(old_id)
    assert body["household"]["id"] != str(old_household_id)
    assert body["home"] is None
    assert _users_with_uid(db, uid) == 1


def test_delete_me_without_profile_is_404(client_as, db):
    with unchanged(db):
        assert_problem(client_as("never-signed-up").delete("/v1/me"), 404, "profile_not_found")


def test_delete_me_twice_is_404_the_second_time(client_as, db):
    api = client_as(UserFactory())
    api.delete("/v1/me")
    with unchanged(db):
        assert_problem(api.delete("/v1/me"), 404, "profile_not_found")
