"""Communities, their members and coordinators, certified supporters and events.

- One community per station neighbourhood: stations are taken busiest first; a station
  inside an area already there (a community of the database, e.g. the demo's 浦和 and
  大宮, or one made here) joins it, any other gets a new community, an octagon around it
  (0.9-1.6 km, shrunk until it lies inside the municipality).
- 30-60 % of a community's households (the rate varies by community) join it soon after
  signing up, the second parent half the time; one or two early members are appointed
  coordinators.
- About 0.5 % of all adults hold a certification valid now (pickup, babysitting,
  lending in the usual combinations), granted by a coordinator of the community, renewed
  as they came due; a quarter as many again have expired and a few were revoked, with
  their history (``certification_changes``) as the app writes it.
- One or two events a month per community, at a community centre or park near the
  station, attended by members who had joined by then; a few meet new acquaintances there
  (graph.py makes those connections, with the event). Next month's events are announced.
- The audit log gets what the services would have written: communities created and
  coordinators appointed by an operator, certifications and events by coordinators.
"""

from __future__ import annotations

import math
import random
import uuid
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from otagai.domain.trust.certification_rules import add_years, canonical_kinds
from otagai.seeding.synthetic import names
from otagai.seeding.synthetic.clock import (
    DAY,
    HISTORY,
    HOUR,
    MINUTE,
    Clock,
    at,
    day_start,
    tokyo_day,
)
from otagai.seeding.synthetic.geography import Boundary, Town, octagon, ring_inside
from otagai.seeding.synthetic.people import People
from otagai.seeding.synthetic.randomness import Weighted, between, pick, poisson, stream, uuid4_int

CERTIFIED_SHARE = 0.005
EXPIRED_PER_VALID = 0.25
REVOKED_PER_VALID = 0.08
KIND_SETS = Weighted(
    (
        ("pickup", "babysitting"),
        ("pickup",),
        ("babysitting",),
        ("pickup", "babysitting", "lending"),
        ("lending",),
        ("babysitting", "lending"),
    ),
    (40, 18, 14, 12, 10, 6),
)
EVENTS_PER_MONTH = Weighted((0, 1, 2), (10, 65, 25))
# Saturday or Sunday mornings and afternoons, mostly.
EVENT_STARTS = (10 * 3600, 10 * 3600 + 1800, 13 * 3600 + 1800, 14 * 3600)


@dataclass(frozen=True)
class ExistingCommunity:
    """A community of the municipality already in the database."""

    id: int
    name: str
    area: Boundary


@dataclass
class CommunityPlan:
    id: int
    name: str
    lng: float
    lat: float
    station: str
    # None for a community that exists already.
    ring: tuple[tuple[float, float], ...] | None
    description: str | None = None
    created: int = 0
    members: list[int] = field(default_factory=list)  # users, by the time they joined
    joined: list[int] = field(default_factory=list)
    coordinators: list[int] = field(default_factory=list)


@dataclass
class Certification:
    id: int
    community: int
    user: int
    kinds: tuple[str, ...]
    trained_on: int  # date ordinals
    expires_on: int
    granted_by: int
    granted_at: int
    revoked_at: int | None = None
    revoked_by: int | None = None
    revoke_reason: str | None = None
    # (id, action, actor, at, details)
    changes: list[tuple[int, str, int, int, dict[str, Any]]] = field(default_factory=list)

    def valid_on(self, day: int) -> bool:
        """Certification.valid_on, on Tokyo day ordinals."""
        return tokyo_day(self.granted_at) <= day <= self.expires_on and (
            self.revoked_at is None or tokyo_day(self.revoked_at) > day
        )


@dataclass
class Event:
    id: int
    community: int
    title: str
    starts_at: int
    ends_at: int
    lng: float
    lat: float
    place_name: str
    created_by: int
    created: int
    attendees: list[tuple[int, int]] = field(default_factory=list)  # (user, recorded_at)


@dataclass
class Audit:
    id: int
    at: int
    actor: int | None  # a user, or None for the (synthetic) operator
    role: str
    action: str
    target_type: str
    target_id: str
    community: int | None
    details: dict[str, Any]


@dataclass
class Trust:
    communities: list[CommunityPlan]
    station_community: list[int]
    user_community: array[int]  # -1: none
    user_joined: array[int]
    certifications: list[Certification]
    events: list[Event]
    audit: list[Audit]

    def members(self) -> int:
        return sum(len(c.members) for c in self.communities)


