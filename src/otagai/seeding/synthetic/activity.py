"""M months of life: requests, offers, matches, cancellations and thank-yous.

Who posts: members of a community (the app requires it). Households differ a lot: most
post once in a long while, some now and then, a few every week (a regular pickup), about
0.045 requests per member household and month on average.

What they ask, given their children's ages on the day:
- pickup (送迎): mostly on weekdays. A *nursery pickup* is one whose children are all of
  nursery age (0-5 on the day): 31.7 % of them start between 17:30 and 18:00 JST, imposed
  exactly (round(31.7 % x n) of them are drawn into that half hour, the rest spread over
  the morning drop-off and the afternoon and evening), so even a small town shows the
  peak. School-age pickups (6-12: after-school club, lessons) spread over 14:30-19:00.
  The child is picked up at the household's nursery or school (a few hundred metres from
  home) and brought home; a morning drop-off the other way round;
- babysitting (託児): weekday evenings, weekend days, some weekday daytimes, 1-5 hours;
- lending (モノの貸し借り): a stroller, a car seat... for 1-14 days.
Posted a few hours to two weeks ahead; requests that start in the two weeks after "now"
are posted by now, so feeds have something to show.

Who offers: candidates by the product's rules, judged from the generator's own data: the
requester's connections (made before the request), and for audience ``community`` the
community's supporters certified for the kind on the day, and for lending any member;
home within the radius, and not busy with another match at that time. The radius is
measured between true homes with the public points' worst case taken off (680 m: each
public point is at most 340 m from its true point), so whoever offers here is a
candidate by the app's own query too, and an open request's pending offers can be
accepted through the API.

What happens: most requests with candidates get one to a few offers; the requester
accepts one (a connection before a stranger), the other offers are declined, a few were
withdrawn; ~85 % of pickups and babysittings are matched. Unmatched past requests are
expired (their pending offers declined, as the expiry job does), a few are cancelled by
the requester. Of past matches ~92 % were completed, ~5 % cancelled by either party with
a reason (the request with them), a few never marked done. Completed matches mostly get a
cash thank-you (500-700 JPY per started hour for pickup and babysitting, anything for
lending, 0 included), most acknowledged by the supporter. Each match carries the insurance
tag the app computes (``insurance.tagging.compute_tag`` on the policies in the database;
``no_active_policy`` without one).

Card thank-yous are left out: they would point at Stripe payments that do not exist.
No outbox events are written: the history is not news to anybody.
"""

from __future__ import annotations

import json
import math
import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import islice

from otagai.domain.insurance.tagging import (
    ChildFacts,
    MatchFacts,
    PolicyTerms,
    compute_tag,
    policy_in_force,
)
from otagai.seeding.synthetic import names
from otagai.seeding.synthetic.clock import DAY, HOUR, MINUTE, Clock, at, day_start, tokyo_day
from otagai.seeding.synthetic.communities import Certification, Trust
from otagai.seeding.synthetic.geography import Town
from otagai.seeding.synthetic.graph import Graph
from otagai.seeding.synthetic.people import People, age_on
from otagai.seeding.synthetic.randomness import (
    Weighted,
    between,
    pick,
    poisson,
    stream,
    uuid4_int,
)

