from __future__ import annotations

import pytest
from sqlalchemy import select

from otagai.domain.notifications.models import NotificationSettings
from otagai.domain.notifications.types import TYPES
from tests.factories import UserFactory
from tests.helpers import assert_problem, unchanged

URL = "/v1/me/notification-settings"
DEFAULT_QUIET_HOURS = {"enabled": True, "start": "22:00", "end": "07:00"}


def _rows(db) -> list[NotificationSettings]:
    db.expire_all()
    return list(db.scalars(select(NotificationSettings)))


def _all_on(**changes: bool) -> dict[str, bool]:
    return {type: True for type in TYPES} | changes


def test_get_for_new_user_answers_defaults(client_as, db):
    response = client_as(UserFactory()).get(URL)
    assert response.status_code == 200
    assert response.get_json() == {"types": _all_on(), "quiet_hours": DEFAULT_QUIET_HOURS}
    assert _rows(db) == []


def test_patch_type_off_is_read_back(client_as, db):
    user = UserFactory()
    api = client_as(user)
    response = api.patch(URL, json={"types": {"new_request": False, "thank_you_paid": False}})
    assert response.status_code == 200
    expected = {
        "types": _all_on(new_request=False, thank_you_paid=False),
        "quiet_hours": DEFAULT_QUIET_HOURS,
    }
    assert response.get_json() == expected
    assert api.get(URL).get_json() == expected
    [row] = _rows(db)
    assert (row.user_id, row.disabled_types) == (user.id, ["new_request", "thank_you_paid"])


def test_patch_type_back_on_keeps_the_others_off(client_as):
    api = client_as(UserFactory())
    api.patch(URL, json={"types": {"new_request": False, "new_offer": False}})
    response = api.patch(URL, json={"types": {"new_request": True}})
    assert response.status_code == 200
    assert response.get_json()["types"] == _all_on(new_offer=False)


def test_patch_quiet_hours_start_only_keeps_end(client_as):
    api = client_as(UserFactory())
    response = api.patch(URL, json={"quiet_hours": {"start": "21:30"}})
    assert response.status_code == 200
    quiet = {"enabled": True, "start": "21:30", "end": "07:00"}
    assert response.get_json() == {"types": _all_on(), "quiet_hours": quiet}
    assert api.get(URL).get_json()["quiet_hours"] == quiet


def test_patch_quiet_hours_off_and_daytime_window_is_read_back(client_as):
    api = client_as(UserFactory())
    body = {"quiet_hours": {"enabled": False, "start": "13:00", "end": "14:00"}}
    assert api.patch(URL, json=body).status_code == 200
    assert api.get(URL).get_json() == {"types": _all_on(), **body}


def test_patch_types_then_quiet_hours_keeps_both(client_as):
    api = client_as(UserFactory())
    api.patch(URL, json={"types": {"offer_declined": False}})
    api.patch(URL, json={"quiet_hours": {"end": "06:00"}})
    assert api.get(URL).get_json() == {
        "types": _all_on(offer_declined=False),
        "quiet_hours": {"enabled": True, "start": "22:00", "end": "06:00"},
    }


def test_patch_always_on_type_on_is_accepted(client_as):
    response = client_as(UserFactory()).patch(URL, json={"types": {"match_cancelled": True}})
    assert response.status_code == 200
    assert response.get_json()["types"]["match_cancelled"] is True


def test_patch_empty_body_is_200_and_writes_nothing(client_as, db):
    response = client_as(UserFactory()).patch(URL, json={})
    assert response.status_code == 200
    assert response.get_json() == {"types": _all_on(), "quiet_hours": DEFAULT_QUIET_HOURS}
    assert _rows(db) == []


def test_patch_of_one_user_leaves_another_alone(client_as):
    first, second = UserFactory(), UserFactory()
    client_as(first).patch(URL, json={"types": {"new_request": False}})
    assert client_as(second).get(URL).get_json()["types"] == _all_on()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"types": {"birthday": False}}, "types.birthday"),
        ({"types": {"new_request": "false"}}, "types.new_request"),
        ({"types": {"new_request": 0}}, "types.new_request"),
        ({"types": {"new_request": None}}, "types.new_request"),
        ({"types": []}, "types"),
        ({"types": None}, "types"),
        ({"quiet_hours": {"enabled": "yes"}}, "quiet_hours.enabled"),
        ({"quiet_hours": {"start": "24:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "7:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "07:60"}}, "quiet_hours.start"),
        ({"quiet_hours": {"end": "07:00:00"}}, "quiet_hours.end"),
        ({"quiet_hours": {"end": "7pm"}}, "quiet_hours.end"),
        ({"quiet_hours": {"end": 700}}, "quiet_hours.end"),
        ({"quiet_hours": {"end": ""}}, "quiet_hours.end"),
        ({"quiet_hours": {"timezone": "UTC"}}, "quiet_hours.timezone"),
        ({"sound": True}, "sound"),
    ],
)
def test_patch_invalid_body_is_422_and_writes_nothing(client_as, db, body, field):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).patch(URL, json=body)
    problem = assert_problem(response, 422, "validation_failed")
    assert list(problem["errors"]) == [field]
    assert _rows(db) == []


def test_patch_always_on_type_off_is_422_and_writes_nothing(client_as, db):
    body = {"types": {"new_request": False, "match_cancelled": False}}
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).patch(URL, json=body)
    problem = assert_problem(response, 422, "notification_type_always_on")
    assert list(problem["errors"]) == ["types.match_cancelled"]
    assert _rows(db) == []


def test_patch_start_equal_to_end_is_422_and_writes_nothing(client_as, db):
    body = {"quiet_hours": {"start": "06:00", "end": "06:00"}}
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).patch(URL, json=body)
    problem = assert_problem(response, 422, "quiet_hours_empty")
    assert set(problem["errors"]) == {"quiet_hours.start", "quiet_hours.end"}
    assert _rows(db) == []


def test_patch_start_onto_stored_end_is_422_and_keeps_settings(client_as, db):
    api = client_as(UserFactory())
    api.patch(URL, json={"types": {"new_offer": False}})
    with unchanged(db):
        response = api.patch(
            URL, json={"quiet_hours": {"start": "07:00"}, "types": {"new_offer": True}}
        )
    problem = assert_problem(response, 422, "quiet_hours_empty")
    assert list(problem["errors"]) == ["quiet_hours.start"]
    [row] = _rows(db)
    assert (row.quiet_start.hour, row.disabled_types) == (22, ["new_offer"])


def test_patch_field_messages_are_japanese_by_default(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).patch(URL, json={"quiet_hours": {"start": "25:00"}})
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == {
        "quiet_hours.start": ["時刻は HH:MM (00:00〜23:59) で指定してください。"]
    }


@pytest.mark.parametrize("method", ["get", "patch"])
def test_without_profile_is_403(client_as, method, db):
    api = client_as("no-profile")
    with unchanged(db):
        response = api.get(URL) if method == "get" else api.patch(URL, json={})
    assert_problem(response, 403, "profile_required")


@pytest.mark.parametrize("method", ["get", "patch"])
def test_without_token_is_401(client, method):
    response = getattr(client, method)(URL, json={} if method == "patch" else None)
    assert_problem(response, 401, "token_missing")
