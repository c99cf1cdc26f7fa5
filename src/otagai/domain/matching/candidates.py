"""Who may help with a request: the five candidate rules of the product, as ONE query.

The query is driven from the small side. The people a requester trusts are few — their
connections and the community's supporters certified for the kind — so those are listed
first through their own indexes and only then checked for distance. Only lending to "any
member of the community" has a large trusted set; there the members come from a KNN scan
of the homes index (nearest first, with a limit), never from a scan of every home.

Rules (PRODUCT.md, "Who may help"):
1. not the requester, not in the requester's household;
2. neither has blocked the other; account active;
3. home within the request's radius of the request location — measured between public
   points (``people/places.py``): the supporter's ``public_home`` and the request's
   ``public_location``, so that who is a candidate locates neither closer than 110 m;
   the radius test is off the true distance by at most 680 m;
4. trusted for the kind: a connection of the requester, or (audience ``community``) a
   supporter certified for the kind in the request's community on the activity day; for
   lending any member of the community. Where the community requires a background check
   for babysitting (``trust/background_checks.py``), a babysitting certification counts
   only with a confirmed one (read off the certification row already found);
5. no confirmed match of theirs overlaps the request's time span.
Ranking: connection and certified, connection, certified, member; within a tier, a
supporter with ``NO_SHOW_RANK_COUNT`` or more no-shows recorded against them in the last
``NO_SHOW_RANK_DAYS`` days after everybody else (docs/ranking.md); then distance; then
completed shares with this household (more first). (For lending to any member, the
members are the nearest found by the KNN scan; the rule orders those.)

A distance shown runs from the viewer's own exact point to the other side's public point:
for the requester's list, from the request's location to each supporter's public home;
for one person (``candidate``, what they see of the request), from their home to the
request's public location. Both are rounded up to 100 m.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    CTE,
    Date,
    Float,
    Select,
    String,
    and_,
    bindparam,
    case,
    desc,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.sql.elements import ColumnElement

from otagai.domain import clock
from otagai.domain.actors import Actor, require_user
from otagai.domain.clock import TOKYO
from otagai.domain.communities.models import Community, CommunityMember
from otagai.domain.matches.models import COMPLETED as MATCH_COMPLETED
from otagai.domain.matches.models import CONFIRMED, Match, NoShow
from otagai.domain.matching.friends_of_friends import friend_of_friend_ids, intermediaries
from otagai.domain.people.models import USER_ACTIVE, User
from otagai.domain.requests.ladder import neighbouring_communities, reach_of, wide_radius_m
from otagai.domain.requests.models import LENDING, ShareRequest
from otagai.domain.requests.status import is_effectively_open
from otagai.domain.trust.background_checks import check_confirmed, counts_for_kind
from otagai.domain.trust.models import Certification, Connection
from otagai.domain.trust.queries import blocked_either_way, connection_between
from otagai.errors import Conflict, NotFound
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng, latlng_of

MAX_CANDIDATES = 50
# Repeated no-shows: this many against a supporter in this many days ranks them last in
# their tier (docs/ranking.md).
NO_SHOW_RANK_COUNT = 2
NO_SHOW_RANK_DAYS = 180

# The last two only on a widening request's later rungs (requests/ladder.py).
TIERS = ("connection_certified", "connection", "certified", "member", "friend_of_friend",
         "neighbouring")  # fmt: skip
FRIEND_OF_FRIEND = 4


@dataclass(frozen=True)
class Candidate:
    user_id: uuid.UUID
    display_name: str | None
    trust_tier: str
    certified_kinds: list[str]
    completed_shares: int
    distance_m: int
    # Whether their certification here has a confirmed background check: never which
    # scheme, when, or who confirmed it.
    background_check_confirmed: bool = False
    # A friend of a friend (widening requests): the common friend's display name, shown
    # instead of theirs ("a friend of ...").
    friend_of: str | None = None


def activity_day(request: ShareRequest) -> date:
    """The Tokyo calendar day the help starts: certifications must be valid then."""
    return request.starts_at.astimezone(TOKYO).date()


def round_up_100(meters: float) -> int:
    """Distances are shown rounded UP to 100 m: never below the distance measured."""
    return max(100, math.ceil(meters / 100) * 100)


@dataclass(frozen=True)
class Query:
    """A statement built once per shape, and the values of this call's parameters."""

    statement: Select[Any]
    params: dict[str, Any]

    def rows(self) -> list[Any]:
        return list(session.execute(self.statement, self.params))


