from __future__ import annotations

from tests.factories import UserFactory
from tests.helpers import assert_problem

HOME = {"lat": 35.8617, "lng": 139.6455}


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
