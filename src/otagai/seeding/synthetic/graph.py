"""The acquaintance graph (connections, 知り合い): a small world of neighbours.

People are put in a line along a Hilbert curve through the town (ties in random order),
so that people near each other in the line live near each other. Each person reaches out
to a number of others drawn from a heavy-ish tailed distribution (log-normal: median 3,
a few with 20 or more); most links go a short way along the line, how far scaled by how
many people live around them (about a kilometre's worth of neighbours), the rest to
anybody in town (the long links that make it a small world). Counting the links others
make to them, degrees run from a few to a few dozen, mean about 7.5. Some links were made
at events, between two attendees, and carry the event.

Every link is drawn as "from position p, k steps forward" with 1 <= k <= (N-1)/2 around
the line (a ring), so no pair can be drawn twice from its two ends: duplicates are only
the same person drawing the same k again, which a small set per person prevents. No
global set of pairs is needed, even for millions of links.

Links never join the two parents of one household, and date from after both people
joined, at a random time since (earlier more likely).

People already in the town (the demo's, say) are made acquaintances of a few synthetic
neighbours, so that their feeds and candidate lists take part in the town's life.
"""

from __future__ import annotations

import math
import random
from array import array
from dataclasses import dataclass, field
from itertools import accumulate

from otagai.seeding.synthetic.clock import MINUTE, Clock
from otagai.seeding.synthetic.communities import Trust
from otagai.seeding.synthetic.geography import Town
from otagai.seeding.synthetic.people import People
from otagai.seeding.synthetic.randomness import stream

MEDIAN_REACH = 3.0  # links a person makes themselves (the others' links come on top)
REACH_SIGMA = 0.6
MIN_REACH, MAX_REACH = 2, 40
LONG_SHARE = 0.1
# How far along the line a local link goes, on average, as a share of the people living
# within ~600 m (a 5 x 5 block of 250 m cells).
LOCAL_SPAN = 0.3
DENSITY_CELL_M = 250.0
HILBERT_ORDER = 256
EVENT_LINK_SHARE = 0.45
# A resident's new acquaintances: how many, from how far.
RESIDENT_LINKS = (4, 10)
RESIDENT_REACH_M = 1500.0


@dataclass
class Graph:
    """Adjacency lists: the neighbours of user u are ``neighbours[offsets[u]:offsets[u + 1]]``,
    with when each link was made (``since``) and at which event (``at_event``, -1: none).
    Each connection is stored at both ends; ``lower[u]`` counts those where u has the lower
    id (the end its row is written from)."""

    offsets: array[int] = field(default_factory=lambda: array("q", [0]))
    neighbours: array[int] = field(default_factory=lambda: array("i"))
    since: array[int] = field(default_factory=lambda: array("q"))
    at_event: array[int] = field(default_factory=lambda: array("i"))
    lower: array[int] = field(default_factory=lambda: array("i"))
    # Users by id: rows written in this order go into the primary key's index in order.
    by_id: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.neighbours) // 2

    def degree(self, user: int) -> int:
        return self.offsets[user + 1] - self.offsets[user]


def _hilbert(n: int, x: int, y: int) -> int:
    d, s = 0, n // 2
    while s > 0:
        rx = 1 if x & s else 0
        ry = 1 if y & s else 0
        d += s * s * ((3 * rx) ^ ry)
        if ry == 0:
            if rx == 1:
                x, y = n - 1 - x, n - 1 - y
            x, y = y, x
        s //= 2
    return d


def line_order(rng: random.Random, people: People) -> list[int]:
    """Users along a Hilbert curve over their homes (ties: random)."""
    xs = [people.home_x[people.user_household[u]] for u in range(people.users)]
    ys = [people.home_y[people.user_household[u]] for u in range(people.users)]
    min_x, min_y = min(xs), min(ys)
    size = max(max(xs) - min_x, max(ys) - min_y, 1.0) / (HILBERT_ORDER - 1)
    cache: dict[tuple[int, int], int] = {}
    keys = []
    for x, y in zip(xs, ys, strict=True):
        cell = (int((x - min_x) / size), int((y - min_y) / size))
        d = cache.get(cell)
        if d is None:
            d = cache[cell] = _hilbert(HILBERT_ORDER, *cell)
        keys.append((d << 24) | rng.getrandbits(24))
    return sorted(range(people.users), key=keys.__getitem__)


