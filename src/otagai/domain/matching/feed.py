"""The supporters' feed: effectively open requests I am a candidate for, nearest first.

The same five rules as ``candidates.py``, read from the supporter's side, as ONE query
driven from the small side: the open requests whose reach (a polygon just larger than
the disc of their radius around their public point) covers my public home come from the
partial GiST index ``ix_share_requests_open_reach`` (``status = 'open'``) — only those
that might take me, not every open request within the largest radius; each of those few
is then checked against its exact radius and the other rules: my connections are listed
once (a hashed set), my certification in its community, my membership, blocks and my
confirmed matches are index probes. No scan of users at all: the caller is one known
person.

Rules, per request (PRODUCT.md, "Who may help"; ``candidate(request, me)`` must agree —
tests/api/test_feed.py checks it on a hand-built neighbourhood):
1. not mine, not my household's;
2. neither the requester nor I blocked the other (I am active: the service checks);
3. my home within the request's radius of its location, between public points (my
   ``public_home``, its ``public_location``: see ``people/places.py``);
4. trusted: connected to the requester; or (audience ``community``) certified for its kind
   in its community on its activity day (Tokyo) — for babysitting in a community that
   requires it, with a confirmed background check; or (lending, audience ``community``) a
   member of its community;
5. no confirmed match of mine (either side) overlapping its span;
and effectively open (``status = 'open'`` and not yet started).

Distances run from my exact home, or the ``lat``/``lng`` I pass, to each request's public
location — never to its exact point, which a movable origin would pinpoint whatever the
rounding — and are shown rounded up to 100 m. The list is ordered by that rounded
distance, then id: the cursor carries only what the page already shows.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import aliased, load_only
from sqlalchemy.sql.elements import ColumnElement

from otagai.domain.actors import Actor, require_user
from otagai.domain.clock import TOKYO_NAME
from otagai.domain.communities.models import Community, CommunityMember
from otagai.domain.matches.models import CONFIRMED, Match
from otagai.domain.matching.candidates import Query
from otagai.domain.matching.friends_of_friends import intermediaries, paths
from otagai.domain.matching.views import feed_views
from otagai.domain.people.models import Child, User
from otagai.domain.requests.ladder import (
    CERTIFIED,
    FRIENDS_OF_FRIENDS,
    MAX_WIDE_RADIUS_M,
    NEIGHBOUR_M,
    NEIGHBOURING,
    WIDE_FACTOR,
)
from otagai.domain.requests.models import (
    AUDIENCE_COMMUNITY,
    LENDING,
    ShareRequest,
    ShareRequestChild,
)
from otagai.domain.trust.background_checks import counts_for_kind
from otagai.domain.trust.models import Certification
from otagai.domain.trust.queries import blocked_either_way, connected_user_ids_clause
from otagai.errors import Forbidden
from otagai.extensions.geo import LatLng, latlng_of
from otagai.extensions.keyset import Page, decode_cursor, invalid_cursor, page_of

R = ShareRequest
P = bindparam  # the statement below is built once and bound per call
# No two points on Earth are farther apart (half the equator, rounded up): bounds cursors.
FARTHEST_M = 20_040_000


def _rounded(meters: ColumnElement[Any]) -> ColumnElement[int]:
    """SQL twin of ``candidates.round_up_100`` (same double arithmetic, same result)."""
    return cast(func.greatest(100, func.ceil(meters / 100) * 100), Integer)


def _activity_day() -> ColumnElement[Any]:
    """SQL twin of ``candidates.activity_day``: the Tokyo calendar day the help starts."""
    return func.date(func.timezone(TOKYO_NAME, R.starts_at))


def _connected() -> ColumnElement[bool]:
    """The requester is one of my connections: my few connections are listed once (a hashed
    set), not looked up again for every request near me."""
    return R.requester_id.in_(connected_user_ids_clause(P("me")))


def _rung(at_least: int) -> ColumnElement[bool]:
    """A widening request on that rung or a later one (requests/ladder.py)."""
    return and_(R.audience == literal_column("'widening'"), R.rung >= literal_column(str(at_least)))


def _reaches_community() -> ColumnElement[bool]:
    """Audience community, or widening from its ``certified`` rung on."""
    return or_(R.audience == AUDIENCE_COMMUNITY, _rung(CERTIFIED))


def _friend_of_friend() -> ColumnElement[bool]:
    """Widening from its ``friends_of_friends`` rung on, and the requester is my friend of
    a friend (an unblocked path: matching/friends_of_friends.py). My friends' connections
    are listed once (a hashed set), from my own connections."""
    return and_(_rung(FRIENDS_OF_FRIENDS), R.requester_id.in_(select(paths(P("me")).c.user_id)))


def _neighbour_certified() -> ColumnElement[bool]:
    """Widening from its ``neighbouring`` rung on, and I hold a certification for its kind,
    valid on its activity day, in a community whose area lies within NEIGHBOUR_M of its
    community's (its own included). My few certifications, through their user index."""
    mine, here = aliased(Community), aliased(Community)
    return and_(
        _rung(NEIGHBOURING),
        exists()
        .where(
            Certification.user_id == P("me"),
            R.kind == Certification.kinds.any_(),
            Certification.valid_on(_activity_day()),  # type: ignore[arg-type]
            counts_for_kind(R.kind, _check_required_here()),
            mine.id == Certification.community_id,
            here.id == R.community_id,
            func.ST_DWithin(cast(mine.area, Geography), cast(here.area, Geography), NEIGHBOUR_M),
        )
        .correlate(R),
    )