# Requests per member household and month, by how often a household asks.
POSTING_RATES = Weighted((0.004, 0.1, 0.45), (75, 20, 5))
MONTH = 30.44 * DAY
NURSERY_PEAK_SHARE = 0.317
NURSERY_AGES = range(6)
SCHOOL_AGES = range(6, 13)
BABYSITTING_AGES = range(10)
# The public points' worst case (people/places.py: MAX_OFFSET_M on each end).
PUBLIC_POINT_SLACK_M = 680
KIND_WEIGHTS = {"pickup": 50, "babysitting": 30, "lending": 20}
RADII = {
    "pickup": Weighted((2000, 1500, 3000, 1000), (80, 8, 8, 4)),
    "babysitting": Weighted((2000, 1500, 3000, 1000), (80, 8, 8, 4)),
    "lending": Weighted((5000, 3000, 10000), (80, 12, 8)),
}
COMMUNITY_AUDIENCE_SHARE = 0.85
# Start times, minutes after midnight JST: (first, last, weight) in 15-minute slots.
NURSERY_OFF_PEAK = [
    (7 * 60 + 30, 8 * 60 + 45, 7.3),  # morning drop-off (送り)
    (15 * 60, 15 * 60 + 45, 5),
    (16 * 60, 16 * 60 + 45, 12),
    (17 * 60, 17 * 60 + 15, 15),
    (18 * 60, 18 * 60 + 15, 20),
    (18 * 60 + 30, 19 * 60 + 15, 9),
]
NURSERY_PEAK = (17 * 60 + 30, 17 * 60 + 45)
SCHOOL_TIMES = [
    (14 * 60 + 30, 15 * 60 + 15, 15),
    (15 * 60 + 30, 16 * 60 + 15, 25),
    (16 * 60 + 30, 17 * 60 + 15, 25),
    (17 * 60 + 30, 18 * 60 + 15, 25),
    (18 * 60 + 30, 18 * 60 + 45, 10),
]
MORNING_END = 9 * 60
LEAD = {
    "pickup": Weighted(((2 * HOUR, 12 * HOUR), (DAY, 3 * DAY), (3 * DAY, 10 * DAY)), (30, 45, 25)),
    "babysitting": Weighted(((6 * HOUR, DAY), (DAY, 5 * DAY), (5 * DAY, 14 * DAY)), (15, 55, 30)),
    "lending": Weighted(((3 * HOUR, DAY), (DAY, 4 * DAY), (4 * DAY, 8 * DAY)), (25, 55, 20)),
}
OFFERS = Weighted((1, 2, 3, 4, 5), (45, 28, 15, 8, 4))
NO_RESPONSE = 0.06
NO_DECISION = 0.03
REQUEST_CANCELLED = 0.04
OFFER_WITHDRAWN = 0.05
MATCH_CANCELLED = 0.05
NEVER_COMPLETED = 0.03
THANKED = {"pickup": 0.8, "babysitting": 0.8, "lending": 0.55}
ACKNOWLEDGED = 0.75
HOURLY_RATE = Weighted((500, 600, 700, 1000), (45, 25, 22, 8))
LENDING_THANKS = Weighted((0, 300, 500, 1000, 2000), (35, 15, 30, 15, 5))
CANDIDATE_SAMPLE = 12
TIER_WEIGHT = {"connection_certified": 4.0, "connection": 3.0, "certified": 2.0, "member": 1.0}
TIER_RANK = {"connection_certified": 0, "connection": 1, "certified": 2, "member": 3}


@dataclass(slots=True)
class Request:
    id: int
    requester: int
    household: int
    community: int
    kind: str
    day: int
    children: list[int]
    subtype: str = ""  # nursery | morning | school (pickups)
    title: str = ""
    details: str | None = None
    starts_at: int = 0
    ends_at: int = 0
    location: tuple[float, float] = (0.0, 0.0)  # lng, lat
    dropoff: tuple[float, float] | None = None
    item_category: str | None = None
    item_description: str | None = None
    audience: str = "community"
    radius_m: int = 2000
    intended_jpy: int | None = None
    status: str = "open"
    cancel_reason: str | None = None
    cancelled_at: int | None = None
    created: int = 0
    matched_at: int | None = None
    offers: list[Offer] = field(default_factory=list)
    match: Match | None = None


@dataclass(slots=True)
class Offer:
    id: int
    supporter: int
    created: int
    note: str | None
    status: str = "pending"
    decided_at: int | None = None


@dataclass(slots=True)
class Match:
    id: int
    offer: Offer
    created: int
    insurance: str
    insured: bool
    status: str = "confirmed"
    completed_at: int | None = None
    cancelled_at: int | None = None
    cancelled_by: int | None = None
    cancel_reason: str | None = None
    thank_you: ThankYou | None = None


