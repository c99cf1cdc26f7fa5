"""factory_boy factories, one per aggregate, writing through the test's transaction."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import scoped_session, sessionmaker

from otagai.domain.communities.models import Community, CommunityMember, Municipality
from otagai.domain.people.models import Child, Household, User
from otagai.extensions.geo import LatLng

TestSession: scoped_session = scoped_session(sessionmaker(expire_on_commit=False))

# Near Urawa station, Saitama.
URAWA = LatLng(35.8587, 139.6571)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = TestSession
        sqlalchemy_session_persistence = "flush"


class HouseholdFactory(BaseFactory):
    class Meta:
        model = Household

    id = factory.LazyFunction(uuid.uuid4)


class UserFactory(BaseFactory):
    class Meta:
        model = User

    id = factory.LazyFunction(uuid.uuid4)
    firebase_uid = factory.Sequence(lambda n: f"test-user-{n}-{uuid.uuid4().hex[:6]}")
    display_name = factory.Sequence(lambda n: f"利用者{n}")
    locale = "ja"
    household = factory.SubFactory(HouseholdFactory)
    home = factory.LazyFunction(lambda: URAWA.to_element())


class ChildFactory(BaseFactory):
    class Meta:
        model = Child

    id = factory.LazyFunction(uuid.uuid4)
    household_id = factory.LazyAttribute(lambda o: o.household.id)
    nickname = factory.Sequence(lambda n: f"こども{n}")
    birth_date = dt.date(2021, 4, 1)
    notes = None

    class Params:
        household = factory.SubFactory(HouseholdFactory)


SAITAMA_BOX = (
    "SRID=4326;MULTIPOLYGON(((139.54 35.8,139.77 35.8,139.77 35.99,139.54 35.99,139.54 35.8)))"
)
URAWA_BOX = "SRID=4326;POLYGON((139.64 35.84,139.67 35.84,139.67 35.87,139.64 35.87,139.64 35.84))"


class MunicipalityFactory(BaseFactory):
    class Meta:
        model = Municipality

    code = "111007"
    name_ja = "さいたま市"
    name_en = "Saitama"
    boundary = SAITAMA_BOX


class CommunityFactory(BaseFactory):
    class Meta:
        model = Community

    id = factory.LazyFunction(uuid.uuid4)
    municipality_code = factory.LazyAttribute(lambda o: o.municipality.code)
    name = factory.Sequence(lambda n: f"コミュニティ{n}")
    area = URAWA_BOX

    class Params:
        municipality = factory.SubFactory(MunicipalityFactory)


class CommunityMemberFactory(BaseFactory):
    class Meta:
        model = CommunityMember

    community_id = factory.LazyAttribute(lambda o: o.community.id)
    user_id = factory.LazyAttribute(lambda o: o.user.id)
    role = "member"

    class Params:
        community = factory.SubFactory(CommunityFactory)
        user = factory.SubFactory(UserFactory)