def local_spans(people: People) -> list[float]:
    """Per user: the mean distance along the line of their local links."""
    cells: dict[tuple[int, int], int] = {}
    where = []
    for u in range(people.users):
        h = people.user_household[u]
        cell = (int(people.home_x[h] // DENSITY_CELL_M), int(people.home_y[h] // DENSITY_CELL_M))
        cells[cell] = cells.get(cell, 0) + 1
        where.append(cell)
    block: dict[tuple[int, int], float] = {}
    for cx, cy in cells:
        around = sum(cells.get((cx + dx, cy + dy), 0) for dx in range(-2, 3) for dy in range(-2, 3))
        block[(cx, cy)] = max(2.0, LOCAL_SPAN * around)
    return [block[cell] for cell in where]


def _event_links(
    rng: random.Random, trust: Trust, people: People, position: list[int], clock: Clock
) -> dict[int, dict[int, tuple[int, int]]]:
    """Links made at events, as {user: {k: (event, time)}} from the end that draws them."""
    count = people.users
    furthest = (count - 1) // 2
    links: dict[int, dict[int, tuple[int, int]]] = {}
    for number, event in enumerate(trust.events):
        attendees = event.attendees
        if len(attendees) < 2:
            continue
        for a, recorded in attendees:
            if rng.random() >= EVENT_LINK_SHARE:
                continue
            b, other_recorded = attendees[rng.randrange(len(attendees))]
            if people.user_household[a] == people.user_household[b]:
                continue
            owner, k = a, (position[b] - position[a]) % count
            if k > furthest:
                owner, k = b, count - k
            if not 1 <= k <= furthest or k in links.get(owner, {}):
                continue
            made = max(recorded, other_recorded) + rng.randrange(0, 30 * MINUTE)
            links.setdefault(owner, {})[k] = (number, min(made, clock.now - MINUTE))
    return links


def plan_graph(seed: int, people: People, trust: Trust, clock: Clock) -> Graph:
    rng = stream(seed, "graph")
    count = people.users
    furthest = (count - 1) // 2
    first, second, event, when = array("i"), array("i"), array("i"), array("q")
    if furthest < 1:
        return _adjacency(people, first, second, event, when)
    order = line_order(rng, people)
    position = [0] * count
    for p, u in enumerate(order):
        position[u] = p
    spans = local_spans(people)
    at_events = _event_links(rng, trust, people, position, clock)
    household, created, now = people.user_household, people.user_created, clock.now
    log_median = math.log(MEDIAN_REACH)
    # The hot loop of a large town (millions of links): names bound locally.
    random, lognormal, log = rng.random, rng.lognormvariate, math.log
    add_first, add_second, add_event, add_when = (
        first.append,
        second.append,
        event.append,
        when.append,
    )
    for p, u in enumerate(order):
        drawn = at_events.get(u, {})
        for k, (number, made) in drawn.items():
            add_first(u)
            add_second(order[(p + k) % count])
            add_event(number)
            add_when(made)
        reach = min(MAX_REACH, max(MIN_REACH, round(lognormal(log_median, REACH_SIGMA))))
        used = set(drawn)
        span, home, joined = spans[u], household[u], created[u]
        tries = 0
        while len(used) < reach and tries < 4 * reach:
            tries += 1
            if random() < LONG_SHARE:
                k = 1 + int(random() * furthest)
            else:  # exponential, mean ``span``
                k = 1 + int(-span * log(1.0 - random()))
            if k > furthest or k in used:
                continue
            q = p + k
            v = order[q - count if q >= count else q]
            if household[v] == home:
                continue
            used.add(k)
            since = joined if joined > created[v] else created[v]
            add_first(u)
            add_second(v)
            add_event(-1)
            add_when(since + int((now - since) * random() ** 1.5))
    return _adjacency(people, first, second, event, when)


def _adjacency(
    people: People, first: array[int], second: array[int], event: array[int], when: array[int]
) -> Graph:
    count, ids = people.users, people.user_ids
    degree = array("q", [0]) * (count + 1)
    lower = array("i", [0]) * count
    for u, v in zip(first, second, strict=True):
        degree[u + 1] += 1
        degree[v + 1] += 1
        lower[u if ids[u] < ids[v] else v] += 1
    offsets = array("q", accumulate(degree))
    fill = array("q", offsets)
    total = offsets[-1]
    neighbours = array("i", [0]) * total
    since = array("q", [0]) * total
    at_event = array("i", [0]) * total
    for u, v, e, t in zip(first, second, event, when, strict=True):
        i, j = fill[u], fill[v]
        neighbours[i], since[i], at_event[i] = v, t, e
        neighbours[j], since[j], at_event[j] = u, t, e
        fill[u], fill[v] = i + 1, j + 1
    by_id = sorted(range(count), key=ids.__getitem__)
    return Graph(offsets, neighbours, since, at_event, lower, by_id)


@dataclass(frozen=True)
class Resident:
    """Somebody living in the town before the load (not synthetic)."""

    id: int
    lng: float
    lat: float
    joined: int


def plan_resident_links(
    seed: int, town: Town, people: People, residents: list[Resident], clock: Clock
) -> list[tuple[int, int, int]]:
    """(resident id, synthetic user, when) for a few synthetic neighbours of each resident,
    nearest first among those within RESIDENT_REACH_M."""
    rng = stream(seed, "residents")
    if not residents or not people.users:
        return []
    cell = RESIDENT_REACH_M
    grid: dict[tuple[int, int], list[int]] = {}
    for u in range(people.users):
        h = people.user_household[u]
        grid.setdefault((int(people.home_x[h] // cell), int(people.home_y[h] // cell)), []).append(
            u
        )
    links = []
    for resident in residents:
        x, y = town.plane.xy(resident.lng, resident.lat)
        cx, cy = int(x // cell), int(y // cell)
        near = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for u in grid.get((cx + dx, cy + dy), ()):
                    h = people.user_household[u]
                    d = math.hypot(people.home_x[h] - x, people.home_y[h] - y)
                    if d <= RESIDENT_REACH_M:
                        near.append((d, u))
        near.sort()
        wanted = rng.randint(*RESIDENT_LINKS)
        closest = [u for _, u in near[: 3 * wanted]]
        for u in rng.sample(closest, min(wanted, len(closest))):
            first = max(resident.joined, people.user_created[u])
            links.append((resident.id, u, first + int((clock.now - first) * rng.random())))
    return links
