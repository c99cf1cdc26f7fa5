"""The raw monthly figures of one municipality.

Counts that grow with the town's activity (requests, matches, thank-yous, activity
reports, households registered and active) are read from rollups the database keeps
current in the same transactions as the rows they count (triggers; statistics/models.py),
so a year of a town with a million requests reads a few hundred rows. The small tables
(certifications, events) are counted live. Attribution is by the town recorded when the
thing happened (on requests, offers, matches, thank-yous and reports; household periods
for registrations), so a family that moves keeps its past in the old town.

Every function answers ``{(month "YYYY-MM", kind or None): {metric: value}}``; ``None``
as the kind is the municipality's total where a total is not the sum of the kinds.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import (
    case,
    func,
    literal,
    select,
)
from sqlalchemy.types import Integer, String

from otagai.domain.clock import TOKYO
from otagai.domain.communities.models import Community
from otagai.domain.events.models import Event, EventAttendance
from otagai.domain.statistics.isolation import households_without_connections
from otagai.domain.statistics.ladder import ladder_figures
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


REQUEST_FIGURES = ("requests_posted", "requests_matched", "requests_completed")
MATCH_FIGURES = ("insured_matches", "uninsured_matches", "matches_cancelled")
THANK_YOU_FIGURES = ("thank_you_count", "thank_you_total_jpy")
REPORT_FIGURES = ("reports_confirmed", "incidents")


def requests(code: str, first: Month, last: Month) -> Cells:
    """Posted in the month, and of those: matched (at any time since), completed."""
    return _counted(code, first, last, REQUEST_FIGURES)


def matches(code: str, first: Month, last: Month) -> Cells:
    """Matches made in the month, insured or not (the tag stored when made); matches
    cancelled in the month (by either party, or with their request)."""
    return _counted(code, first, last, MATCH_FIGURES)


def thank_yous(code: str, first: Month, last: Month) -> Cells:
    """Thank-yous given in the month: cash recorded, card paid; their number and yen."""
    return _counted(code, first, last, THANK_YOU_FIGURES)


def reports(code: str, first: Month, last: Month) -> Cells:
    """Activity reports of the matches scheduled to start in the month (the request's
    town and kind): those confirmed by the requester's household, and those telling of
    an incident (whatever their status: a disputed report's incident still happened)."""
    return _counted(code, first, last, REPORT_FIGURES)


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
    last day, per kind certified and in total (one person counts once).

    The month ends inside a certification's days (``Certification.valid_days``) are a run
    of consecutive months, so each certification is one span of month indexes; a person's
    spans (per kind, and across kinds for the total) are merged, then counted with a
    difference array: the town's certifications are read once, with no row per month."""
    count = first.months_until(last) + 1
    valid_from, valid_until = Certification.valid_days()

    def index(day: Any) -> Any:
        """SQL: the month index of a date, 0 for ``first``."""
        return (
            (func.extract("year", day) - first.year) * 12 + func.extract("month", day) - first.month
        )

    # The first month ending on or after its first day, the last ending by its last.
    first_month = func.greatest(0, index(valid_from)).cast(Integer)
    last_month = func.least(count - 1, index(valid_until + 1) - 1).cast(Integer)
    rows = session.execute(
        select(Certification.user_id, Certification.kinds, first_month, last_month)
        .join(Community, Community.id == Certification.community_id)
        .where(
            Community.municipality_code == code,
            valid_until >= first.last_day(),
            valid_from <= last.last_day(),
        )
    )
    spans: dict[tuple[Any, str | None], list[tuple[int, int]]] = defaultdict(list)
    for user_id, kinds, start, end in rows:
        if start <= end:
            for kind in (*kinds, None):
                spans[(user_id, kind)].append((start, end))
    deltas: dict[str | None, list[int]] = defaultdict(lambda: [0] * (count + 1))
    for (_, kind), person in spans.items():
        for a, b in _merged(person):
            deltas[kind][a] += 1
            deltas[kind][b + 1] -= 1
    cells: Cells = defaultdict(dict)
    for kind, changes in deltas.items():
        current = 0
        for i in range(count):
            current += changes[i]
            if current:
                cells[(str(first.plus(i)), kind)]["certified_supporters"] = current
    return cells


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans as one (a person certified twice counts once)."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def events(code: str, first: Month, last: Month) -> Cells:
    """Events of the town's communities held (starting) in the month, and the attendances
    recorded at them."""
    # Grouped by the Tokyo month's first moment (cheap per row), named once per group.
    attendances = (
        select(func.count())
        .where(EventAttendance.event_id == Event.id)
        .correlate(Event)
        .scalar_subquery()
    )
    held = (
        select(
            func.date_trunc("month", Event.starts_at, str(TOKYO)).label("month"),
            attendances.label("attendances"),
        )
        .join(Community, Community.id == Event.community_id)
        .where(
            Community.municipality_code == code,
            Event.starts_at >= first.starts_at(),
            Event.starts_at < last.next().starts_at(),
        )
        .subquery()
    )
    # One row an event, counted: no DISTINCT to sort.
    query = select(
        func.to_char(func.timezone(str(TOKYO), held.c.month), "YYYY-MM"),
        literal(None, String),
        func.count(),
        func.sum(held.c.attendances),
    ).group_by(held.c.month)
    return _collect(session.execute(query), ("events_held", "event_attendances"))


ALL = (
    requests,
    matches,
    thank_yous,
    reports,
    active_households,
    registered_households,
    households_without_connections,
    certified_supporters,
    events,
    ladder_figures,
)


# The figures the database keeps counted, read together in one query by raw_counts.
COUNTED = {
    requests: REQUEST_FIGURES,
    matches: MATCH_FIGURES,
    thank_yous: THANK_YOU_FIGURES,
    reports: REPORT_FIGURES,
}


def raw_counts(code: str, first: Month, last: Month) -> Cells:
    """Every metric's raw count, merged."""
    cells: Cells = defaultdict(dict)
    names = tuple(name for figures in COUNTED.values() for name in figures)
    parts = [_counted(code, first, last, names)]
    parts += [metric(code, first, last) for metric in ALL if metric not in COUNTED]
    for part in parts:
        for key, figures in part.items():
            cells[key].update(figures)
    return cells