def _certified() -> ColumnElement[bool]:
    """Audience community (or widening, from its ``certified`` rung), and I hold a
    certification for its kind in its community that is valid on its activity day."""
    return and_(
        _reaches_community(),
        exists()
        .where(
            Certification.user_id == P("me"),
            Certification.community_id == R.community_id,
            R.kind == Certification.kinds.any_(),
            # The hybrid's SQL form takes a column too (typed for the Python form).
            Certification.valid_on(_activity_day()),  # type: ignore[arg-type]
            # A primary-key probe of the community, made only for a certification found.
            counts_for_kind(R.kind, _check_required_here()),
        )
        .correlate(R),
    )


def _check_required_here() -> ColumnElement[bool]:
    return (
        select(Community.require_background_check_for_babysitting)
        .where(Community.id == R.community_id)
        .correlate(R)
        .scalar_subquery()
    )


def _member() -> ColumnElement[bool]:
    """Lending to the community: any member may help."""
    return and_(
        _reaches_community(),
        R.kind == LENDING,
        exists()
        .where(CommunityMember.community_id == R.community_id, CommunityMember.user_id == P("me"))
        .correlate(R),
    )


def _busy() -> ColumnElement[bool]:
    """A confirmed match of mine (either side) overlapping the request's span."""
    return (
        exists()
        .where(
            or_(Match.supporter_id == P("me"), Match.requester_id == P("me")),
            Match.status == CONFIRMED,
            Match.starts_at < R.ends_at,
            Match.ends_at > R.starts_at,
        )
        .correlate(R)
    )


# What the feed's answer shows of a request (its points stay unread).
SHOWN = (R.id, R.requester_id, R.community_id, R.kind, R.title, R.starts_at, R.ends_at,
         R.item_category, R.item_description, R.intended_thank_you_jpy)  # fmt: skip


