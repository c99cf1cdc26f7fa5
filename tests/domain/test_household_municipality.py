"""A household belongs to the municipality whose boundary covers its home."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from otagai.domain.communities.attribution import attribute_household
from otagai.domain.people.models import Household
from otagai.extensions.geo import LatLng
from tests.factories import HouseholdFactory, MunicipalityFactory, UserFactory

IN_SAITAMA = {"lat": 35.8587, "lng": 139.6571}
IN_SETAGAYA = {"lat": 35.64, "lng": 139.65}
IN_NO_MUNICIPALITY = {"lat": 35.0, "lng": 135.76}  # Kyoto: not served

SETAGAYA_BOX = (
    "SRID=4326;MULTIPOLYGON(((139.58 35.6,139.68 35.6,139.68 35.67,139.58 35.67,139.58 35.6)))"
)


def _municipality_of(db, household_id) -> str | None:
    db.expire_all()
    return db.get(Household, household_id).municipality_code


def _point(home: dict) -> object:
    return LatLng(home["lat"], home["lng"]).to_element()


def _put_home(client, home) -> None:
    response = client.put("/v1/me", json={"display_name": "佐藤", "home": home})
    assert response.status_code in (200, 201), response.get_json()


# Through the API ------------------------------------------------------------------------


def test_create_profile_with_home_inside_attributes_household(client_as, db):
    MunicipalityFactory()
    me = client_as("new-parent")
    _put_home(me, IN_SAITAMA)
    household_id = me.get("/v1/me").get_json()["household"]["id"]
    assert _municipality_of(db, household_id) == "111007"


def test_update_home_into_other_municipality_changes_it(client_as, db):
    MunicipalityFactory()
    MunicipalityFactory(
        code="131121", name_ja="世田谷区", name_en="Setagaya", boundary=SETAGAYA_BOX
    )
    user = UserFactory(home=_point(IN_SAITAMA))
    _put_home(client_as(user), IN_SETAGAYA)
    assert _municipality_of(db, user.household_id) == "131121"


def test_update_home_out_of_every_municipality_clears_it(client_as, db):
    MunicipalityFactory()
    user = UserFactory(household=HouseholdFactory(municipality_code="111007"))
    _put_home(client_as(user), IN_NO_MUNICIPALITY)
    assert _municipality_of(db, user.household_id) is None


def test_update_home_to_null_clears_it(client_as, db):
    MunicipalityFactory()
    user = UserFactory(household=HouseholdFactory(municipality_code="111007"))
    _put_home(client_as(user), None)
    assert _municipality_of(db, user.household_id) is None


def test_update_profile_without_home_keeps_it(client_as, db):
    MunicipalityFactory()
    # Attributed by some earlier rule: a profile update that leaves home alone keeps it.
    user = UserFactory(household=HouseholdFactory(municipality_code="111007"), home=None)
    response = client_as(user).put("/v1/me", json={"display_name": "新しい名前"})
    assert response.status_code == 200
    assert _municipality_of(db, user.household_id) == "111007"


# Service level: households of two parents ---------------------------------------------


def test_attribute_household_most_recently_updated_home_wins(db, app_context):
    MunicipalityFactory()
    MunicipalityFactory(
        code="131121", name_ja="世田谷区", name_en="Setagaya", boundary=SETAGAYA_BOX
    )
    household = HouseholdFactory()
    now = datetime.now(UTC)
    UserFactory(household=household, home=_point(IN_SAITAMA), updated_at=now - timedelta(days=2))
    UserFactory(household=household, home=_point(IN_SETAGAYA), updated_at=now - timedelta(days=1))
    assert attribute_household(household.id) == "131121"
    assert _municipality_of(db, household.id) == "131121"


def test_attribute_household_member_without_home_does_not_clear_it(db, app_context):
    MunicipalityFactory()
    household = HouseholdFactory()
    now = datetime.now(UTC)
    UserFactory(household=household, home=_point(IN_SAITAMA), updated_at=now - timedelta(days=2))
    UserFactory(household=household, home=None, updated_at=now - timedelta(days=1))
    assert attribute_household(household.id) == "111007"


def test_attribute_household_ignores_deleted_members(db, app_context):
    MunicipalityFactory()
    household = HouseholdFactory(municipality_code="111007")
    UserFactory(household=household, home=_point(IN_SAITAMA), status="deleted", firebase_uid=None)
    assert attribute_household(household.id) is None
    assert _municipality_of(db, household.id) is None


def test_attribute_household_home_outside_all_is_none(db, app_context):
    MunicipalityFactory()
    household = HouseholdFactory()
    UserFactory(household=household, home=_point(IN_NO_MUNICIPALITY))
    assert attribute_household(household.id) is None
