"""Authorised adults of a child: managed by its household, invisible to everybody else."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from otagai.domain.people.models import AuthorisedAdult
from tests.factories import AuthorisedAdultFactory, ChildFactory, UserFactory
from tests.helpers import assert_problem, unchanged

GRANDMOTHER = {"name": "佐藤 和子", "relation": "祖母"}


def _path(child, adult=None) -> str:
    base = f"/v1/me/children/{child.id}/authorised-adults"
    return base if adult is None else f"{base}/{adult.id if hasattr(adult, 'id') else adult}"


def _adults_of(db, child) -> list[AuthorisedAdult]:
    db.expire_all()
    return list(db.scalars(select(AuthorisedAdult).where(AuthorisedAdult.child_id == child.id)))


def _family():
    parent = UserFactory()
    return parent, ChildFactory(household=parent.household)


def test_add_authorised_adult_is_201_and_echoes_fields(client_as, db):
    parent, child = _family()
    response = client_as(parent).post(_path(child), json=GRANDMOTHER)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "child_id", "name", "relation", "created_at"}
    assert {k: body[k] for k in GRANDMOTHER} == GRANDMOTHER
    assert body["child_id"] == str(child.id)
    assert [a.id for a in _adults_of(db, child)] == [uuid.UUID(body["id"])]


def test_add_authorised_adult_by_the_other_parent_is_201(client_as):
    parent, child = _family()
    other_parent = UserFactory(household=parent.household)
    response = client_as(other_parent).post(_path(child), json=GRANDMOTHER)
    assert response.status_code == 201


def test_add_authorised_adult_trims_and_takes_free_text_relations(client_as):
    parent, child = _family()
    response = client_as(parent).post(
        _path(child), json={"name": "  田中 一郎 ", "relation": "近所の友人 (保育園のパパ友)"}
    )
    assert response.status_code == 201
    assert response.get_json()["name"] == "田中 一郎"


def test_add_authorised_adult_with_long_or_blank_fields_is_422(client_as, db):
    parent, child = _family()
    bodies = [
        {"name": "あ" * 101, "relation": "祖母"},
        {"name": "佐藤", "relation": "あ" * 51},
        {"name": "   ", "relation": "祖母"},
        {"name": "佐藤"},
        {"name": "佐藤", "relation": "祖母", "phone": "090-0000-0000"},
    ]
    for body in bodies:
        with unchanged(db):
            response = client_as(parent).post(_path(child), json=body)
        assert_problem(response, 422, "validation_failed")


def test_add_authorised_adult_at_the_longest_names_is_201(client_as):
    parent, child = _family()
    response = client_as(parent).post(
        _path(child), json={"name": "あ" * 100, "relation": "い" * 50}
    )
    assert response.status_code == 201


def test_add_eleventh_authorised_adult_is_422_and_adds_nothing(client_as, db):
    parent, child = _family()
    AuthorisedAdultFactory.create_batch(10, child=child)
    with unchanged(db):
        response = client_as(parent).post(_path(child), json=GRANDMOTHER)
    assert_problem(response, 422, "too_many_authorised_adults")
    assert len(_adults_of(db, child)) == 10


def test_cap_counts_per_child(client_as):
    parent, child = _family()
    sibling = ChildFactory(household=parent.household)
    AuthorisedAdultFactory.create_batch(10, child=sibling)
    assert client_as(parent).post(_path(child), json=GRANDMOTHER).status_code == 201


def test_add_authorised_adult_replays_with_the_same_idempotency_key(client_as, db):
    parent, child = _family()
    headers = {"Idempotency-Key": "grandma-1"}
    first = client_as(parent).post(_path(child), json=GRANDMOTHER, headers=headers)
    again = client_as(parent).post(_path(child), json=GRANDMOTHER, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert len(_adults_of(db, child)) == 1


def test_list_authorised_adults_shows_this_childs_in_order(client_as):
    parent, child = _family()
    sibling = ChildFactory(household=parent.household)
    AuthorisedAdultFactory(child=sibling, name="兄の先生")
    client = client_as(parent)
    client.post(_path(child), json=GRANDMOTHER)
    client.post(_path(child), json={"name": "田中 一郎", "relation": "近所の人"})
    response = client.get(_path(child))
    assert response.status_code == 200
    body = response.get_json()
    assert [a["name"] for a in body["items"]] == ["佐藤 和子", "田中 一郎"]
    assert body["next_cursor"] is None


def test_list_authorised_adults_pages_with_a_cursor(client_as):
    parent, child = _family()
    client = client_as(parent)
    for n in range(3):
        client.post(_path(child), json={"name": f"大人{n}", "relation": "親戚"})
    first = client.get(_path(child), query_string={"limit": 2}).get_json()
    rest = client.get(_path(child), query_string={"limit": 2, "cursor": first["next_cursor"]})
    names = [a["name"] for a in first["items"] + rest.get_json()["items"]]
    assert names == ["大人0", "大人1", "大人2"]


def test_another_households_child_is_404_for_every_operation(client_as, db):
    _parent, child = _family()
    adult = AuthorisedAdultFactory(child=child)
    stranger = client_as(UserFactory())
    with unchanged(db):
        answers = [
            stranger.get(_path(child)),
            stranger.post(_path(child), json=GRANDMOTHER),
            stranger.delete(_path(child, adult)),
        ]
    for response in answers:
        assert_problem(response, 404, "child_not_found")
    # Exactly as the child itself answers them.
    assert_problem(stranger.get(f"/v1/me/children/{child.id}"), 404, "child_not_found")


def test_unknown_child_is_404(client_as):
    parent = UserFactory()
    response = client_as(parent).get(f"/v1/me/children/{uuid.uuid4()}/authorised-adults")
    assert_problem(response, 404, "child_not_found")


def test_delete_authorised_adult_is_204_and_then_404(client_as, db):
    parent, child = _family()
    adult = AuthorisedAdultFactory(child=child)
    keep = AuthorisedAdultFactory(child=child)
    adult_path = _path(child, adult)
    assert client_as(parent).delete(adult_path).status_code == 204
    assert [a.id for a in _adults_of(db, child)] == [keep.id]
    again = client_as(parent).delete(adult_path)
    assert_problem(again, 404, "authorised_adult_not_found")


def test_delete_adult_under_a_sibling_is_404_and_deletes_nothing(client_as, db):
    parent, child = _family()
    sibling = ChildFactory(household=parent.household)
    adult = AuthorisedAdultFactory(child=sibling)
    with unchanged(db):
        response = client_as(parent).delete(_path(child, adult))
    assert_problem(response, 404, "authorised_adult_not_found")


def test_removing_the_child_erases_its_adults_and_closes_the_list(client_as, db):
    parent, child = _family()
    AuthorisedAdultFactory.create_batch(2, child=child)
    assert client_as(parent).delete(f"/v1/me/children/{child.id}").status_code == 204
    assert _adults_of(db, child) == []
    assert_problem(client_as(parent).get(_path(child)), 404, "child_not_found")
    assert_problem(client_as(parent).post(_path(child), json=GRANDMOTHER), 404, "child_not_found")


def test_deleting_the_last_account_erases_the_households_adults(client_as, db):
    parent, child = _family()
    AuthorisedAdultFactory.create_batch(2, child=child)
    elsewhere = AuthorisedAdultFactory()
    assert client_as(parent).delete("/v1/me").status_code == 204
    assert _adults_of(db, child) == []
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(AuthorisedAdult)) == 1
    assert db.get(AuthorisedAdult, elsewhere.id) is not None


def test_deleting_one_parents_account_keeps_the_adults_for_the_other(client_as, db):
    parent, child = _family()
    other_parent = UserFactory(household=parent.household)
    adult = AuthorisedAdultFactory(child=child)
    assert client_as(parent).delete("/v1/me").status_code == 204
    listed = client_as(other_parent).get(_path(child)).get_json()["items"]
    assert [a["id"] for a in listed] == [str(adult.id)]


def test_adults_follow_the_child_when_its_parent_joins_another_household(client_as, db):
    parent, child = _family()
    adult = AuthorisedAdultFactory(child=child)
    partner = UserFactory()
    code = client_as(partner).post("/v1/me/household/invites").get_json()["code"]
    assert client_as(parent).post("/v1/households/join", json={"code": code}).status_code == 201
    listed = client_as(partner).get(_path(child)).get_json()["items"]
    assert [a["id"] for a in listed] == [str(adult.id)]
