"""``households_without_connections``: households living in the town at the end of each
month none of whose members had a connection by then — the figure that shows whether
孤育て (parenting in isolation) is shrinking (docs/welcome.md).

Attributed as ``households_registered`` is: by the household's periods in the town
(``household_municipality_periods``), counted from the Tokyo month a period starts until
the month it ends. A household stops counting from the Tokyo month its members' first
connection was made. Members are the household's users now (a user who moved in by invite
brings their connections); a connection removed since no longer counts.

One row per period in the town overlapping the range, with its first connection (two
index probes per member), then a difference array over the months: no row per month.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from otagai.domain.people.models import HouseholdMunicipalityPeriod, User
from otagai.domain.statistics.months import Month
from otagai.domain.trust.models import Connection
from otagai.extensions.db import session

Cells = dict[tuple[str, str | None], dict[str, int]]
NAME = "households_without_connections"


def _index(first: Month, moment: datetime | None, never: int) -> int:
    if moment is None:
        return never
    month = Month.of(moment)
    return (month.year - first.year) * 12 + month.month - first.month


def households_without_connections(code: str, first: Month, last: Month) -> Cells:
    count = first.months_until(last)
    period = HouseholdMunicipalityPeriod
    member = User.__table__.alias("member")

    def first_on(side: Any) -> Any:
        return (
            select(func.min(Connection.created_at))
            .join(member, member.c.id == side)
            .where(member.c.household_id == period.household_id)
            .scalar_subquery()
        )

    first_connection = func.least(
        first_on(Connection.user_low_id), first_on(Connection.user_high_id)
    )
    rows = session.execute(
        select(period.valid_from, period.valid_to, first_connection).where(
            period.municipality_code == code,
            period.valid_from < last.next().starts_at(),
            or_(period.valid_to.is_(None), period.valid_to >= first.next().starts_at()),
        )
    )
    deltas = [0] * (count + 1)
    for valid_from, valid_to, connected_at in rows:
        start = max(0, _index(first, valid_from, 0))
        end = min(count, _index(first, valid_to, count), _index(first, connected_at, count))
        if start < end:
            deltas[start] += 1
            deltas[end] -= 1
    cells: Cells = defaultdict(dict)
    living = 0
    for i in range(count):
        living += deltas[i]
        cells[(str(first.plus(i)), None)][NAME] = living
    return cells