P = bindparam  # the statements below are built once and bound per call


def _certified_here() -> ColumnElement[bool]:
    """A certification in the request's community, valid on its activity day."""
    return and_(
        Certification.community_id == P("community"),
        # The hybrid's SQL form takes a parameter too (typed for the Python form).
        Certification.valid_on(P("day", type_=Date)),  # type: ignore[arg-type]
    )


def _public() -> ColumnElement[Any]:
    """The request's public point: what candidacy measures."""
    return func.ST_GeogFromText(P("public"))


def _location() -> ColumnElement[Any]:
    """The request's exact location: only for distances shown to its own household."""
    return func.ST_GeogFromText(P("location"))


def _check_required_here() -> ColumnElement[bool]:
    """The request's community's background-check setting: one primary-key probe, made
    once per query (an uncorrelated subquery)."""
    return (
        select(Community.require_background_check_for_babysitting)
        .where(Community.id == P("community"))
        .scalar_subquery()
    )


def _trusted(*, community: bool, one: bool, fof: bool = False, neighbours: bool = False) -> CTE:
    """(user_id, connected, certified[, fof, wide]) for the few the requester trusts for
    this kind: their connections and, audience ``community``, the supporters certified for
    it (with a confirmed background check where the community requires one for the kind).
    A widening request's later rungs (requests/ladder.py) add its friends of friends
    (``fof``) and the supporters certified in neighbouring communities (``wide``: within
    the wider radius only)."""
    me: Any = P("requester")
    other = case((Connection.user_low_id == me, Connection.user_high_id),
                 else_=Connection.user_low_id)  # fmt: skip
    mine = or_(Connection.user_low_id == me, Connection.user_high_id == me)
    if one:  # the pair's row, by primary key
        mine = connection_between(me, P("one"))
    extra = fof or neighbours
    more = (false(), false()) if extra else ()
    branches: list[Any] = [
        select(other.label("user_id"), true().label("connected"), false().label("certified"),
               *more)
        .where(mine)
    ]  # fmt: skip
    if community:
        certified = and_(_certified_here(), P("kind", type_=String) == Certification.kinds.any_())
        if one:
            certified = and_(certified, Certification.user_id == P("one"))
        certified = and_(
            certified, counts_for_kind(P("kind", type_=String), _check_required_here())
        )
        branches.append(select(Certification.user_id, false(), true(), *more).where(certified))
    if fof:
        # Found beforehand (``friend_of_friend_ids``) and bound as an array: inside this
        # statement the planner overestimated the paths and scanned every user.
        ids = func.unnest(P("fof_ids", type_=ARRAY(PG_UUID()))).column_valued("user_id")
        branches.append(select(ids, false(), false(), true(), false()))
    if neighbours:
        near = and_(
            Certification.community_id == func.any(P("neighbours", type_=ARRAY(PG_UUID()))),
            Certification.valid_on(P("day", type_=Date)),  # type: ignore[arg-type]
            P("kind", type_=String) == Certification.kinds.any_(),
            # The request's community's rule: the help happens there.
            counts_for_kind(P("kind", type_=String), _check_required_here()),
        )
        if one:
            near = and_(near, Certification.user_id == P("one"))
        branches.append(
            select(Certification.user_id, false(), false(), false(), true()).where(near)
        )
    union = union_all(*branches).subquery()
    columns = [
        union.c.user_id,
        func.bool_or(union.c.connected).label("connected"),
        func.bool_or(union.c.certified).label("certified"),
    ]
    if extra:
        names = list(union.c.keys())
        columns += [
            func.bool_or(union.c[names[3]]).label("fof"),
            func.bool_or(union.c[names[4]]).label("wide"),
        ]
    return select(*columns).group_by(union.c.user_id).cte("trusted")


