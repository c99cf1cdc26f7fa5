"""factory_boy factories, one per aggregate, writing through the test's transaction."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import scoped_session, sessionmaker

from otagai.domain.communities.models import Community, CommunityMember, Municipality
from otagai.domain.people.models import Child, Household, User
from otagai.domain.trust.models import Block, Connection
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


class ConnectionFactory(BaseFactory):
    """``ConnectionFactory(a=user, b=other)``: stored lower id first, whatever the order."""

    class Meta:
        model = Connection
        exclude = ("a", "b")

    a = factory.SubFactory(UserFactory)
    b = factory.SubFactory(UserFactory)
    user_low_id = factory.LazyAttribute(lambda o: min(o.a.id, o.b.id))
    user_high_id = factory.LazyAttribute(lambda o: max(o.a.id, o.b.id))
    event_id = None


class BlockFactory(BaseFactory):
    class Meta:
        model = Block

    blocker_id = factory.LazyAttribute(lambda o: o.blocker.id)
    blocked_id = factory.LazyAttribute(lambda o: o.blocked.id)

    class Params:
        blocker = factory.SubFactory(UserFactory)
        blocked = factory.SubFactory(UserFactory)


# Certifications and events ------------------------------------------------------------

from otagai.domain.events.models import Event  # noqa: E402
from otagai.domain.people.ages import today_tokyo  # noqa: E402
from otagai.domain.trust.models import Certification  # noqa: E402


class CertificationFactory(BaseFactory):
    """``CertificationFactory(community=c, user=u)``: valid today for pickup and babysitting
    (trained 30 days ago, one-year term, granted yesterday); makes ``user`` a member of
    ``community`` unless ``membership=False``. No history rows: grant through the API for those.
    """

    class Meta:
        model = Certification

    id = factory.LazyFunction(uuid.uuid4)
    community_id = factory.LazyAttribute(lambda o: o.community.id)
    user_id = factory.LazyAttribute(lambda o: o.user.id)
    kinds = factory.LazyFunction(lambda: ["pickup", "babysitting"])
    trained_on = factory.LazyFunction(lambda: today_tokyo() - dt.timedelta(days=30))
    expires_on = factory.LazyAttribute(lambda o: o.trained_on + dt.timedelta(days=365))
    granted_by_id = factory.LazyAttribute(lambda o: o.granted_by.id)
    granted_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    revoked_at = None
    revoked_by_id = None
    revoke_reason = None

    class Params:
        community = factory.SubFactory(CommunityFactory)
        user = factory.SubFactory(UserFactory)
        granted_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def membership(obj: Certification, create: bool, extracted: bool | None, **_: object) -> None:
        if not create or extracted is False:
            return
        session = CertificationFactory._meta.sqlalchemy_session
        if session.get(CommunityMember, (obj.community_id, obj.user_id)) is None:
            session.add(CommunityMember(community_id=obj.community_id, user_id=obj.user_id))
            session.flush()


class EventFactory(BaseFactory):
    """An event of ``community`` a week ahead, two hours long, near Urawa station."""

    class Meta:
        model = Event

    id = factory.LazyFunction(uuid.uuid4)
    community_id = factory.LazyAttribute(lambda o: o.community.id)
    title = factory.Sequence(lambda n: f"交流会{n}")
    description = None
    starts_at = factory.LazyFunction(
        lambda: dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=7)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    place = factory.LazyFunction(lambda: URAWA.to_element())
    place_name = "浦和コミュニティセンター"
    created_by_id = factory.LazyAttribute(lambda o: o.created_by.id)

    class Params:
        community = factory.SubFactory(CommunityFactory)
        created_by = factory.SubFactory(UserFactory)