def _place_communities(
    rng: random.Random, town: Town, existing: list[ExistingCommunity], clock: Clock
) -> tuple[list[CommunityPlan], list[int]]:
    plane = town.plane
    heaviest = max(s.weight for s in town.stations)
    communities = [
        CommunityPlan(c.id, c.name, 0.0, 0.0, "", None, created=clock.start - HISTORY)
        for c in existing
    ]
    areas: list[Boundary | None] = [c.area for c in existing]
    station_community = [-1] * len(town.stations)
    for index in sorted(range(len(town.stations)), key=lambda i: -town.stations[i].weight):
        station = town.stations[index]
        for number, area in enumerate(areas):
            if area is not None and area.contains(station.lng, station.lat):
                station_community[index] = number
                if not communities[number].station:
                    communities[number].station = station.name
                    communities[number].lng, communities[number].lat = station.lng, station.lat
                break
        if station_community[index] >= 0:
            continue
        radius = 900 + 700 * math.sqrt(station.weight / heaviest)
        ring = octagon(plane, station.lng, station.lat, radius)
        while not ring_inside(town.boundary, ring) and radius > 250:
            radius *= 0.85
            ring = octagon(plane, station.lng, station.lat, radius)
        station_community[index] = len(communities)
        communities.append(
            CommunityPlan(
                id=uuid4_int(rng),
                name=pick(rng, names.COMMUNITY_NAMES).format(station.name),
                lng=station.lng,
                lat=station.lat,
                station=station.name,
                ring=ring,
                description=names.COMMUNITY_DESCRIPTION.format(station.name),
                created=clock.start - HISTORY - between(rng, 30 * DAY, 90 * DAY),
            )
        )
        areas.append(Boundary([[ring]]))
    return communities, station_community


def _join(rng: random.Random, since: int, clock: Clock) -> int:
    return min(clock.now - MINUTE, since + int(rng.expovariate(1 / (20 * DAY))) + HOUR)


def _memberships(
    rng: random.Random,
    people: People,
    communities: list[CommunityPlan],
    station_community: list[int],
    clock: Clock,
) -> tuple[array[int], array[int]]:
    user_community = array("i", [-1]) * people.users
    user_joined = array("q", [0]) * people.users
    rates = [rng.uniform(0.3, 0.6) for _ in communities]
    for household in range(people.households):
        community = station_community[people.household_station[household]]
        if rng.random() >= rates[community]:
            continue
        for n, user in enumerate(people.users_of(household)):
            if n > 0 and rng.random() >= 0.5:
                continue
            user_community[user] = community
            user_joined[user] = _join(rng, people.user_created[user], clock)
    joined_by: list[list[tuple[int, int]]] = [[] for _ in communities]
    for user in range(people.users):
        if user_community[user] >= 0:
            joined_by[user_community[user]].append((user_joined[user], user))
    for plan, pairs in zip(communities, joined_by, strict=True):
        pairs.sort()
        plan.joined = [t for t, _ in pairs]
        plan.members = [u for _, u in pairs]
    return user_community, user_joined


