"""Households, their adults and their children.

- Households sign up over time: most before the window (the service existed already),
  the rest during it at a rising rate, so "households registered" grows month by month.
  They are numbered and written in sign-up order, as the app would have written them.
- Homes from ``geography.HomeSampler``: clustered around stations, a sparse background.
- One or two adults (about a third of households have both parents on the app; the
  second joins by invite some days later), sharing the home. Firebase uids are
  ``synthetic-<seed>-<n>``, which no demo or real account has.
- One to three children (mean two), preschool-heavy, siblings one to six years apart,
  none older than 17; a baby born after the household signed up is added after birth.
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass, field
from datetime import date

from otagai.domain.people import ages
from otagai.seeding.synthetic import names
from otagai.seeding.synthetic.clock import DAY, HISTORY, HOUR, MINUTE, Clock, day_start
from otagai.seeding.synthetic.geography import HomeSampler, Town
from otagai.seeding.synthetic.randomness import Weighted, between, pick, stream, uuid4_int

SECOND_PARENT_SHARE = 0.34
ENGLISH_SHARE = 0.03
CHILDREN = Weighted((1, 2, 3), (30, 40, 30))
# Age of the youngest child, in years: preschool-heavy.
YOUNGEST_AGE = Weighted(range(14), (10, 12, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1))
SIBLING_GAP = Weighted((1, 2, 3, 4, 5, 6), (10, 35, 30, 15, 7, 3))
NOTES_SHARE = 0.3
# Of the households at the end of the window, the share that signed up during it, per
# month of the window (at most 60 %).
GROWTH_PER_MONTH = 0.035


@dataclass
class People:
    # Households, in sign-up order.
    household_ids: list[int] = field(default_factory=list)
    household_created: array[int] = field(default_factory=lambda: array("q"))
    household_station: array[int] = field(default_factory=lambda: array("i"))
    household_first_user: array[int] = field(default_factory=lambda: array("i"))
    household_users: array[int] = field(default_factory=lambda: array("b"))
    household_first_child: array[int] = field(default_factory=lambda: array("i"))
    household_children: array[int] = field(default_factory=lambda: array("b"))
    home_lng: array[float] = field(default_factory=lambda: array("d"))
    home_lat: array[float] = field(default_factory=lambda: array("d"))
    home_x: array[float] = field(default_factory=lambda: array("d"))
    home_y: array[float] = field(default_factory=lambda: array("d"))
    # Adults, household by household.
    user_ids: list[int] = field(default_factory=list)
    user_household: array[int] = field(default_factory=lambda: array("i"))
    user_created: array[int] = field(default_factory=lambda: array("q"))
    user_names: list[str] = field(default_factory=list)
    user_english: bytearray = field(default_factory=bytearray)
    # Children, household by household.
    child_ids: list[int] = field(default_factory=list)
    child_household: array[int] = field(default_factory=lambda: array("i"))
    child_birth: array[int] = field(default_factory=lambda: array("i"))  # date ordinal
    child_created: array[int] = field(default_factory=lambda: array("q"))
    child_nicknames: list[str] = field(default_factory=list)
    child_notes: list[str | None] = field(default_factory=list)

    @property
    def households(self) -> int:
        return len(self.household_ids)

    @property
    def users(self) -> int:
        return len(self.user_ids)

    def users_of(self, household: int) -> range:
        first = self.household_first_user[household]
        return range(first, first + self.household_users[household])

    def children_of(self, household: int) -> range:
        first = self.household_first_child[household]
        return range(first, first + self.household_children[household])


def sign_up_times(rng: random.Random, count: int, clock: Clock) -> list[int]:
    """Sorted sign-up times: before the window uniformly over two years, during it at a
    rate rising linearly (twice as many at its end as at its start)."""
    during = round(count * min(0.6, GROWTH_PER_MONTH * clock.months))
    span = clock.now - clock.start
    times = [clock.start - int(rng.random() * HISTORY) - 1 for _ in range(count - during)]
    # Density proportional to 1 + u on [0, 1]: inverse CDF of (u + u²/2) / 1.5.
    for _ in range(during):
        u = (-1 + (1 + 3 * rng.random()) ** 0.5) if span > 0 else 0.0
        times.append(clock.start + int(u * span))
    times.sort()
    return times


def _children(
    rng: random.Random, people: People, household: int, signed_up: int, clock: Clock
) -> None:
    english = people.user_english[people.household_first_user[household]]
    today = clock.today
    ages = [YOUNGEST_AGE.draw(rng)]
    for _ in range(CHILDREN.draw(rng) - 1):
        older = ages[-1] + SIBLING_GAP.draw(rng)
        if older > 17:
            break
        ages.append(older)
    people.household_first_child.append(len(people.child_ids))
    people.household_children.append(len(ages))
    for age in reversed(ages):  # the eldest first, as parents add them
        birth = today - age * 365 - between(rng, 0, 365) - age // 4
        born_at = day_start(birth) + 10 * HOUR
        # Added when the household signed up or, a baby born since, some days after birth.
        created = max(signed_up + between(rng, HOUR, 3 * DAY), born_at + between(rng, 3, 40) * DAY)
        created = max(signed_up, min(created, clock.now - MINUTE))
        if english:
            nickname = pick(rng, names.EN_CHILDREN)
        elif rng.random() < 0.5:
            nickname = pick(rng, names.BOYS) + "くん"
        else:
            nickname = pick(rng, names.GIRLS) + "ちゃん"
        people.child_ids.append(uuid4_int(rng))
        people.child_household.append(household)
        people.child_birth.append(birth)
        people.child_created.append(created)
        people.child_nicknames.append(nickname)
        people.child_notes.append(
            pick(rng, names.CHILD_NOTES) if rng.random() < NOTES_SHARE and not english else None
        )


def plan_households(seed: int, town: Town, households: int, clock: Clock) -> People:
    """The households alone (ids, sign-up times, homes): enough to write them while their
    members are planned."""
    rng = stream(seed, "households")
    homes = HomeSampler(town)
    plane = town.plane
    people = People()
    for signed_up in sign_up_times(rng, households, clock):
        people.household_ids.append(uuid4_int(rng))
        people.household_created.append(signed_up)
        lng, lat, station = homes.draw(rng)
        x, y = plane.xy(lng, lat)
        people.home_lng.append(lng)
        people.home_lat.append(lat)
        people.home_x.append(x)
        people.home_y.append(y)
        people.household_station.append(station)
    return people


FAMILY = Weighted(names.FAMILY_NAMES, [1 / (i + 8) for i in range(len(names.FAMILY_NAMES))])


def plan_members(seed: int, people: People, clock: Clock, part: range | None = None) -> People:
    """The adults and children of the households ``part`` (all by default), which follow
    the households planned so far: a town is planned half by half, each half written while
    the next is planned."""
    part = range(people.households) if part is None else part
    assert len(people.household_first_user) == part.start, "households in order"
    rng = stream(seed, f"members:{part.start}")
    family = FAMILY
    for household in part:
        signed_up = people.household_created[household]
        english = rng.random() < ENGLISH_SHARE
        surname = pick(rng, names.EN_FAMILY_NAMES) if english else family.draw(rng)
        adults = 2 if rng.random() < SECOND_PARENT_SHARE else 1
        mother_first = rng.random() < 0.7
        people.household_first_user.append(len(people.user_ids))
        people.household_users.append(adults)
        for n in range(adults):
            is_mother = mother_first if n == 0 else not mother_first
            if english:
                given = pick(rng, names.EN_MOTHERS if is_mother else names.EN_FATHERS)
                display = f"{given} {surname}"
            else:
                given = pick(rng, names.MOTHERS if is_mother else names.FATHERS)
                display = f"{surname} {given}"
            # The second parent joins by invite some days later.
            joined = signed_up + (between(rng, DAY, 45 * DAY) if n else 0)
            people.user_ids.append(uuid4_int(rng))
            people.user_household.append(household)
            people.user_created.append(max(signed_up, min(joined, clock.now - MINUTE)))
            people.user_names.append(display)
            people.user_english.append(english)
        _children(rng, people, household, signed_up, clock)
    return people


def plan_people(seed: int, town: Town, households: int, clock: Clock) -> People:
    """A whole town's people at once (in two halves, as a load plans them)."""
    people = plan_households(seed, town, households, clock)
    for half in halves(households):
        plan_members(seed, people, clock, half)
    return people


def halves(households: int) -> list[range]:
    middle = (households + 1) // 2
    return [r for r in (range(0, middle), range(middle, households)) if r]


def firebase_uid(seed: int, user: int) -> str:
    """Numbered from 1, per seed: ``synthetic-1-1`` is the first adult of seed 1."""
    return f"synthetic-{seed}-{user + 1}"


def age_on(birth: int, day: int) -> int:
    """Completed years on a day (both date ordinals), as insurance and the app reckon it."""
    return ages.age_on(date.fromordinal(birth), date.fromordinal(day))
