from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from otagai.domain.clock import today_tokyo
from otagai.domain.people.models import Child
from tests.factories import ChildFactory, UserFactory
from tests.helpers import assert_problem, unchanged

CHILD = {"nickname": "はるとくん", "birth_date": "2021-04-01", "notes": "卵アレルギー"}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _children_count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Child))


def _fresh(db, child_id) -> Child:
    db.expire_all()
    return db.get(Child, child_id)


def test_create_child_is_201_and_echoes_fields(client_as, db):
    user = UserFactory()
    response = client_as(user).post("/v1/me/children", json=CHILD)
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in CHILD} == CHILD
    assert set(body) == {"id", "nickname", "birth_date", "notes", "created_at"}
    assert _fresh(db, uuid.UUID(body["id"])).household_id == user.household_id


def test_create_child_without_notes_has_null_notes(client_as):
    response = client_as(UserFactory()).post(
        "/v1/me/children", json={"nickname": "ゆい", "birth_date": "2022-06-15"}
    )
    assert response.status_code == 201
    assert response.get_json()["notes"] is None


def test_create_child_born_in_future_is_422(client_as, db):
    before = _children_count(db)
    tomorrow = (today_tokyo() + timedelta(days=1)).isoformat()
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post(
            "/v1/me/children", json={"nickname": "まだ", "birth_date": tomorrow}
        )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == {"birth_date": ["未来の日付は指定できません。"]}
    assert _children_count(db) == before


def test_create_child_aged_19_is_422(client_as, db):
    before = _children_count(db)
    born = _years_before(today_tokyo(), 19).isoformat()
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post(
            "/v1/me/children", json={"nickname": "おとな", "birth_date": born}
        )
    problem = assert_problem(response, 422, "validation_failed")
    assert list(problem["errors"]) == ["birth_date"]
    assert _children_count(db) == before


# Exactly 18 today (Asia/Tokyo), the day before the 19th birthday, and born today.
@pytest.mark.parametrize(("years", "plus_days"), [(18, 0), (19, 1), (0, 0)])
def test_create_child_at_age_boundaries_is_201(client_as, years, plus_days):
    born = (_years_before(today_tokyo(), years) + timedelta(days=plus_days)).isoformat()
    response = client_as(UserFactory()).post(
        "/v1/me/children", json={"nickname": "境界", "birth_date": born}
    )
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"birth_date": "2021-04-01"}, "nickname"),
        ({"nickname": "  ", "birth_date": "2021-04-01"}, "nickname"),
        ({"nickname": "あ" * 51, "birth_date": "2021-04-01"}, "nickname"),
        ({"nickname": "ゆい"}, "birth_date"),
        ({"nickname": "ゆい", "birth_date": "2021-02-30"}, "birth_date"),
        ({"nickname": "ゆい", "birth_date": "2021-04-01", "notes": "a\x00b"}, "notes"),
        ({"nickname": "ゆい", "birth_date": "2021-04-01", "household_id": "x"}, "household_id"),
    ],
)
def test_create_child_invalid_body_is_422_and_writes_nothing(client_as, db, body, field):
    before = _children_count(db)
    caller = UserFactory()
    with unchanged(db):
        problem = assert_problem(client_as(caller).post("/v1/me/children", json=body), 422)
    assert list(problem["errors"]) == [field]
    assert _children_count(db) == before


def test_list_children_pages_through_all_without_repeats(client_as):
    user = UserFactory()
    api = client_as(user)
    created = {
        api.post(
            "/v1/me/children", json={"nickname": f"子{i}", "birth_date": "2020-01-01"}
        ).get_json()["id"]
        for i in range(5)
    }
    seen, pages, cursor = [], 0, None
    while True:
        query = "/v1/me/children?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(query).get_json()
        pages += 1
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert len(body["items"]) == 2
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == created