def _busy(user_id: Any) -> ColumnElement[bool]:
    """A confirmed match of theirs (either side) overlapping the request's span. One
    EXISTS per side, each a probe of its (person, starts_at, ends_at) index: with the two
    sides OR-ed in one, the planner can use neither index and scans every match for
    each candidate (50 scans of the bench's 7,200 matches: 34 of a call's 42 ms)."""
    overlapping = (
        Match.status == CONFIRMED,
        Match.starts_at < P("ends_at"),
        Match.ends_at > P("starts_at"),
    )
    return or_(
        exists().where(Match.supporter_id == user_id, *overlapping),
        exists().where(Match.requester_id == user_id, *overlapping),
    )


def _within_radius(*, scanned: bool) -> ColumnElement[bool]:
    """Rule 3. On the sphere (the distances shown are on the spheroid): a few metres apart
    at these distances, next to the hundreds the public points are displaced by, and
    cheaper for the many rows it filters. ``scanned``: the rows come from a KNN scan of
    the homes, and the test must not offer the planner the index instead (it would then
    gather every home in the radius and sort them)."""
    radius = P("radius", type_=Float)
    if scanned:
        return func.ST_Distance(User.public_home, _public(), False) <= radius
    return func.ST_DWithin(User.public_home, _public(), radius, False)


def _person_rules(
    *, scanned: bool = False, radius: ColumnElement[Any] | None = None
) -> list[ColumnElement[bool]]:
    """Rules 1, 2 (the account) and 3 for the person in ``User``: read off their row.
    ``radius``: a radius per row (the ladder's neighbouring rung reaches farther)."""
    within = (
        _within_radius(scanned=scanned)
        if radius is None
        else func.ST_DWithin(User.public_home, _public(), radius, False)
    )
    return [
        User.status == USER_ACTIVE,
        User.id != P("requester"),
        User.household_id != P("household"),
        User.public_home.is_not(None),
        within,
    ]


def _probed_rules(user_id: Any) -> list[ColumnElement[bool]]:
    """Rules 2 (blocks) and 5 (busy): an index probe each."""
    return [~blocked_either_way(user_id, P("requester")), ~_busy(user_id)]


def _shown_distance(one: bool) -> ColumnElement[Any]:
    if one:  # what that person sees: from their exact home to the request's public point
        return func.ST_Distance(User.home, _public())
    # The requester's list: from their exact location to each public home.
    return func.ST_Distance(User.public_home, _location())


def _completed(user_id: Any) -> ColumnElement[int]:
    """Shares they completed with the requester's household (more rank first)."""
    return (
        select(func.count())
        .where(
            Match.supporter_id == user_id,
            Match.requester_household_id == P("household"),
            Match.status == MATCH_COMPLETED,
        )
        .scalar_subquery()
    )


def _demoted(user_id: Any) -> ColumnElement[int]:
    """1 for a supporter with NO_SHOW_RANK_COUNT no-shows against them since
    ``no_show_since``, else 0. EXISTS of the N-th row (OFFSET N - 1): an index range scan
    of ``ix_match_no_shows_absent_at`` that reads at most N entries per person."""
    nth = (
        select(NoShow.id)
        .where(NoShow.absent_id == user_id, NoShow.at >= P("no_show_since"))
        .offset(NO_SHOW_RANK_COUNT - 1)
        .limit(1)
    )
    return case((nth.exists(), 1), else_=0)