@cache
def _statement(*, paged: bool) -> Select[Any]:
    """Built once; ``paged``: after the (distance_m, id) of the previous page's last row."""
    public_point = func.ST_GeogFromText(P("public_home"))
    distance = _rounded(func.ST_Distance(func.ST_GeogFromText(P("origin")), R.public_location))
    connected, certified, member = _connected(), _certified(), _member()
    fof, neighbour = _friend_of_friend(), _neighbour_certified()
    tier = case(
        (and_(connected, certified), 0),
        (connected, 1),
        (certified, 2),
        (member, 3),
        (fof, 4),
        else_=5,
    )
    # Within the radius; a widening request on its neighbouring rung reaches supporters
    # certified in a neighbouring community within twice it (requests/ladder.py).
    wide_radius = func.least(R.radius_m * WIDE_FACTOR, MAX_WIDE_RADIUS_M)

    # What the answer shows of the requester, the community and the children, in the
    # same round trip (evaluated for the rows of the page only, after the sort).
    requester_name = select(User.display_name).where(User.id == R.requester_id)
    community_name = select(Community.name).where(Community.id == R.community_id)
    births = (
        select(func.array_agg(Child.birth_date))
        .join(ShareRequestChild, ShareRequestChild.child_id == Child.id)
        .where(ShareRequestChild.request_id == R.id, Child.deleted_at.is_(None))
    )
    query = (
        select(
            R,
            tier.label("tier"),
            distance.label("distance_m"),
            requester_name.scalar_subquery().label("requester_name"),
            community_name.scalar_subquery().label("community_name"),
            births.scalar_subquery().label("child_births"),
        )
        .options(load_only(*SHOWN))
        .where(
            # The literal matches the partial index's predicate, so the planner may use
            # ix_share_requests_open_reach whatever plan it caches.
            R.status == literal_column("'open'"),
            R.starts_at > P("now"),  # effectively open (requests/status.py): not started
            # Through ix_share_requests_open_reach: only requests whose reach covers me
            # (or ix_share_requests_wide_reach: widening ones on the neighbouring rung).
            or_(
                R.reach.op("&&")(public_point),
                and_(
                    _rung(NEIGHBOURING),
                    func.ST_DWithin(R.public_location, public_point, MAX_WIDE_RADIUS_M, False),
                ),
            ),
            R.requester_id != P("me"),
            R.household_id != P("household"),
            ~blocked_either_way(R.requester_id, P("me")),
            or_(
                # As in candidates.py: the same test, so the same boundary.
                and_(
                    func.ST_DWithin(public_point, R.public_location, R.radius_m, False),
                    or_(connected, certified, member, fof),
                ),
                and_(
                    func.ST_DWithin(public_point, R.public_location, wide_radius, False),
                    neighbour,
                ),
            ),
            ~_busy(),
        )
        .order_by(distance, R.id)
        .limit(P("limit"))
    )
    if paged:
        query = query.where(tuple_(distance, R.id) > tuple_(P("after_m"), P("after_id")))
    return query


def _wkt(point: LatLng) -> str:
    return f"SRID=4326;POINT({point.lng!r} {point.lat!r})"


def feed_query(
    user_id: uuid.UUID,
    household_id: uuid.UUID,
    home: LatLng,
    public_home: LatLng,
    *,
    origin: LatLng | None = None,
    now: datetime | None = None,
    after: tuple[int, uuid.UUID] | None = None,
    limit: int = 20,
) -> Query:
    """Rows ``(ShareRequest, tier, distance_m)`` of the requests ``user_id`` (living at
    ``home``, public point ``public_home``) is a candidate for, by rounded distance from
    ``origin`` (default: home) to their public locations, then id; ``after`` is the
    (distance_m, id) of the last row of the previous page."""
    params: dict[str, Any] = {
        "me": user_id,
        "household": household_id,
        "public_home": _wkt(public_home),
        "origin": _wkt(origin or home),
        "now": now or datetime.now(UTC),
        "limit": limit,
    }
    if after is not None:
        params["after_m"], params["after_id"] = after
    return Query(_statement(paged=after is not None), params)


def _after(cursor: str | None) -> tuple[int, uuid.UUID] | None:
    if not cursor:
        return None
    distance, ident = decode_cursor(cursor, 2)
    if isinstance(distance, bool) or not isinstance(distance, int):
        raise invalid_cursor()
    if not 0 <= distance <= FARTHEST_M:
        raise invalid_cursor()
    try:
        return distance, uuid.UUID(ident)
    except (ValueError, TypeError, AttributeError) as exc:
        raise invalid_cursor() from exc


def supporter_feed(
    actor: Actor,
    *,
    position: LatLng | None = None,
    limit: int = 20,
    cursor: str | None = None,
    now: datetime | None = None,
) -> Page[dict[str, Any]]:
    """Open requests I may offer on, nearest first. Candidacy is always judged from my home;
    ``position`` (where I am now) only changes the distances shown and the order."""
    user = require_user(actor)
    home, public_home = latlng_of(user.home), latlng_of(user.public_home)
    if home is None or public_home is None:
        raise Forbidden("home_required")
    rows = feed_query(
        user.id,
        user.household_id,
        home,
        public_home,
        origin=position,
        now=now,
        after=_after(cursor),
        limit=limit + 1,
    ).rows()
    page = page_of(rows, limit, lambda last: [last.distance_m, last.ShareRequest.id])
    # A friend of a friend knows the requester only as "a friend of <intermediary>".
    via = intermediaries(user.id, [r.ShareRequest.requester_id for r in page.items if r.tier == 4])
    return page.map(lambda items: feed_views(items, via))