@dataclass(slots=True)
class ThankYou:
    id: int
    amount_jpy: int
    created: int
    status: str = "recorded"
    acknowledged_at: int | None = None


@dataclass
class Activity:
    requests: list[Request]

    def offers(self) -> int:
        return sum(len(r.offers) for r in self.requests)

    def matches(self) -> int:
        return sum(r.match is not None for r in self.requests)

    def thank_yous(self) -> int:
        return sum(r.match is not None and r.match.thank_you is not None for r in self.requests)

    def request_children(self) -> int:
        return sum(len(r.children) for r in self.requests)


def _slots(spans: Sequence[tuple[int, int, float]]) -> Weighted[int]:
    minutes, weights = [], []
    for first, last, weight in spans:
        slots = range(first, last + 1, 15)
        minutes += list(slots)
        weights += [weight / len(slots)] * len(slots)
    return Weighted(minutes, weights)


NURSERY_OFF_PEAK_SLOTS = _slots(NURSERY_OFF_PEAK)


@cache
def _kinds(kinds: tuple[str, ...]) -> Weighted[str]:
    return Weighted(kinds, [KIND_WEIGHTS[k] for k in kinds])


SCHOOL_SLOTS = _slots(SCHOOL_TIMES)


class Simulation:
    def __init__(
        self,
        seed: int,
        town: Town,
        people: People,
        trust: Trust,
        graph: Graph,
        clock: Clock,
        policies: list[PolicyTerms],
    ) -> None:
        self.rng = stream(seed, "activity")
        self.town, self.people, self.trust, self.graph, self.clock = (
            town,
            people,
            trust,
            graph,
            clock,
        )
        self.policies = policies
        self.plane = town.plane
        # The spans of each user's live matches. As a supporter they never overlap (nobody
        # busy is a candidate): sorted starts and the matching ends, searched by bisection.
        # As a requester they may (the app lets a busy parent ask for help), and are few.
        self.supporting: dict[int, tuple[list[int], list[int]]] = {}
        self.requesting: dict[int, list[tuple[int, int]]] = {}
        self.places: dict[tuple[int, str], tuple[float, float]] = {}
        self.certified: dict[tuple[int, str], list[Certification]] = {}
        for certification in trust.certifications:
            for kind in certification.kinds:
                self.certified.setdefault((certification.community, kind), []).append(certification)
        self.certified_users = {
            (c.community, c.user): c for c in trust.certifications if c.revoked_at is None
        }

    # --- what is asked -----------------------------------------------------------------

    def plan(self) -> Activity:
        people, trust, clock, rng = self.people, self.trust, self.clock, self.rng
        requests: list[Request] = []
        for household in range(people.households):
            posters = [u for u in people.users_of(household) if trust.user_community[u] >= 0]
            if not posters:
                continue
            rate = POSTING_RATES.draw(rng)
            since = max(clock.start, min(trust.user_joined[u] for u in posters) + DAY)
            if since >= clock.now - HOUR:
                continue
            last_day = tokyo_day(clock.horizon)
            for _ in range(poisson(rng, rate * (clock.horizon - since) / MONTH)):
                # Mostly the parent who joined first; a request never predates its
                # requester's membership.
                requester = posters[-1] if len(posters) > 1 and rng.random() < 0.25 else posters[0]
                joined = max(clock.start, trust.user_joined[requester] + DAY)
                first_day = tokyo_day(joined) + 1
                if joined >= clock.now - HOUR or first_day >= last_day:
                    continue
                request = self._ask(household, requester, first_day, last_day)
                if request is not None:
                    requests.append(request)
        self._start_times(requests)
        for request in requests:
            self._post(request)
        requests.sort(key=lambda r: r.created)
        for request in requests:
            self._resolve(request)
        return Activity(requests)

    def _children(self, household: int, day: int) -> dict[str, list[int]]:
        people = self.people
        ready = day_start(day) - 14 * DAY
        groups: dict[str, list[int]] = {"nursery": [], "school": [], "young": []}
        for child in people.children_of(household):
            if people.child_created[child] > ready or people.child_birth[child] > day:
                continue
            age = age_on(people.child_birth[child], day)
            if age in NURSERY_AGES:
                groups["nursery"].append(child)
            if age in SCHOOL_AGES:
                groups["school"].append(child)
            if age in BABYSITTING_AGES:
                groups["young"].append(child)
        return groups

    def _ask(self, household: int, requester: int, first_day: int, last_day: int) -> Request | None:
        rng = self.rng
        for _attempt in range(8):
            day = between(rng, first_day, last_day)
            groups = self._children(household, day)
            kinds = [
                k
                for k in KIND_WEIGHTS
                if k == "lending"
                or (k == "pickup" and (groups["nursery"] or groups["school"]))
                or (k == "babysitting" and groups["young"])
            ]
            kind = _kinds(tuple(kinds)).draw(rng)
            weekend = date.fromordinal(day).weekday() >= 5
            if kind == "pickup" and weekend and rng.random() < 0.92:
                continue
            break
        else:
            return None
        request = Request(
            id=uuid4_int(rng),
            requester=requester,
            household=household,
            community=self.trust.user_community[requester],
            kind=kind,
            day=day,
            children=[],
        )
        if kind == "pickup":
            nursery, school = groups["nursery"], groups["school"]
            if nursery and (not school or rng.random() < 0.6):
                request.subtype = "nursery"
                request.children = self._some(nursery)
            else:
                request.subtype = "school"
                request.children = self._some(school)
        elif kind == "babysitting":
            request.children = self._some(groups["young"])
        return request

    def _some(self, children: list[int]) -> list[int]:
        if len(children) > 1 and self.rng.random() < 0.4:
            return list(children)
        return [pick(self.rng, children)]

    def _start_times(self, requests: list[Request]) -> None:
        """Minutes after midnight for each request; for nursery pickups, exactly
        round(31.7 %) of them in 17:30-18:00."""
        rng = self.rng
        nursery = [r for r in requests if r.subtype == "nursery"]
        peak = set(map(id, rng.sample(nursery, round(NURSERY_PEAK_SHARE * len(nursery)))))
        for request in requests:
            if request.subtype == "nursery":
                if id(request) in peak:
                    minutes = pick(rng, NURSERY_PEAK)
                else:
                    minutes = NURSERY_OFF_PEAK_SLOTS.draw(rng)
                    if minutes < MORNING_END:
                        request.subtype = "morning"
                length = (
                    pick(rng, (30, 45)) if minutes < MORNING_END else 15 * between(rng, 4, 10 + 1)
                )
            elif request.subtype == "school":
                minutes, length = SCHOOL_SLOTS.draw(rng), 15 * between(rng, 2, 8 + 1)
            elif request.kind == "babysitting":
                weekday = date.fromordinal(request.day).weekday() < 5
                if weekday and rng.random() < 0.6:
                    minutes = 17 * 60 + 30 * between(rng, 0, 6)
                else:
                    minutes = 9 * 60 + 30 * between(rng, 0, 15)
                length = 30 * between(rng, 2, 10 + 1)
            else:
                minutes, length = 60 * between(rng, 9, 20 + 1), between(rng, 1, 14 + 1) * 24 * 60
            request.starts_at = day_start(request.day) + minutes * MINUTE
            request.ends_at = request.starts_at + length * MINUTE

    # --- how it is posted --------------------------------------------------------------

    def _place(self, household: int, what: str) -> tuple[float, float]:
        """The household's nursery or school: one point each, a few hundred metres away."""
        key = (household, what)
        if key not in self.places:
            people, plane = self.people, self.plane
            bearing = self.rng.uniform(0, 2 * math.pi)
            reach = self.rng.uniform(200, 900 if what == "nursery" else 1200)
            lng, lat = plane.lnglat(
                people.home_x[household] + reach * math.cos(bearing),
                people.home_y[household] + reach * math.sin(bearing),
            )
            if not self.town.boundary.contains(lng, lat):
                lng, lat = people.home_lng[household], people.home_lat[household]
            self.places[key] = (lng, lat)
        return self.places[key]

    def _post(self, request: Request) -> None:
        rng, people, clock = self.rng, self.people, self.clock
        household = request.household
        home = (people.home_lng[household], people.home_lat[household])
        nick = people.child_nicknames[request.children[0]] if request.children else ""
        if request.kind == "pickup":
            facility = self._place(
                household, "school" if request.subtype == "school" else "nursery"
            )
            if request.subtype == "morning":
                request.location, request.dropoff = home, facility
                request.title = pick(rng, names.NURSERY_DROPOFF_TITLES).format(nick)
            else:
                request.location, request.dropoff = facility, home
                titles = (
                    names.SCHOOL_PICKUP_TITLES
                    if request.subtype == "school"
                    else names.NURSERY_PICKUP_TITLES
                )
                request.title = pick(rng, titles).format(nick)
            request.details = pick(rng, names.PICKUP_DETAILS) if rng.random() < 0.6 else None
        elif request.kind == "babysitting":
            request.location = home
            request.title = pick(rng, names.BABYSITTING_TITLES).format(nick)
            request.details = pick(rng, names.BABYSITTING_DETAILS) if rng.random() < 0.5 else None
        else:
            request.location = home
            category = Weighted(list(names.LENDING), list(names.LENDING_WEIGHTS.values())).draw(rng)
            request.item_category = category
            request.title, request.item_description = names.LENDING[category]
        request.audience = "community" if rng.random() < COMMUNITY_AUDIENCE_SHARE else "connections"
        request.radius_m = RADII[request.kind].draw(rng)
        hours = -(-(request.ends_at - request.starts_at) // HOUR)
        if request.kind == "lending":
            request.intended_jpy = pick(rng, (None, None, 0, 300, 500, 1000))
        elif rng.random() < 0.7:
            request.intended_jpy = hours * pick(rng, (500, 600, 700))
        low, high = LEAD[request.kind].draw(rng)
        posted = request.starts_at - between(rng, low, high)
        if request.starts_at > clock.now:
            posted = min(posted, clock.now - between(rng, 10 * MINUTE, 2 * DAY))
        earliest = max(self.clock.start, self.trust.user_joined[request.requester])
        request.created = min(
            max(posted, earliest + MINUTE), request.starts_at - 30 * MINUTE, clock.now - MINUTE
        )

    # --- who offers, who is chosen, what happens ---------------------------------------

    def _free(self, user: int, request: Request) -> bool:
        """No live match of theirs, on either side, overlaps the request (rule 5)."""
        s, e = request.starts_at, request.ends_at
        if any(s < end and start < e for start, end in self.requesting.get(user, ())):
            return False
        diary = self.supporting.get(user)
        if diary is None:
            return True
        starts, ends = diary
        before = bisect_left(starts, e) - 1
        return before < 0 or ends[before] <= s

    def _tier(self, user: int, request: Request, connected: bool) -> str:
        certification = self.certified_users.get((request.community, user))
        certified = (
            request.audience == "community"
            and certification is not None
            and request.kind in certification.kinds
            and certification.valid_on(request.day)
            and certification.granted_at <= request.created
        )
        if connected:
            return "connection_certified" if certified else "connection"
        return "certified" if certified else "member"

    def _candidates(self, request: Request) -> dict[int, str]:
        people, trust, graph, rng = self.people, self.trust, self.graph, self.rng
        x, y = self.plane.xy(*request.location)
        reach = max(300, request.radius_m - PUBLIC_POINT_SLACK_M) ** 2

        household_of, home_x, home_y = people.user_household, people.home_x, people.home_y

        def near(user: int) -> bool:
            h = household_of[user]
            dx, dy = home_x[h] - x, home_y[h] - y
            return dx * dx + dy * dy <= reach

        found: dict[int, str] = {}
        u = request.requester
        for i in range(graph.offsets[u], graph.offsets[u + 1]):
            v = graph.neighbours[i]
            if graph.since[i] <= request.created and near(v):
                found[v] = self._tier(v, request, connected=True)
        if request.audience == "community":
            pool = self.certified.get((request.community, request.kind), [])
            for _ in range(min(len(pool), CANDIDATE_SAMPLE)):
                certification = pick(rng, pool)
                v = certification.user
                if (
                    v not in found
                    and certification.valid_on(request.day)
                    and certification.granted_at <= request.created
                    and near(v)
                ):
                    found[v] = "certified"
            if request.kind == "lending":
                community = trust.communities[request.community]
                joined = bisect_right(community.joined, request.created)
                for _ in range(min(joined, CANDIDATE_SAMPLE)):
                    v = community.members[between(rng, 0, joined)]
                    if v not in found and near(v):
                        found[v] = self._tier(v, request, connected=False)
        household = request.household
        return {
            v: tier
            for v, tier in found.items()
            if people.user_household[v] != household and people.user_created[v] < request.created
        }

    def _resolve(self, request: Request) -> None:
        rng, clock = self.rng, self.clock
        past = request.starts_at <= clock.now
        # The requester may cancel before anybody is chosen.
        cancel_at = None
        if rng.random() < REQUEST_CANCELLED:
            cancel_at = between(
                rng,
                request.created + MINUTE,
                max(request.created + 2 * MINUTE, min(request.starts_at, clock.now)),
            )
        candidates = self._candidates(request)
        offers: list[Offer] = []
        if candidates and rng.random() >= NO_RESPONSE:
            wanted = OFFERS.draw(rng)
            # Who responds: a weighted draw without replacement (connections likelier),
            # of those not busy then (rule 5).
            keyed = sorted(
                candidates, key=lambda v: -(rng.random() ** (1 / TIER_WEIGHT[candidates[v]]))
            )
            offering = list(islice((v for v in keyed if self._free(v, request)), wanted))
            window = max(MINUTE, request.starts_at - request.created - 10 * MINUTE)
            for v in offering:
                delay = min(int(rng.expovariate(1 / (3 * HOUR))), int(window * 0.7)) + MINUTE
                note = pick(rng, names.OFFER_NOTES) if rng.random() < 0.5 else None
                offers.append(Offer(uuid4_int(rng), v, request.created + delay, note))
            offers.sort(key=lambda o: o.created)
        decide_at = None
        if offers and rng.random() >= NO_DECISION:
            # Soon when the help is soon; with days to go, some wait for more offers.
            patience = max(6 * HOUR, (request.starts_at - offers[0].created) // 2)
            decide_at = min(
                offers[0].created + between(rng, 10 * MINUTE, patience),
                request.starts_at - 5 * MINUTE,
            )
            decide_at = max(decide_at, offers[0].created + MINUTE)
        closed_at = min(
            t for t in (cancel_at, decide_at, request.starts_at, clock.now) if t is not None
        )
        offers = [o for o in offers if o.created < closed_at]
        for offer in offers:
            if rng.random() < OFFER_WITHDRAWN and closed_at - offer.created > 2 * MINUTE:
                offer.status = "withdrawn"
                offer.decided_at = between(rng, offer.created + MINUTE, closed_at)
        request.offers = offers
        live = [o for o in offers if o.status == "pending"]
        if cancel_at is not None and cancel_at == closed_at:
            request.status, request.cancelled_at = "cancelled", cancel_at
            request.cancel_reason = pick(rng, names.REQUEST_CANCEL_REASONS)
            self._decline(live, cancel_at)
        elif decide_at is not None and decide_at == closed_at and live:
            chosen = self._choose(request, live, candidates)
            if chosen is None:
                self._expire(request, live, past)
            else:
                self._match(request, chosen, live, decide_at)
        else:
            self._expire(request, live, past)

    def _choose(self, request: Request, live: list[Offer], tiers: dict[int, str]) -> Offer | None:
        free = [o for o in live if self._free(o.supporter, request)]
        if not free:
            return None
        return min(free, key=lambda o: (TIER_RANK[tiers[o.supporter]], o.created))

    def _decline(self, offers: list[Offer], when: int) -> None:
        for offer in offers:
            offer.status, offer.decided_at = "declined", when

    def _expire(self, request: Request, live: list[Offer], past: bool) -> None:
        if past:
            request.status = "expired"
            # The expiry job runs every few minutes.
            ran = min(self.clock.now, request.starts_at + between(self.rng, MINUTE, 10 * MINUTE))
            self._decline(live, ran)

    def _match(self, request: Request, chosen: Offer, live: list[Offer], when: int) -> None:
        rng, clock, people = self.rng, self.clock, self.people
        chosen.status, chosen.decided_at = "accepted", when
        self._decline([o for o in live if o is not chosen], when)
        facts = MatchFacts(
            kind=request.kind,
            activity_date=date.fromordinal(request.day),
            requester_is_member=True,
            supporter_is_member=self.trust.user_community[chosen.supporter] == request.community,
            computed_at=at(when),
            children=tuple(
                ChildFacts(
                    str(uuid.UUID(int=people.child_ids[c])), date.fromordinal(people.child_birth[c])
                )
                for c in request.children
            ),
        )
        tag = compute_tag(facts, policy_in_force(self.policies, request.kind, facts.activity_date))
        match = Match(
            uuid4_int(rng), chosen, when, json.dumps(tag, ensure_ascii=False), bool(tag["covered"])
        )
        request.match, request.matched_at, request.status = match, when, "matched"
        past = request.starts_at <= clock.now
        cancel_by = min(request.starts_at, clock.now)
        if rng.random() < MATCH_CANCELLED and cancel_by - when > 2 * MINUTE:
            by_requester = rng.random() < 0.6
            match.status = "cancelled"
            match.cancelled_at = between(rng, when + MINUTE, cancel_by)
            match.cancelled_by = request.requester if by_requester else chosen.supporter
            reasons = (
                names.REQUESTER_CANCEL_REASONS if by_requester else names.SUPPORTER_CANCEL_REASONS
            )
            match.cancel_reason = pick(rng, reasons)
            request.status, request.cancelled_at = "cancelled", match.cancelled_at
            request.cancel_reason = match.cancel_reason
            return
        starts, ends = self.supporting.setdefault(chosen.supporter, ([], []))
        index = bisect_left(starts, request.starts_at)
        starts.insert(index, request.starts_at)
        ends.insert(index, request.ends_at)
        span = (request.starts_at, request.ends_at)
        self.requesting.setdefault(request.requester, []).append(span)
        if not past or rng.random() < NEVER_COMPLETED:
            return
        done = request.ends_at + between(rng, 10 * MINUTE, 36 * HOUR)
        if done > clock.now:
            return
        match.status, match.completed_at, request.status = "completed", done, "completed"
        if rng.random() >= THANKED[request.kind]:
            return
        given = done + between(rng, MINUTE, DAY)
        if given > clock.now:
            return
        if request.kind == "lending":
            amount = (
                request.intended_jpy
                if request.intended_jpy is not None and rng.random() < 0.7
                else LENDING_THANKS.draw(rng)
            )
        else:
            hours = -(-(request.ends_at - request.starts_at) // HOUR)
            if request.intended_jpy is not None and rng.random() < 0.8:
                amount = request.intended_jpy
            else:
                amount = hours * HOURLY_RATE.draw(rng)
        thank_you = ThankYou(uuid4_int(rng), amount, given)
        if rng.random() < ACKNOWLEDGED:
            acknowledged = given + between(rng, 30 * MINUTE, 3 * DAY)
            if acknowledged <= clock.now:
                thank_you.status, thank_you.acknowledged_at = "acknowledged", acknowledged
        match.thank_you = thank_you


def plan_activity(
    seed: int,
    town: Town,
    people: People,
    trust: Trust,
    graph: Graph,
    clock: Clock,
    policies: list[PolicyTerms],
) -> Activity:
    return Simulation(seed, town, people, trust, graph, clock, policies).plan()