def test_list_children_excludes_other_households(client_as):
    user = UserFactory()
    mine = ChildFactory(household=user.household)
    ChildFactory()
    body = client_as(user).get("/v1/me/children").get_json()
    assert [item["id"] for item in body["items"]] == [str(mine.id)]
    assert body["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["not-a-cursor", "bnVsbA", "WzEsMl0"])
def test_list_children_invalid_cursor_is_422(client_as, cursor):
    problem = assert_problem(
        client_as(UserFactory()).get(f"/v1/me/children?cursor={cursor}"), 422, "invalid_cursor"
    )
    assert list(problem["errors"]) == ["cursor"]


@pytest.mark.parametrize("limit", ["0", "101", "abc"])
def test_list_children_invalid_limit_is_422(client_as, limit):
    problem = assert_problem(
        client_as(UserFactory()).get(f"/v1/me/children?limit={limit}"), 422, "validation_failed"
    )
    assert list(problem["errors"]) == ["limit"]


def test_get_child_answers_its_fields(client_as):
    user = UserFactory()
    child = ChildFactory(household=user.household, notes="花粉症")
    body = client_as(user).get(f"/v1/me/children/{child.id}").get_json()
    assert body["id"] == str(child.id)
    assert (body["nickname"], body["birth_date"], body["notes"]) == (
        child.nickname,
        "2021-04-01",
        "花粉症",
    )


def test_get_child_notes_visible_to_second_parent(client_as):
    parent_a = UserFactory()
    parent_b = UserFactory(household=parent_a.household)
    child_id = client_as(parent_a).post("/v1/me/children", json=CHILD).get_json()["id"]
    response = client_as(parent_b).get(f"/v1/me/children/{child_id}")
    assert response.status_code == 200
    assert response.get_json()["notes"] == "卵アレルギー"


def test_patch_child_changes_only_given_fields(client_as, db):
    user = UserFactory()
    child = ChildFactory(household=user.household, notes="花粉症")
    response = client_as(user).patch(f"/v1/me/children/{child.id}", json={"nickname": "はると"})
    assert response.status_code == 200
    assert response.get_json()["nickname"] == "はると"
    stored = _fresh(db, child.id)
    assert (stored.nickname, stored.birth_date, stored.notes) == (
        "はると",
        date(2021, 4, 1),
        "花粉症",
    )


def test_patch_child_notes_null_clears_notes(client_as, db):
    user = UserFactory()
    child = ChildFactory(household=user.household, notes="花粉症")
    response = client_as(user).patch(f"/v1/me/children/{child.id}", json={"notes": None})
    assert response.get_json()["notes"] is None
    assert _fresh(db, child.id).notes is None


def test_patch_child_future_birth_date_is_422_and_unchanged(client_as, db):
    user = UserFactory()
    child = ChildFactory(household=user.household)
    future = (today_tokyo() + timedelta(days=1)).isoformat()
    response = client_as(user).patch(f"/v1/me/children/{child.id}", json={"birth_date": future})
    assert list(assert_problem(response, 422, "validation_failed")["errors"]) == ["birth_date"]
    assert _fresh(db, child.id).birth_date == date(2021, 4, 1)


def test_delete_child_is_204_and_erases_details(client_as, db):
    user = UserFactory()
    child = ChildFactory(household=user.household, notes="花粉症")
    assert client_as(user).delete(f"/v1/me/children/{child.id}").status_code == 204
    stored = _fresh(db, child.id)
    assert (stored.nickname, stored.birth_date, stored.notes) == (None, None, None)
    assert stored.deleted_at is not None


def test_deleted_child_disappears_from_list_and_get(client_as):
    user = UserFactory()
    kept, removed = ChildFactory(household=user.household), ChildFactory(household=user.household)
    api = client_as(user)
    api.delete(f"/v1/me/children/{removed.id}")
    assert [i["id"] for i in api.get("/v1/me/children").get_json()["items"]] == [str(kept.id)]
    assert_problem(api.get(f"/v1/me/children/{removed.id}"), 404, "child_not_found")


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [("get", {}), ("patch", {"json": {"nickname": "のっとり"}}), ("delete", {})],
)
def test_other_households_child_is_404_and_unchanged(client_as, db, method, kwargs):
    child = ChildFactory(nickname="よそのこ", notes="秘密")
    api = client_as(UserFactory())
    response = getattr(api, method)(f"/v1/me/children/{child.id}", **kwargs)
    problem = assert_problem(response, 404, "child_not_found")
    assert "秘密" not in str(problem)
    stored = _fresh(db, child.id)
    assert (stored.nickname, stored.notes, stored.deleted_at) == ("よそのこ", "秘密", None)


def test_unknown_child_id_is_404(client_as):
    response = client_as(UserFactory()).get(f"/v1/me/children/{uuid.uuid4()}")
    assert_problem(response, 404, "child_not_found")


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/v1/me/children", {}),
        ("post", "/v1/me/children", {"json": CHILD}),
        ("get", "/v1/me/children/{id}", {}),
        ("patch", "/v1/me/children/{id}", {"json": {"nickname": "x"}}),
        ("delete", "/v1/me/children/{id}", {}),
    ],
)
def test_children_calls_without_profile_are_403(client_as, db, method, path, kwargs):
    child = ChildFactory()
    before = _children_count(db)
    api = client_as("no-profile-yet")
    response = getattr(api, method)(path.format(id=child.id), **kwargs)
    assert_problem(response, 403, "profile_required")
    assert _children_count(db) == before