@cache
def _statement(
    *, community: bool, lending: bool, one: bool, fof: bool = False, neighbours: bool = False
) -> Select[Any]:
    """Candidates of one shape of request, best first (see the module's docstring).

    The trusted few are ranked on what their own rows say, and the probes of blocks and
    busy times run down that ranking only until ``limit`` of them pass; lending to the
    community then adds the nearest plain members through the GiST index on public homes,
    in the order of the distance shown, each checked as the scan goes, so that it too
    stops after ``limit``. Both orders are the final one: tier, demoted (repeated no-shows),
    distance, completed shares (more first), id."""
    trusted = _trusted(community=community, one=one, fof=fof, neighbours=neighbours)
    whens: list[Any] = [
        (and_(trusted.c.connected, trusted.c.certified), 0),
        (trusted.c.connected, 1),
        (trusted.c.certified, 2),
    ]
    radius = None
    if fof or neighbours:
        whens.append((trusted.c.fof, 4))
        # Certified only in a neighbouring community: the wider radius.
        near = or_(trusted.c.connected, trusted.c.certified, trusted.c.fof)
        radius = case((near, P("radius", type_=Float)), else_=P("wide_radius", type_=Float))
    tier = case(*whens, else_=5 if (fof or neighbours) else 3)
    distance = _shown_distance(one)
    ranked = (
        select(User.id, User.display_name, tier.label("tier"),
               _demoted(User.id).label("demoted"), distance.label("distance"),
               _completed(User.id).label("completed"))
        .join(trusted, trusted.c.user_id == User.id)
        .where(*_person_rules(radius=radius))
    )  # fmt: skip
    if one:
        ranked = ranked.where(User.id == P("one"))
    # OFFSET 0 keeps the planner from pushing the probes below the sort.
    ordered = (
        ranked.order_by("tier", "demoted", "distance", desc("completed"), User.id)
        .offset(0)
        .subquery()
    )
    best = (
        select(ordered)
        .where(*_probed_rules(ordered.c.id))
        .order_by(
            ordered.c.tier,
            ordered.c.demoted,
            ordered.c.distance,
            ordered.c.completed.desc(),
            ordered.c.id,
        )
        .limit(P("limit"))
        .cte("best")
    )
    parts: list[Any] = [select(best)]
    if community and lending:
        member = exists().where(
            CommunityMember.community_id == P("community"), CommunityMember.user_id == User.id
        )
        members = select(
            User.id, User.display_name, literal(3).label("tier"),
            _demoted(User.id).label("demoted"), distance.label("distance"),
            _completed(User.id).label("completed"),
        ).where(
            member, User.id.not_in(select(trusted.c.user_id)),
            *_person_rules(scanned=not one), *_probed_rules(User.id),
        )  # fmt: skip
        if one:
            members = members.where(User.id == P("one"))
        else:
            # Only as many as the trusted left room for (none when they fill the list).
            room = func.greatest(
                0, P("limit") - select(func.count()).select_from(best).scalar_subquery()
            )
            members = members.order_by(User.public_home.op("<->")(_location())).limit(room)
        parts.append(members)
    rows = union_all(*(part.subquery().select() for part in parts)).subquery()
    # Every kind they are certified for here (a connection certified for babysitting is
    # worth knowing about on a pickup too), not only this request's kind.
    # Their certification here, the same one row for both: at most one is live.
    kinds, confirmed = (
        select(column)
        .where(Certification.user_id == rows.c.id, _certified_here())
        .limit(1)
        .scalar_subquery()
        for column in (Certification.kinds, check_confirmed())
    )
    return (
        select(
            rows.c.id,
            rows.c.display_name,
            rows.c.tier,
            kinds.label("certified_kinds"),
            func.coalesce(confirmed, false()).label("background_check_confirmed"),
            rows.c.completed.label("completed_shares"),
            rows.c.distance,
        )
        .order_by(rows.c.tier, rows.c.demoted, rows.c.distance, rows.c.completed.desc(), rows.c.id)
        .limit(P("limit"))
    )


def geography_point(point: LatLng) -> ColumnElement[Any]:
    """A point as a geography value: an immutable function of a bound string, which the
    planner folds into a constant. A constant lets PostgreSQL estimate how many homes lie
    within the radius from the index statistics (a subquery's value is unknown when the
    plan is made, and the guess made it scan every home in the radius)."""
    return func.ST_GeogFromText(f"SRID=4326;POINT({point.lng!r} {point.lat!r})")


