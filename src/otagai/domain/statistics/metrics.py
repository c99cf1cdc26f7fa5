"""The raw monthly figures of one municipality.

Counts that grow with the town's activity (requests, matches, thank-yous, households
registered and active) are read from rollups the database keeps current in the same
transactions as the rows they count (triggers; statistics/models.py), so a year of a
town with a million requests reads a few hundred rows. The small tables (certifications,
events) are counted live. Attribution is by the town recorded when the thing happened
(on requests, offers, matches and thank-yous; household periods for registrations), so a
family that moves keeps its past in the old town.

Every function answers ``{(month "YYYY-MM", kind or None): {metric: value}}``; ``None``
as the kind is the municipality's total where a total is not the sum of the kinds.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import (
    and_,
    case,
    column,
    func,
    literal,
    select,
    values,
)
from sqlalchemy.types import Date, String

from otagai.domain.clock import TOKYO
from otagai.domain.communities.models import Community
from otagai.domain.events.models import Event, EventAttendance
from otagai.domain.statistics.models import (
    ALL_KINDS,
    MunicipalMonthlyActivity,
    MunicipalMonthlyCount,
)
from otagai.domain.statistics.months import Month, months_between
from otagai.domain.trust.models import Certification
from otagai.extensions.db import session

Cells = dict[tuple[str, str | None], dict[str, int]]


def _collect(rows: Any, names: tuple[str, ...]) -> Cells:
    cells: Cells = defaultdict(dict)
    for row in rows:
        month, kind, *figures = row
        cells[(month, kind)].update(zip(names, (int(f or 0) for f in figures), strict=True))
    return cells


def _counted(code: str, first: Month, last: Month, names: tuple[str, ...]) -> Cells:
    """Figures the database keeps counted per town, month and kind (statistics/models.py:
    ``MunicipalMonthlyCount``), for the months asked."""
    counts = MunicipalMonthlyCount
    query = select(
        func.to_char(counts.month, "YYYY-MM"), counts.kind, counts.metric, counts.value
    ).where(
        counts.municipality_code == code,
        counts.month >= first.first_day(),
        counts.month <= last.first_day(),
        counts.metric.in_(names),
    )
    cells: Cells = defaultdict(dict)
    for month, kind, metric, value in session.execute(query):
        cells[(month, None if kind == ALL_KINDS else kind)][metric] = int(value)
    return cells


def requests(code: str, first: Month, last: Month) -> Cells:
    """Posted in the month, and of those: matched (at any time since), completed."""
    names = ("requests_posted", "requests_matched", "requests_completed")
    return _counted(code, first, last, names)


def matches(code: str, first: Month, last: Month) -> Cells:
    """Matches made in the month, insured or not (the tag stored when made); matches
    cancelled in the month (by either party, or with their request)."""
    names = ("insured_matches", "uninsured_matches", "matches_cancelled")
    return _counted(code, first, last, names)


def thank_yous(code: str, first: Month, last: Month) -> Cells:
    """Thank-yous given in the month: cash recorded, card paid; their number and yen."""
    return _counted(code, first, last, ("thank_you_count", "thank_you_total_jpy"))


def active_households(code: str, first: Month, last: Month) -> Cells:
    """Distinct households that posted, offered or helped (had their offer accepted) in
    the month, per kind and in total (a household active in two kinds counts once). Read
    from the rollup the database keeps in the same transactions (statistics/models.py)."""
    rollup = MunicipalMonthlyActivity
    month = func.to_char(rollup.month, "YYYY-MM")
    kind = case((rollup.kind == ALL_KINDS, None), else_=rollup.kind)
    query = select(month, kind, rollup.households).where(
        rollup.municipality_code == code,
        rollup.month >= first.first_day(),
        rollup.month <= last.first_day(),
    )
    return _collect(session.execute(query), ("households_active",))


def _month_ends(first: Month, last: Month) -> Any:
    """A VALUES table of (month, its last Tokyo day)."""
    return values(column("month", String), column("day", Date), name="month_ends").data(
        [(str(month), month.last_day()) for month in months_between(first, last)]
    )


def registered_households(code: str, first: Month, last: Month) -> Cells:
    """Households living in the town at the end of each month: the running sum of the
    monthly arrivals and departures the database counts (periods in the town starting,
    and ending), from the first month on record."""
    counts = MunicipalMonthlyCount
    changes = session.execute(
        select(counts.month, counts.value)
        .where(
            counts.municipality_code == code,
            counts.kind == ALL_KINDS,
            counts.metric == "households_registered",
            counts.month <= last.first_day(),
        )
        .order_by(counts.month)
    ).all()
    cells: Cells = defaultdict(dict)
    living, pending = 0, iter(changes)
    change = next(pending, None)
    for month in months_between(first, last):
        while change is not None and change.month <= month.first_day():
            living += int(change.value)
            change = next(pending, None)
        cells[(str(month), None)]["households_registered"] = living
    return cells


def certified_supporters(code: str, first: Month, last: Month) -> Cells:
    """People with a certification of one of the town's communities valid on the month's
    last day, per kind certified and in total (one person counts once)."""
    ends = _month_ends(first, last)
    valid_from, valid_until = Certification.valid_days()
    # Each certification's days once (materialized), then the month ends inside them.
    town = (
        select(
            Certification.user_id,
            Certification.kinds,
            valid_from.label("valid_from"),
            valid_until.label("valid_until"),
        )
        .join(Community, Community.id == Certification.community_id)
        .where(Community.municipality_code == code, Certification.expires_on >= first.first_day())
        .cte("town_certifications")
        .prefix_with("MATERIALIZED")
    )
    valid = (
        select(ends.c.month, town.c.user_id, func.unnest(town.c.kinds).label("kind"))
        .select_from(ends)
        .join(town, and_(town.c.valid_from <= ends.c.day, ends.c.day <= town.c.valid_until))
        .subquery()
    )
    # One person counts once: deduplicated by hashing first (count(DISTINCT) sorts, and a
    # year of a town's supporters spilled that sort to disk), then counted.
    people = select(valid.c.month, valid.c.kind, valid.c.user_id).distinct().subquery()
    per_kind = select(people.c.month, people.c.kind, func.count()).group_by(
        people.c.month, people.c.kind
    )
    anyone = select(valid.c.month, valid.c.user_id).distinct().subquery()
    total = select(anyone.c.month, literal(None, String), func.count()).group_by(anyone.c.month)
    return _collect(session.execute(per_kind.union_all(total)), ("certified_supporters",))


def events(code: str, first: Month, last: Month) -> Cells:
    """Events of the town's communities held (starting) in the month, and the attendances
    recorded at them."""
    # Grouped by the Tokyo month's first moment (cheap per row), named once per group.
    month = func.date_trunc("month", Event.starts_at, str(TOKYO))
    query = (
        select(
            func.to_char(func.timezone(str(TOKYO), month), "YYYY-MM"),
            literal(None, String),
            func.count(func.distinct(Event.id)),
            func.count(EventAttendance.user_id),
        )
        .join(Community, Community.id == Event.community_id)
        .outerjoin(EventAttendance, EventAttendance.event_id == Event.id)
        .where(
            Community.municipality_code == code,
            Event.starts_at >= first.starts_at(),
            Event.starts_at < last.next().starts_at(),
        )
        .group_by(month)
    )
    return _collect(session.execute(query), ("events_held", "event_attendances"))


ALL = (
    requests,
    matches,
    thank_yous,
    active_households,
    registered_households,
    certified_supporters,
    events,
)


def raw_counts(code: str, first: Month, last: Month) -> Cells:
    """Every metric's raw count, merged."""
    cells: Cells = defaultdict(dict)
    for metric in ALL:
        for key, figures in metric(code, first, last).items():
            cells[key].update(figures)
    return cells
