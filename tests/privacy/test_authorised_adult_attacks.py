"""Attacks on a child's authorised adults, as a member with a valid token and a script
would try them: list or delete another household's adults with real ids, with guessed
ids, or by pairing their own child's id with another family's adult; and read them from
anything the supporter who collects the child can open (the match, its timeline, the
request, the pickup pass and its page)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from otagai.domain.people.models import AuthorisedAdult
from tests.api.safety.pickup import pickup_world
from tests.factories import AuthorisedAdultFactory, ChildFactory, UserFactory
from tests.helpers import assert_problem, unchanged

# Unique strings: whoever may not see the adult must find them in no answer.
NAME = "祖母の山本 千代子"
RELATION = "母方のおばあちゃん"


def _path(child_id, adult_id=None) -> str:
    base = f"/v1/me/children/{child_id}/authorised-adults"
    return base if adult_id is None else f"{base}/{adult_id}"


def _count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(AuthorisedAdult))


def _comparable(response) -> dict:
    """What a 404 says, without what differs per request anyway."""
    body = response.get_json(force=True)
    return {k: v for k, v in body.items() if k not in ("instance", "request_id")}


def _victim():
    parent = UserFactory()
    child = ChildFactory(household=parent.household)
    adult = AuthorisedAdultFactory(child=child, name=NAME, relation=RELATION)
    return parent, child, adult


def test_another_household_cannot_list_add_or_delete_with_real_ids(client_as, db):
    _parent, child, adult = _victim()
    attacker = client_as(UserFactory())
    with unchanged(db):
        answers = [
            attacker.get(_path(child.id)),
            attacker.post(_path(child.id), json={"name": "攻撃者", "relation": "他人"}),
            attacker.delete(_path(child.id, adult.id)),
        ]
    for response in answers:
        assert_problem(response, 404, "child_not_found")
        assert NAME not in response.get_data(as_text=True)


def test_a_real_childs_id_answers_exactly_as_a_guessed_one(client_as, db):
    """The 404 does not tell the attacker that the id they hold is somebody's child."""
    _parent, child, adult = _victim()
    attacker = client_as(UserFactory())
    guessed = uuid.uuid4()
    for method, real, fake in [
        ("get", _path(child.id), _path(guessed)),
        ("delete", _path(child.id, adult.id), _path(guessed, uuid.uuid4())),
    ]:
        a, b = getattr(attacker, method)(real), getattr(attacker, method)(fake)
        assert a.status_code == b.status_code == 404
        assert _comparable(a) == _comparable(b)


def test_own_child_id_paired_with_another_familys_adult_deletes_nothing(client_as, db):
    _parent, _child, adult = _victim()
    attacker = UserFactory()
    own_child = ChildFactory(household=attacker.household)
    before = _count(db)
    with unchanged(db):
        response = client_as(attacker).delete(_path(own_child.id, adult.id))
    assert_problem(response, 404, "authorised_adult_not_found")
    assert _count(db) == before


def test_scripted_guessing_finds_nothing(client_as, db):
    _victim()
    attacker = UserFactory()
    own_child = ChildFactory(household=attacker.household)
    client = client_as(attacker)
    for _ in range(20):
        assert client.get(_path(uuid.uuid4())).status_code == 404
        assert client.delete(_path(own_child.id, uuid.uuid4())).status_code == 404
    listed = client.get(_path(own_child.id)).get_json()
    assert listed["items"] == []


def test_supporter_never_sees_the_authorised_adults_of_the_child_they_collect(
    client, client_as, db, clock
):
    world = pickup_world()
    for child in world.children:
        AuthorisedAdultFactory(child=child, name=NAME, relation=RELATION)
    clock.set(world.start)
    supporter = client_as(world.supporter)
    pass_answer = supporter.get(f"/v1/matches/{world.match.id}/pass")
    assert pass_answer.status_code == 200
    answers = [
        pass_answer,
        supporter.get(f"/v1/matches/{world.match.id}"),
        supporter.get(f"/v1/matches/{world.match.id}/timeline"),
        supporter.get(f"/v1/share-requests/{world.request.id}"),
        client.get(f"/pass/{pass_answer.get_json()['token']}"),
    ]
    for response in answers:
        assert response.status_code == 200, response.request.path
        text = response.get_data(as_text=True)
        assert NAME not in text and RELATION not in text, response.request.path
    # Nor through the children's own paths: they are the household's.
    for child in world.children:
        assert_problem(supporter.get(_path(child.id)), 404, "child_not_found")
