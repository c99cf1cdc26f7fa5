"""Service-level rules of the people domain, called with an explicit Actor."""

from __future__ import annotations

from datetime import date

import pytest

from otagai.domain.accounts import services as accounts
from otagai.domain.actors import Actor, require_user
from otagai.domain.codes import normalize_code
from otagai.domain.people import services as people
from otagai.domain.people.models import Child, Household, User
from otagai.domain.people.queries import user_by_firebase_uid
from otagai.errors import Conflict, Forbidden, NotFound
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng, latlng_of
from tests.factories import ChildFactory, UserFactory

HOME = LatLng(35.8617, 139.6455)


def actor_for(user: User) -> Actor:
    """An actor whose user is loaded by the services' own session, as a request does."""
    uid = user.firebase_uid
    assert uid is not None
    return Actor(uid=uid, user=user_by_firebase_uid(uid))


def test_upsert_profile_first_time_creates_user_and_own_household(app_context):
    actor = Actor(uid="svc-new")
    user, created = accounts.upsert_profile(actor, display_name="佐藤", home=HOME)
    assert created is True
    assert actor.user is user
    assert (user.firebase_uid, user.display_name, user.locale) == ("svc-new", "佐藤", "ja")
    assert latlng_of(user.home) == HOME
    household = session.get(Household, user.household_id)
    assert household is not None and household.merged_into_id is None
    assert people.household_members(user) == [user]


def test_upsert_profile_twice_gives_each_person_their_own_household(app_context):
    first, _ = accounts.upsert_profile(Actor(uid="svc-a"), display_name="A")
    second, _ = accounts.upsert_profile(Actor(uid="svc-b"), display_name="B")
    assert first.household_id != second.household_id


def test_upsert_profile_update_keeps_home_when_unset(app_context):
    actor = actor_for(UserFactory(home=HOME.to_element()))
    user, created = accounts.upsert_profile(actor, display_name="新しい名前", locale="en")
    assert created is False
    assert (user.display_name, user.locale) == ("新しい名前", "en")
    assert latlng_of(user.home) == HOME


def test_upsert_profile_home_none_clears_home(app_context):
    actor = actor_for(UserFactory())
    user, _ = accounts.upsert_profile(actor, display_name="x", home=None)
    session.expire(user)
    assert session.get(User, user.id).home is None


def test_require_user_without_profile_is_forbidden(app_context):
    with pytest.raises(Forbidden) as raised:
        require_user(Actor(uid="nobody"))
    assert raised.value.code == "profile_required"


def test_add_child_without_profile_is_forbidden(app_context):
    with pytest.raises(Forbidden):
        people.add_child(Actor(uid="nobody"), nickname="x", birth_date=date(2021, 4, 1))


def test_get_child_of_another_household_is_not_found(app_context):
    child = ChildFactory()
    with pytest.raises(NotFound) as raised:
        people.get_child(actor_for(UserFactory()), child.id)
    assert raised.value.code == "child_not_found"


def test_join_household_moves_lone_joiner_and_children(app_context):
    joiner_row = UserFactory()
    child = ChildFactory(household=joiner_row.household)
    inviter, joiner = actor_for(UserFactory()), actor_for(joiner_row)
    assert joiner.user is not None and inviter.user is not None
    old_household = joiner_row.household_id
    invite = people.create_household_invite(inviter, ttl_hours=48)
    household = accounts.join_household(joiner, code=invite.code.lower())
    assert household.id == inviter.user.household_id
    assert joiner.user.household_id == household.id
    session.expire_all()
    assert session.get_one(Child, child.id).household_id == household.id
    assert session.get_one(Household, old_household).merged_into_id == household.id
    assert {m.id for m in people.household_members(joiner.user)} == {
        inviter.user.id,
        joiner.user.id,
    }


def test_join_household_with_expired_invite_is_not_found(app_context):
    inviter, joiner = actor_for(UserFactory()), actor_for(UserFactory())
    invite = people.create_household_invite(inviter, ttl_hours=0)
    with pytest.raises(NotFound) as raised:
        accounts.join_household(joiner, code=invite.code)
    assert raised.value.code == "invite_not_found"


def test_join_household_own_invite_is_conflict(app_context):
    actor = actor_for(UserFactory())
    invite = people.create_household_invite(actor, ttl_hours=48)
    with pytest.raises(Conflict) as raised:
        accounts.join_household(actor, code=invite.code)
    assert raised.value.code == "already_in_household"


def test_join_household_used_invite_is_conflict(app_context):
    inviter = actor_for(UserFactory())
    invite = people.create_household_invite(inviter, ttl_hours=48)
    accounts.join_household(actor_for(UserFactory()), code=invite.code)
    with pytest.raises(Conflict) as raised:
        accounts.join_household(actor_for(UserFactory()), code=invite.code)
    assert raised.value.code == "invite_already_used"


def test_join_household_when_not_alone_is_conflict_and_moves_nobody(app_context):
    inviter = actor_for(UserFactory())
    joiner_row = UserFactory()
    UserFactory(household=joiner_row.household)
    joiner = actor_for(joiner_row)
    invite = people.create_household_invite(inviter, ttl_hours=48)
    with pytest.raises(Conflict) as raised:
        accounts.join_household(joiner, code=invite.code)
    assert raised.value.code == "household_has_other_members"
    session.expire_all()
    assert session.get_one(User, joiner_row.id).household_id == joiner_row.household_id


def test_normalize_code_ignores_case_spaces_and_hyphens():
    assert normalize_code(" k7qm-2xpa ") == "K7QM2XPA"


def test_delete_account_clears_actor_and_personal_data(app_context):
    row = UserFactory()
    actor = actor_for(row)
    accounts.delete_account(actor)
    assert actor.user is None
    session.expire_all()
    stored = session.get_one(User, row.id)
    assert (stored.status, stored.firebase_uid, stored.display_name) == ("deleted", None, None)
    assert user_by_firebase_uid(row.firebase_uid) is None


def test_get_profile_after_delete_account_is_not_found(app_context):
    actor = actor_for(UserFactory())
    accounts.delete_account(actor)
    with pytest.raises(NotFound):
        people.get_profile(actor)