def _wkt(value: Any) -> str:
    point = latlng_of(value)
    if point is None:  # pragma: no cover - both columns are NOT NULL
        raise ValueError("a share request without a location")
    return f"SRID=4326;POINT({point.lng!r} {point.lat!r})"


def candidates_query(
    request: ShareRequest,
    *,
    only_user: uuid.UUID | None = None,
    limit: int = MAX_CANDIDATES,
    now: datetime | None = None,
) -> Query:
    reach = reach_of(request)
    statement = _statement(community=reach.certified, lending=request.kind == LENDING,
                           one=only_user is not None, fof=reach.friends_of_friends,
                           neighbours=reach.neighbouring)  # fmt: skip
    params = {
        "requester": request.requester_id,
        "household": request.household_id,
        "community": request.community_id,
        "kind": request.kind,
        "day": activity_day(request),
        "public": _wkt(request.public_location),
        "location": _wkt(request.location),
        "radius": float(request.radius_m),
        "starts_at": request.starts_at,
        "ends_at": request.ends_at,
        "limit": limit,
        "no_show_since": clock.now(now) - timedelta(days=NO_SHOW_RANK_DAYS),
    }
    if only_user is not None:
        params["one"] = only_user
    if reach.friends_of_friends:
        params["fof_ids"] = friend_of_friend_ids(request.requester_id, one=only_user)
    if reach.friends_of_friends or reach.neighbouring:
        params["wide_radius"] = float(wide_radius_m(request.radius_m))
    if reach.neighbouring:
        params["neighbours"] = neighbouring_communities(request.community_id)
    return Query(statement, params)


def _named(request: ShareRequest, found: list[Candidate]) -> list[Candidate]:
    """A friend of a friend is shown only as "a friend of <intermediary>": no name."""
    fofs = [c.user_id for c in found if c.trust_tier == TIERS[FRIEND_OF_FRIEND]]
    if not fofs:
        return found
    via = intermediaries(request.requester_id, fofs)
    return [
        replace(c, display_name=None, friend_of=via.get(c.user_id)) if c.user_id in fofs else c
        for c in found
    ]


def find_candidates(request: ShareRequest, *, limit: int = MAX_CANDIDATES) -> list[Candidate]:
    return _named(
        request,
        [
            Candidate(
                user_id=row.id,
                display_name=row.display_name,
                trust_tier=TIERS[row.tier],
                certified_kinds=list(row.certified_kinds or []),
                completed_shares=row.completed_shares,
                distance_m=round_up_100(row.distance),
                background_check_confirmed=row.background_check_confirmed,
            )
            for row in candidates_query(request, limit=limit).rows()
        ],
    )


def candidate(request: ShareRequest, user_id: uuid.UUID) -> Candidate | None:
    """The same rules for one person: may they see and offer on this request? The distance
    is the one they are shown: from their home to the request's public point."""
    rows = candidates_query(request, only_user=user_id, limit=1).rows()
    if not rows:
        return None
    row = rows[0]
    found = Candidate(row.id, row.display_name, TIERS[row.tier], list(row.certified_kinds or []),
                      row.completed_shares, round_up_100(row.distance),
                      row.background_check_confirmed)  # fmt: skip
    return _named(request, [found])[0]


def count_candidates(request: ShareRequest) -> int:
    return len(candidates_query(request, limit=MAX_CANDIDATES).rows())


def list_candidates(
    actor: Actor, request_id: uuid.UUID, now: datetime | None = None
) -> list[Candidate]:
    """The ranked candidates of a request of my household, while it is open (at most
    MAX_CANDIDATES: the list is never paged). Anybody outside the household gets 404,
    like any request they may not see; a request no longer open 409."""
    user = require_user(actor)
    request = session.get(ShareRequest, request_id)
    # The household rule of sharing/visibility.py (viewer_of), which imports this module.
    if request is None or (
        user.id != request.requester_id and user.household_id != request.household_id
    ):
        raise NotFound("share_request_not_found")
    if not is_effectively_open(request, now):
        raise Conflict("share_request_not_open")
    return find_candidates(request)
