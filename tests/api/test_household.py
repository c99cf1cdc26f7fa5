from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from otagai.domain.codes import CODE_ALPHABET
from otagai.domain.people.models import Child, Household, HouseholdInvite, User
from otagai.extensions.geo import LatLng
from tests.factories import ChildFactory, UserFactory
from tests.helpers import assert_problem, unchanged

# Distinct from the factories' default home, so their digits can be searched for.
TOKYO_STATION = LatLng(35.6812, 139.7671)
KAWAGUCHI = LatLng(35.8078, 139.7241)


def _invite(client_as, user) -> str:
    response = client_as(user).post("/v1/me/household/invites")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["code"]


def _fresh(db, model, ident):
    db.expire_all()
    return db.get(model, ident)


def _assert_no_coordinates(raw: str, *points: LatLng) -> None:
    for point in points:
        assert repr(point.lat) not in raw
        assert repr(point.lng) not in raw
    assert '"lat"' not in raw
    assert '"lng"' not in raw


# Invites -----------------------------------------------------------------------------


def test_create_invite_is_201_with_8_character_code_valid_48_hours(client_as):
    user = UserFactory()
    response = client_as(user).post("/v1/me/household/invites")
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["code"]) == 8
    assert set(body["code"]) <= set(CODE_ALPHABET)
    assert body["household_id"] == str(user.household_id)
    expires = datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=48))) < timedelta(minutes=1)


def test_create_invite_twice_gives_different_codes(client_as):
    user = UserFactory()
    assert _invite(client_as, user) != _invite(client_as, user)


def test_create_invite_without_profile_is_403(client_as, db):
    before = db.scalars(select(HouseholdInvite)).all()
    with unchanged(db):
        assert_problem(
            client_as("no-profile").post("/v1/me/household/invites"), 403, "profile_required"
        )
    db.expire_all()
    assert db.scalars(select(HouseholdInvite)).all() == before


# Joining -----------------------------------------------------------------------------