def _coordinators(rng: random.Random, trust: Trust, people: People, clock: Clock) -> None:
    for number, community in enumerate(trust.communities):
        if not community.members:
            continue
        wanted = 2 if len(community.members) >= 40 else 1
        early = community.members[: max(wanted, len(community.members) // 10)]
        for user in rng.sample(early, min(wanted, len(early))):
            community.coordinators.append(user)
            appointed = min(
                clock.now - MINUTE, trust.user_joined[user] + between(rng, DAY, 30 * DAY)
            )
            trust.audit.append(
                Audit(
                    uuid4_int(rng),
                    appointed,
                    None,
                    "operator",
                    "coordinator.appoint",
                    "user",
                    uuid_str(people.user_ids[user]),
                    number,
                    {"previous_role": "member"},
                )
            )


def uuid_str(value: int) -> str:
    return str(uuid.UUID(int=value))


def _terms(kinds: tuple[str, ...], trained_on: int, expires_on: int) -> dict[str, Any]:
    return {
        "kinds": list(kinds),
        "trained_on": date.fromordinal(trained_on).isoformat(),
        "expires_on": date.fromordinal(expires_on).isoformat(),
    }


def _add_years(day: int, years: int) -> int:
    return add_years(date.fromordinal(day), years).toordinal()


def _certify(
    rng: random.Random,
    trust: Trust,
    people: People,
    number: int,
    user: int,
    state: str,
    clock: Clock,
) -> Certification | None:
    community = trust.communities[number]
    grantors = [c for c in community.coordinators if c != user]
    if not grantors:
        return None
    today = clock.today
    earliest = max(trust.user_joined[user] + 14 * DAY, clock.now - 3 * 365 * DAY)
    latest = {
        "valid": clock.now - DAY,
        "expired": clock.now - 400 * DAY,
        "revoked": clock.now - 30 * DAY,
    }[state]
    if latest <= earliest:
        if state != "valid" or clock.now - DAY <= trust.user_joined[user]:
            return None
        earliest = trust.user_joined[user]
    granted_at = between(rng, earliest, latest)
    granted_at = granted_at - granted_at % (15 * MINUTE)
    trained_on = tokyo_day(granted_at) - between(rng, 0, 30)
    expires_on = _add_years(trained_on, 1)
    kinds = tuple(canonical_kinds(KIND_SETS.draw(rng)))
    grantor = pick(rng, grantors)
    certification = Certification(
        uuid4_int(rng), number, user, kinds, trained_on, expires_on, grantor, granted_at
    )
    certification.changes.append(
        (uuid4_int(rng), "granted", grantor, granted_at, _terms(kinds, trained_on, expires_on))
    )
    if state == "valid":
        while certification.expires_on <= today:
            renewed = day_start(certification.expires_on) - between(rng, 0, 30) * DAY + 18 * HOUR
            renewed = max(renewed, certification.changes[-1][3] + DAY)
            renewed_day = tokyo_day(renewed)
            previous = _terms(kinds, certification.trained_on, certification.expires_on)
            trained = certification.trained_on
            cap = _add_years(trained, 3)
            expires = min(_add_years(max(renewed_day, certification.expires_on), 1), cap)
            if expires <= certification.expires_on or expires <= renewed_day:
                trained = renewed_day - between(rng, 0, 10)
                expires = _add_years(max(renewed_day, certification.expires_on), 1)
            certification.trained_on, certification.expires_on = trained, expires
            actor = pick(rng, grantors)
            certification.changes.append(
                (
                    uuid4_int(rng),
                    "renewed",
                    actor,
                    renewed,
                    {**_terms(kinds, trained, expires), "previous": previous},
                )
            )
    elif state == "revoked":
        revoked_at = between(rng, granted_at + 14 * DAY, clock.now - DAY)
        certification.revoked_at = revoked_at
        certification.revoked_by = pick(rng, grantors)
        certification.revoke_reason = pick(rng, names.REVOKE_REASONS)
        certification.changes.append(
            (
                uuid4_int(rng),
                "revoked",
                certification.revoked_by,
                revoked_at,
                {"reason": certification.revoke_reason},
            )
        )
    verbs = {"granted": "grant", "renewed": "renew", "revoked": "revoke"}
    for _change, action, actor, when, details in certification.changes:
        trust.audit.append(
            Audit(
                uuid4_int(rng),
                when,
                actor,
                "coordinator",
                f"certification.{verbs[action]}",
                "certification",
                uuid_str(certification.id),
                number,
                {"user_id": uuid_str(people.user_ids[user]), **details},
            )
        )
    return certification


def _certifications(rng: random.Random, trust: Trust, people: People, clock: Clock) -> None:
    total_members = trust.members() or 1
    target = max(1, round(CERTIFIED_SHARE * people.users))
    for number, community in enumerate(trust.communities):
        share = len(community.members) / total_members
        wanted = {
            "valid": _round(rng, target * share),
            "expired": _round(rng, target * share * EXPIRED_PER_VALID),
            "revoked": _round(rng, target * share * REVOKED_PER_VALID),
        }
        ready = [u for u in community.members if trust.user_joined[u] < clock.now - 7 * DAY]
        chosen = rng.sample(ready, min(len(ready), sum(wanted.values())))
        states = [s for s, n in wanted.items() for _ in range(n)]
        for user, state in zip(chosen, states, strict=False):
            certification = _certify(rng, trust, people, number, user, state, clock)
            if certification is not None:
                trust.certifications.append(certification)


def _round(rng: random.Random, value: float) -> int:
    """Randomized rounding: unbiased, so small communities add up to the target."""
    whole = int(value)
    return whole + (rng.random() < value - whole)


def _events(rng: random.Random, trust: Trust, people: People, town: Town, clock: Clock) -> None:
    plane = town.plane
    starts = clock.month_starts()
    # The window's months, and the month after (announced events).
    months = list(zip(starts, [*starts[1:], starts[-1] + 31 * DAY], strict=True))
    for number, community in enumerate(trust.communities):
        if not community.coordinators:
            continue
        cx, cy = plane.xy(community.lng, community.lat)
        for first, nxt in months:
            count = EVENTS_PER_MONTH.draw(rng) + (len(community.members) > 2000)
            for _ in range(count):
                day = tokyo_day(first) + between(rng, 0, max(1, (nxt - first) // DAY))
                weekend = rng.random() < 0.7
                while (date.fromordinal(day).weekday() >= 5) != weekend:
                    day += 1
                start = day_start(day) + pick(rng, EVENT_STARTS)
                if start > clock.horizon + 31 * DAY or start < clock.start:
                    continue
                creator = pick(rng, community.coordinators)
                created = max(start - between(rng, 10, 40) * DAY, trust.user_joined[creator] + DAY)
                if created >= min(start, clock.now):
                    continue
                month = date.fromordinal(day).month
                title = names.SEASONAL_EVENTS.get(month) if rng.random() < 0.5 else None
                lng, lat = plane.lnglat(cx + rng.gauss(0, 250), cy + rng.gauss(0, 250))
                title = title or pick(rng, names.EVENT_TITLES)
                event = Event(
                    id=uuid4_int(rng),
                    community=number,
                    title=f"{community.station}の{title}",
                    starts_at=start,
                    ends_at=start + pick(rng, (90, 120, 120, 180)) * MINUTE,
                    lng=lng,
                    lat=lat,
                    place_name=pick(rng, names.EVENT_PLACES).format(community.station),
                    created_by=creator,
                    created=created,
                )
                if start < clock.now:
                    _attend(rng, trust, community, event, clock)
                trust.events.append(event)
                trust.audit.append(
                    Audit(
                        uuid4_int(rng),
                        created,
                        creator,
                        "coordinator",
                        "event.create",
                        "event",
                        uuid_str(event.id),
                        number,
                        {"title": event.title, "starts_at": at(start).isoformat()},
                    )
                )
                for user, recorded in event.attendees:
                    trust.audit.append(
                        Audit(
                            uuid4_int(rng),
                            recorded,
                            creator,
                            "coordinator",
                            "event.attendance",
                            "event",
                            uuid_str(event.id),
                            number,
                            {"user_id": uuid_str(people.user_ids[user])},
                        )
                    )


def _attend(
    rng: random.Random, trust: Trust, community: CommunityPlan, event: Event, clock: Clock
) -> None:
    came_by = bisect_right(community.joined, event.starts_at - DAY)
    if came_by == 0:
        return
    mean = min(40.0, 5 + len(community.members) / 25)
    count = min(came_by, max(2, poisson(rng, mean)))
    for user in sorted(rng.sample(community.members[:came_by], count)):
        recorded = min(clock.now - MINUTE, event.starts_at + between(rng, 5, 90) * MINUTE)
        event.attendees.append((user, recorded))


def plan_trust(
    seed: int, town: Town, people: People, existing: list[ExistingCommunity], clock: Clock
) -> Trust:
    rng = stream(seed, "communities")
    communities, station_community = _place_communities(rng, town, existing, clock)
    user_community, user_joined = _memberships(rng, people, communities, station_community, clock)
    trust = Trust(communities, station_community, user_community, user_joined, [], [], [])
    for number, community in enumerate(communities):
        if community.ring is not None:
            trust.audit.append(
                Audit(
                    uuid4_int(rng),
                    community.created,
                    None,
                    "operator",
                    "community.create",
                    "community",
                    uuid_str(community.id),
                    number,
                    {"name": community.name},
                )
            )
    _coordinators(rng, trust, people, clock)
    _certifications(rng, trust, people, clock)
    _events(rng, trust, people, town, clock)
    return trust
