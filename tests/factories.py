"""factory_boy factories, one per aggregate, writing through the test's transaction."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import scoped_session, sessionmaker

from otagai.domain.communities.models import Community, CommunityMember, Municipality
from otagai.domain.people.models import AuthorisedAdult, Child, Household, User
from otagai.domain.people.places import HouseholdPlace
from otagai.domain.trust.models import Block, Connection
from otagai.extensions.geo import LatLng, latlng_of

TestSession: scoped_session = scoped_session(sessionmaker(expire_on_commit=False))

# Near Urawa station, Saitama.
URAWA = LatLng(35.8587, 139.6571)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = TestSession
        sqlalchemy_session_persistence = "flush"


# ``public=EXACT`` (UserFactory, ShareRequestFactory): the public point the service measures
# to is the true point itself, for tests of rules that need exact distances. Without it the
# database draws one 150–300 m away, as it does for everybody (people/places.py).
EXACT = "exact"


def pin_place(household_id: uuid.UUID, point: object, public: object = EXACT) -> None:
    """Give the household a place at ``point`` with the public point ``public`` (a LatLng,
    or EXACT for the point itself): a home or request written within 40 m of it then takes
    that public point from the database's trigger, as any would from a place drawn before."""
    exact = point if isinstance(point, LatLng) else latlng_of(point)
    assert exact is not None
    shown = exact if public == EXACT else public
    assert isinstance(shown, LatLng)
    TestSession.add(
        HouseholdPlace(
            household_id=household_id,
            anchor=exact.to_element(),
            public_point=shown.to_element(),
        )
    )
    TestSession.flush()


class _Pinnable(BaseFactory):
    """Takes ``public=`` (see EXACT) and pins the household's place before the insert."""

    class Meta:
        abstract = True

    _point_field = ""

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> object:
        public = kwargs.pop("public", None)
        point = kwargs.get(cls._point_field)
        if public is not None and point is not None:
            household = kwargs.get("household")
            household_id = household.id if household is not None else kwargs["household_id"]
            pin_place(household_id, point, public)  # type: ignore[arg-type]
        return super()._create(model_class, *args, **kwargs)


class HouseholdFactory(BaseFactory):
    class Meta:
        model = Household

    id = factory.LazyFunction(uuid.uuid4)


class UserFactory(_Pinnable):
    class Meta:
        model = User

    _point_field = "home"

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


class AuthorisedAdultFactory(BaseFactory):
    class Meta:
        model = AuthorisedAdult

    id = factory.LazyFunction(uuid.uuid4)
    child_id = factory.LazyAttribute(lambda o: o.child.id)
    name = factory.Sequence(lambda n: f"お迎えの人{n}")
    relation = "祖母"

    class Params:
        child = factory.SubFactory(ChildFactory)


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

from otagai.domain.clock import today_tokyo  # noqa: E402
from otagai.domain.events.models import Event  # noqa: E402
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


# Share requests ------------------------------------------------------------------------

from otagai.domain.matches.models import Match  # noqa: E402
from otagai.domain.requests.models import Offer, ShareRequest, ShareRequestChild  # noqa: E402

NOT_COVERED = {"covered": False, "reasons": ["no_active_policy"], "children": []}


class ShareRequestFactory(_Pinnable):
    """An open pickup of ``requester`` in ``community``, tomorrow for 90 minutes, at Urawa
    station, radius 2 km. ``children=[child, ...]`` links children (of the requester's
    household). The requester is not made a member: arrange that when it matters.
    ``public=EXACT`` measures everybody else to its exact location."""

    class Meta:
        model = ShareRequest

    _point_field = "location"

    id = factory.LazyFunction(uuid.uuid4)
    requester_id = factory.LazyAttribute(lambda o: o.requester.id)
    household_id = factory.LazyAttribute(lambda o: o.requester.household_id)
    # As the service does: the household's town at posting.
    municipality_code = factory.LazyAttribute(lambda o: o.requester.household.municipality_code)
    community_id = factory.LazyAttribute(lambda o: o.community.id)
    kind = "pickup"
    title = factory.Sequence(lambda n: f"お迎えのお願い{n}")
    details = None
    starts_at = factory.LazyFunction(
        lambda: dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(days=1)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=90))
    location = factory.LazyFunction(lambda: URAWA.to_element())
    dropoff = factory.LazyAttribute(
        lambda o: LatLng(35.8601, 139.6555).to_element() if o.kind == "pickup" else None
    )
    item_category = factory.LazyAttribute(lambda o: "stroller" if o.kind == "lending" else None)
    item_description = factory.LazyAttribute(
        lambda o: "A型ベビーカー" if o.kind == "lending" else None
    )
    audience = "community"
    radius_m = factory.LazyAttribute(lambda o: 5000 if o.kind == "lending" else 2000)
    intended_thank_you_jpy = 1000
    status = "open"

    class Params:
        requester = factory.SubFactory(UserFactory)
        community = factory.SubFactory(CommunityFactory)

    @factory.post_generation
    def children(
        obj: ShareRequest, create: bool, extracted: list[Child] | None, **_: object
    ) -> None:
        if not create or not extracted:
            return
        session = ShareRequestFactory._meta.sqlalchemy_session
        session.add_all(ShareRequestChild(request_id=obj.id, child_id=c.id) for c in extracted)
        session.flush()