def test_join_with_lowercase_hyphenated_code_moves_joiner(client_as, db):
    inviter, joiner = UserFactory(), UserFactory()
    code = _invite(client_as, inviter).lower()
    response = client_as(joiner).post(
        "/v1/households/join", json={"code": f"{code[:4]}-{code[4:]}"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] == str(inviter.household_id)
    assert sorted(m["id"] for m in body["members"]) == sorted([str(inviter.id), str(joiner.id)])
    assert _fresh(db, User, joiner.id).household_id == inviter.household_id


def test_join_moves_joiners_children(client_as, db):
    inviter, joiner = UserFactory(), UserFactory()
    ChildFactory(household=inviter.household)
    child = ChildFactory(household=joiner.household)
    response = client_as(joiner).post(
        "/v1/households/join", json={"code": _invite(client_as, inviter)}
    )
    assert response.get_json()["children_count"] == 2
    assert _fresh(db, Child, child.id).household_id == inviter.household_id


def test_join_marks_old_household_merged(client_as, db):
    inviter, joiner = UserFactory(), UserFactory()
    old_household_id = joiner.household_id
    client_as(joiner).post("/v1/households/join", json={"code": _invite(client_as, inviter)})
    old = _fresh(db, Household, old_household_id)
    assert old is not None
    assert old.merged_into_id == inviter.household_id


def test_join_marks_invite_used_by_joiner(client_as, db):
    inviter, joiner = UserFactory(), UserFactory()
    code = _invite(client_as, inviter)
    client_as(joiner).post("/v1/households/join", json={"code": code})
    db.expire_all()
    invite = db.scalars(select(HouseholdInvite).where(HouseholdInvite.code == code)).one()
    assert invite.used_at is not None
    assert invite.used_by_id == joiner.id


def test_join_discards_joiners_own_unused_invites(client_as, db):
    inviter, joiner = UserFactory(), UserFactory()
    own_code = _invite(client_as, joiner)
    client_as(joiner).post("/v1/households/join", json={"code": _invite(client_as, inviter)})
    db.expire_all()
    assert db.scalars(select(HouseholdInvite).where(HouseholdInvite.code == own_code)).all() == []


def test_join_with_unknown_code_is_404(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post("/v1/households/join", json={"code": "ZZZZZZZZ"})
    assert_problem(response, 404, "invite_not_found")


def test_join_with_expired_code_is_404_and_moves_nothing(client_as, db):
    inviter, joiner = UserFactory(), UserFactory()
    own_household_id = joiner.household_id
    code = _invite(client_as, inviter)
    db.execute(
        text(
            "UPDATE household_invites SET expires_at = now() - interval '1 minute' WHERE code = :c"
        ),
        {"c": code},
    )
    with unchanged(db):
        response = client_as(joiner).post("/v1/households/join", json={"code": code})
    assert_problem(response, 404, "invite_not_found")
    assert _fresh(db, User, joiner.id).household_id == own_household_id


def test_join_with_used_code_is_409(client_as, db):
    inviter, first, second = UserFactory(), UserFactory(), UserFactory()
    own_household_id = second.household_id
    code = _invite(client_as, inviter)
    assert client_as(first).post("/v1/households/join", json={"code": code}).status_code == 201
    with unchanged(db):
        response = client_as(second).post("/v1/households/join", json={"code": code})
    assert_problem(response, 409, "invite_already_used")
    assert _fresh(db, User, second.id).household_id == own_household_id


def test_join_own_household_is_409(client_as, db):
    user = UserFactory()
    code = _invite(client_as, user)
    with unchanged(db):
        response = client_as(user).post("/v1/households/join", json={"code": code})
    assert_problem(response, 409, "already_in_household")


def test_join_when_my_household_has_other_members_is_409_and_moves_nothing(client_as, db):
    inviter, joiner = UserFactory(), UserFactory()
    partner = UserFactory(household=joiner.household)
    child = ChildFactory(household=joiner.household)
    own_household_id = joiner.household_id
    code = _invite(client_as, inviter)
    with unchanged(db):
        response = client_as(joiner).post("/v1/households/join", json={"code": code})
    assert_problem(response, 409, "household_has_other_members")
    assert _fresh(db, User, joiner.id).household_id == own_household_id
    assert _fresh(db, User, partner.id).household_id == own_household_id
    assert _fresh(db, Child, child.id).household_id == own_household_id
    assert _fresh(db, Household, own_household_id).merged_into_id is None
    invite = db.scalars(select(HouseholdInvite).where(HouseholdInvite.code == code)).one()
    assert invite.used_at is None


def test_join_without_profile_is_403(client_as, db):
    code = _invite(client_as, UserFactory())
    with unchanged(db):
        response = client_as("no-profile").post("/v1/households/join", json={"code": code})
    assert_problem(response, 403, "profile_required")


def test_join_without_code_is_422(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        problem = assert_problem(client_as(caller).post("/v1/households/join", json={}), 422)
    assert list(problem["errors"]) == ["code"]


# Privacy of the home location -----------------------------------------------------------


def test_get_me_shows_my_own_home(client_as):
    user = UserFactory(home=TOKYO_STATION.to_element())
    body = client_as(user).get("/v1/me").get_json()
    assert body["home"] == {"lat": TOKYO_STATION.lat, "lng": TOKYO_STATION.lng}


def test_get_me_shows_other_parent_only_as_id_and_name(client_as):
    parent_a = UserFactory(home=TOKYO_STATION.to_element())
    parent_b = UserFactory(household=parent_a.household, home=None)
    response = client_as(parent_b).get("/v1/me")
    members = response.get_json()["household"]["members"]
    assert {"id": str(parent_a.id), "display_name": parent_a.display_name} in members
    assert all(set(m) == {"id", "display_name"} for m in members)
    _assert_no_coordinates(
        response.get_data(as_text=True).replace('"home":null', ""), TOKYO_STATION
    )


def test_join_answer_never_contains_homes(client_as):
    inviter = UserFactory(home=TOKYO_STATION.to_element())
    joiner = UserFactory(home=KAWAGUCHI.to_element())
    response = client_as(joiner).post(
        "/v1/households/join", json={"code": _invite(client_as, inviter)}
    )
    assert response.status_code == 201
    assert {"id": str(inviter.id), "display_name": inviter.display_name} in response.get_json()[
        "members"
    ]
    _assert_no_coordinates(response.get_data(as_text=True), TOKYO_STATION, KAWAGUCHI)


def test_get_me_after_join_shows_inviter_without_home(client_as):
    inviter = UserFactory(home=TOKYO_STATION.to_element())
    joiner = UserFactory(home=KAWAGUCHI.to_element())
    api = client_as(joiner)
    api.post("/v1/households/join", json={"code": _invite(client_as, inviter)})
    response = api.get("/v1/me")
    assert response.get_json()["home"] == {"lat": KAWAGUCHI.lat, "lng": KAWAGUCHI.lng}
    raw = response.get_data(as_text=True)
    assert repr(TOKYO_STATION.lat) not in raw
    assert repr(TOKYO_STATION.lng) not in raw
