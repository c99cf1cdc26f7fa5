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
   lending any member of the community;
5. no confirmed match of theirs overlaps the request's time span.
Ranking: connection and certified, connection, certified, member; then distance; then
completed shares with this household (more first).

A distance shown runs from the viewer's own exact point to the other side's public point:
for the requester's list, from the request's location to each supporter's public home;
for one person (``candidate``, what they see of the request), from their home to the
request's public location. Both are rounded up to 100 m.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from otagai.domain.actors import Actor, require_user
from otagai.domain.clock import TOKYO
from otagai.domain.communities.models import CommunityMember
from otagai.domain.matches.models import COMPLETED as MATCH_COMPLETED
from otagai.domain.matches.models import CONFIRMED, Match
from otagai.domain.people.models import USER_ACTIVE, User
from otagai.domain.requests.models import AUDIENCE_COMMUNITY, LENDING, ShareRequest
from otagai.domain.requests.status import is_effectively_open
from otagai.domain.trust.models import Certification, Connection
from otagai.domain.trust.queries import blocked_either_way
from otagai.errors import Conflict, NotFound
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng, latlng_of

MAX_CANDIDATES = 50
# Lending to any member: how many of the nearest members the KNN scan hands on to the
# other rules. Far more than MAX_CANDIDATES, so exclusions (blocks, busy people, the
# requester's household) still leave a full list.
NEAREST_MEMBERS = 500

TIERS = ("connection_certified", "connection", "certified", "member")


@dataclass(frozen=True)
class Candidate:
    user_id: uuid.UUID
    display_name: str | None
    trust_tier: str
    certified_kinds: list[str]
    completed_shares: int
    distance_m: int


def activity_day(request: ShareRequest) -> date:
    """The Tokyo calendar day the help starts: certifications must be valid then."""
    return request.starts_at.astimezone(TOKYO).date()


def round_up_100(meters: float) -> int:
    """Distances are shown rounded UP to 100 m: never below the distance measured."""
    return max(100, math.ceil(meters / 100) * 100)


def _valid_in_community(request: ShareRequest) -> ColumnElement[bool]:
    """A certification in the request's community, valid on its activity day."""
    return and_(
        Certification.community_id == request.community_id,
        Certification.valid_on(activity_day(request)),
    )


def _certified(request: ShareRequest) -> ColumnElement[bool]:
    return and_(_valid_in_community(request), Certification.kinds.contains([request.kind]))


def _trusted(request: ShareRequest, only_user: uuid.UUID | None) -> Select[Any]:
    """(user_id, connected, certified) for everybody the requester trusts for this kind."""
    me = request.requester_id
    other = case((Connection.user_low_id == me, Connection.user_high_id),
                 else_=Connection.user_low_id)  # fmt: skip
    branches: list[Any] = [
        select(other.label("user_id"), true().label("connected"), false().label("certified"))
        .where(or_(Connection.user_low_id == me, Connection.user_high_id == me))
    ]  # fmt: skip
    if request.audience == AUDIENCE_COMMUNITY:
        branches.append(select(Certification.user_id, false(), true()).where(_certified(request)))
        if request.kind == LENDING:
            members = (
                select(CommunityMember.user_id)
                .join(User, User.id == CommunityMember.user_id)
                .where(CommunityMember.community_id == request.community_id)
            )
            if only_user is None:
                # Nearest first through the GiST index on public homes; the radius check
                # follows.
                members = (
                    members.where(User.public_home.is_not(None))
                    .order_by(User.public_home.op("<->")(_public_location(request)))
                    .limit(NEAREST_MEMBERS)
                )
            else:
                members = members.where(CommunityMember.user_id == only_user)
            nearest = members.subquery()
            branches.append(select(nearest.c.user_id, false(), false()))
    trusted = union_all(*branches).subquery()
    return select(
        trusted.c.user_id,
        func.bool_or(trusted.c.connected).label("connected"),
        func.bool_or(trusted.c.certified).label("certified"),
    ).group_by(trusted.c.user_id)