def add_offer(
    request: ShareRequest,
    supporter: User,
    *,
    status: str = "pending",
    created_at: dt.datetime | None = None,
    id: uuid.UUID | None = None,
) -> Offer:
    """An offer of ``supporter`` on ``request``. Inside a test's transaction ``now()`` never
    moves: pass ``created_at`` where the order of offers matters."""
    session = ShareRequestFactory._meta.sqlalchemy_session
    offer = Offer(
        id=id or uuid.uuid4(),
        request_id=request.id,
        supporter_id=supporter.id,
        status=status,
        municipality_code=supporter.household.municipality_code,
    )
    if created_at is not None:
        offer.created_at = created_at
    session.add(offer)
    session.flush()
    return offer


def add_match(request: ShareRequest, supporter: User, *, status: str = "confirmed") -> Match:
    """``supporter``'s accepted offer and the match made of it; the request becomes
    ``matched`` (``completed`` with a completed match)."""
    session = ShareRequestFactory._meta.sqlalchemy_session
    offer = add_offer(request, supporter, status="accepted")
    match = Match.of_offer(request, offer, insurance=NOT_COVERED, status=status)
    request.status = "completed" if status == "completed" else "matched"
    request.matched_at = dt.datetime.now(dt.UTC)
    session.add(match)
    session.flush()
    return match


# Offers and matches --------------------------------------------------------------------

from types import SimpleNamespace  # noqa: E402


def offer_world(
    *,
    supporters: int = 2,
    birth_dates: tuple[dt.date, ...] = (dt.date(2021, 4, 1),),
    **request_kwargs: object,
) -> SimpleNamespace:
    """A community; a member parent with a child per birth date; ``supporters`` supporters
    certified for pickup and babysitting, living where the help happens; and the parent's
    open pickup of the children (``ShareRequestFactory``: tomorrow unless ``starts_at`` and
    ``ends_at`` say otherwise), so every supporter is a candidate."""
    community = CommunityFactory()
    parent = UserFactory()
    CommunityMemberFactory(community=community, user=parent)
    children = [ChildFactory(household=parent.household, birth_date=b) for b in birth_dates]
    helpers = [UserFactory() for _ in range(supporters)]
    for helper in helpers:
        CertificationFactory(community=community, user=helper)
    request = ShareRequestFactory(
        requester=parent, community=community, children=children, **request_kwargs
    )
    return SimpleNamespace(
        community=community,
        parent=parent,
        children=children,
        child=children[0] if children else None,
        supporters=helpers,
        request=request,
    )


COORDINATE_KEYS = frozenset({"lat", "lng", "location", "dropoff", "home", "coordinates"})


def coordinate_keys_in(body: object) -> set[str]:
    """Keys anywhere in a JSON answer that would carry a point (should be none)."""
    if isinstance(body, dict):
        found = {k for k in body if k in COORDINATE_KEYS}
        for value in body.values():
            found |= coordinate_keys_in(value)
        return found
    if isinstance(body, list):
        return set().union(*(coordinate_keys_in(v) for v in body)) if body else set()
    return set()


# Insurance policies --------------------------------------------------------------------

from otagai.domain.insurance.models import InsurancePolicy  # noqa: E402


class InsurancePolicyFactory(BaseFactory):
    """Version 1 of a policy in force from a year ago to a year ahead, covering pickup and
    babysitting of children aged 1 to 18."""

    class Meta:
        model = InsurancePolicy

    id = factory.LazyFunction(uuid.uuid4)
    version = 1
    insurer = "テスト損害保険"
    policy_number = factory.Sequence(lambda n: f"TEST-{n:04d}")
    name = "子育てシェア賠償責任保険"
    valid_from = factory.LazyFunction(lambda: today_tokyo() - dt.timedelta(days=365))
    valid_to = factory.LazyFunction(lambda: today_tokyo() + dt.timedelta(days=365))
    kinds = factory.LazyFunction(lambda: ["pickup", "babysitting"])
    min_child_age = 1
    max_child_age = 18
    limits = factory.LazyFunction(lambda: {"bodily_injury_jpy": 100_000_000})
    created_by_id = None


# Match lifecycle and thank-yous ----------------------------------------------------------

from otagai.domain.thanks.models import ThankYou  # noqa: E402


def match_world(
    *, started: bool = True, status: str = "confirmed", **kwargs: object
) -> SimpleNamespace:
    """``offer_world`` with one supporter whose offer was accepted: ``world.match``
    (``status``) and ``world.supporter``. ``started``: the request began an hour ago and
    lasts 90 minutes; otherwise it is tomorrow."""
    if started:
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
        kwargs.setdefault("starts_at", start)
        kwargs.setdefault("ends_at", start + dt.timedelta(minutes=90))
    world = offer_world(supporters=1, **kwargs)
    world.supporter = world.supporters[0]
    world.match = add_match(world.request, world.supporter, status=status)
    return world


def add_thank_you(
    match: Match, *, amount_jpy: int = 1000, method: str = "cash", status: str = "recorded"
) -> ThankYou:
    """A thank-you of ``match``'s requester."""
    session = ShareRequestFactory._meta.sqlalchemy_session
    thank_you = ThankYou(
        id=uuid.uuid4(),
        match_id=match.id,
        amount_jpy=amount_jpy,
        method=method,
        status=status,
        created_by_id=match.requester_id,
        municipality_code=match.municipality_code,
        kind=match.kind,
    )
    session.add(thank_you)
    session.flush()
    return thank_you