def geography_point(point: LatLng) -> ColumnElement[Any]:
    """A point as a geography value: an immutable function of a bound string, which the
    planner folds into a constant. A constant lets PostgreSQL estimate how many homes lie
    within the radius from the index statistics (a subquery's value is unknown when the
    plan is made, and the guess made it scan every home in the radius)."""
    return func.ST_GeogFromText(f"SRID=4326;POINT({point.lng!r} {point.lat!r})")


def _point(value: Any) -> ColumnElement[Any]:
    point = latlng_of(value)
    if point is None:  # pragma: no cover - both columns are NOT NULL
        raise ValueError("a share request without a location")
    return geography_point(point)


def _request_location(request: ShareRequest) -> ColumnElement[Any]:
    """Exact: only for distances shown to the request's own household."""
    return _point(request.location)


def _public_location(request: ShareRequest) -> ColumnElement[Any]:
    """What candidacy and everybody else measure."""
    return _point(request.public_location)


def _busy(request: ShareRequest) -> ColumnElement[bool]:
    """A confirmed match of theirs (either side) overlapping the request's span."""
    return exists().where(
        or_(Match.supporter_id == User.id, Match.requester_id == User.id),
        Match.status == CONFIRMED,
        Match.starts_at < request.ends_at,
        Match.ends_at > request.starts_at,
    )


def candidates_query(
    request: ShareRequest, *, only_user: uuid.UUID | None = None, limit: int = MAX_CANDIDATES
) -> Select[Any]:
    trusted = _trusted(request, only_user).subquery()
    public = _public_location(request)
    if only_user is None:
        # The requester's list: from their exact location to each public home.
        distance = func.ST_Distance(User.public_home, _request_location(request))
    else:
        # What that person sees: from their exact home to the request's public point.
        distance = func.ST_Distance(User.home, public)
    tier = case(
        (and_(trusted.c.connected, trusted.c.certified), 0),
        (trusted.c.connected, 1),
        (trusted.c.certified, 2),
        else_=3,
    )
    completed = (
        select(func.count())
        .where(
            Match.supporter_id == User.id,
            Match.requester_household_id == request.household_id,
            Match.status == MATCH_COMPLETED,
        )
        .scalar_subquery()
    )
    # Every kind they are certified for here (a connection certified for babysitting is
    # worth knowing about on a pickup too), not only this request's kind.
    kinds = (
        select(Certification.kinds)
        .where(Certification.user_id == User.id, _valid_in_community(request))
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(
            User.id,
            User.display_name,
            tier.label("tier"),
            kinds.label("certified_kinds"),
            completed.label("completed_shares"),
            distance.label("distance"),
        )
        .join(trusted, trusted.c.user_id == User.id)
        .where(
            User.status == USER_ACTIVE,
            User.id != request.requester_id,
            User.household_id != request.household_id,
            User.public_home.is_not(None),
            func.ST_DWithin(User.public_home, public, literal(request.radius_m)),
            ~blocked_either_way(User.id, request.requester_id),
            ~_busy(request),
        )
        .order_by(tier, distance, completed.desc(), User.id)
        .limit(limit)
    )
    if only_user is not None:
        query = query.where(User.id == only_user)
    return query


def find_candidates(request: ShareRequest, *, limit: int = MAX_CANDIDATES) -> list[Candidate]:
    return [
        Candidate(
            user_id=row.id,
            display_name=row.display_name,
            trust_tier=TIERS[row.tier],
            certified_kinds=list(row.certified_kinds or []),
            completed_shares=row.completed_shares,
            distance_m=round_up_100(row.distance),
        )
        for row in session.execute(candidates_query(request, limit=limit))
    ]


def candidate(request: ShareRequest, user_id: uuid.UUID) -> Candidate | None:
    """The same rules for one person: may they see and offer on this request? The distance
    is the one they are shown: from their home to the request's public point."""
    rows = session.execute(candidates_query(request, only_user=user_id, limit=1)).all()
    if not rows:
        return None
    row = rows[0]
    return Candidate(row.id, row.display_name, TIERS[row.tier], list(row.certified_kinds or []),
                     row.completed_shares, round_up_100(row.distance))  # fmt: skip


def count_candidates(request: ShareRequest) -> int:
    sub = candidates_query(request, limit=MAX_CANDIDATES).subquery()
    return session.scalar(select(func.count()).select_from(sub)) or 0


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
