"""The raw monthly counts of one municipality, straight from the live tables.

Each query reads one table through its statistics index (town, time) and groups by the
Tokyo month, so a year of a town with a million requests is an index scan, not a join
per row. Attribution is by the town recorded when the thing happened (snapshots on
requests, offers, matches and thank-yous; household periods for registrations), so a
family that moves keeps its past in the old town.

Every function answers ``{(month "YYYY-MM", kind or None): {metric: value}}``; ``None``
as the kind is the municipality's total where a total is not the sum of the kinds.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    column,
    func,
    literal,
    or_,
    select,
    union_all,
    values,
)
from sqlalchemy.types import Date, DateTime, String

from otagai.domain.communities.models import Community
from otagai.domain.events.models import Event, EventAttendance
from otagai.domain.matches.models import Match
from otagai.domain.people.ages import TOKYO
from otagai.domain.people.models import HouseholdMunicipalityPeriod, User
from otagai.domain.requests.models import COMPLETED, Offer, ShareRequest
from otagai.domain.statistics.months import Month
from otagai.domain.thanks.models import ACKNOWLEDGED, PAID, RECORDED, ThankYou
from otagai.domain.trust.models import Certification
from otagai.extensions.db import session

Cells = dict[tuple[str, str | None], dict[str, int]]
# Thank-yous that were given: cash recorded (or acknowledged), card paid.
GIVEN = (RECORDED, ACKNOWLEDGED, PAID)


def month_of(moment: Any) -> ColumnElement[str]:
    """'YYYY-MM' of an instant on the Tokyo wall clock."""
    return func.to_char(func.timezone(str(TOKYO), moment), "YYYY-MM")


def _in(moment: Any, first: Month, last: Month) -> ColumnElement[bool]:
    return and_(moment >= first.starts_at(), moment < last.next().starts_at())


def _collect(rows: Any, names: tuple[str, ...]) -> Cells:
    cells: Cells = defaultdict(dict)
    for row in rows:
        month, kind, *figures = row
        cells[(month, kind)].update(zip(names, (int(f or 0) for f in figures), strict=True))
    return cells


def requests(code: str, first: Month, last: Month) -> Cells:
    """Posted in the month, and of those: matched (at any time since), completed."""
    month = month_of(ShareRequest.created_at)
    query = (
        select(
            month,
            ShareRequest.kind,
            func.count(),
            func.count(ShareRequest.matched_at),
            func.count().filter(ShareRequest.status == COMPLETED),
        )
        .where(
            ShareRequest.municipality_code == code,
            _in(ShareRequest.created_at, first, last),
        )
        .group_by(month, ShareRequest.kind)
    )
    names = ("requests_posted", "requests_matched", "requests_completed")
    return _collect(session.execute(query), names)


def matches(code: str, first: Month, last: Month) -> Cells:
    """Matches made in the month, insured or not (the tag stored when made)."""
    month = month_of(Match.created_at)
    query = (
        select(
            month,
            Match.kind,
            func.count().filter(Match.insured.is_(True)),
            func.count().filter(Match.insured.is_(False)),
        )
        .where(Match.municipality_code == code, _in(Match.created_at, first, last))
        .group_by(month, Match.kind)
    )
    return _collect(session.execute(query), ("insured_matches", "uninsured_matches"))


def cancellations(code: str, first: Month, last: Month) -> Cells:
    """Matches cancelled in the month (by either party, or with their request)."""
    month = month_of(Match.cancelled_at)
    query = (
        select(month, Match.kind, func.count())
        .where(Match.municipality_code == code, _in(Match.cancelled_at, first, last))
        .group_by(month, Match.kind)
    )
    return _collect(session.execute(query), ("matches_cancelled",))


def thank_yous(code: str, first: Month, last: Month) -> Cells:
    """Thank-yous given in the month: cash recorded, card paid; their number and yen."""
    month = month_of(ThankYou.created_at)
    query = (
        select(month, ThankYou.kind, func.count(), func.sum(ThankYou.amount_jpy))
        .where(
            ThankYou.municipality_code == code,
            _in(ThankYou.created_at, first, last),
            ThankYou.status.in_(GIVEN),
        )
        .group_by(month, ThankYou.kind)
    )
    return _collect(session.execute(query), ("thank_you_count", "thank_you_total_jpy"))


def active_households(code: str, first: Month, last: Month) -> Cells:
    """Distinct households that posted, offered or helped (had their offer accepted) in
    the month, per kind and in total (a household active in two kinds counts once)."""
    posted = select(
        month_of(ShareRequest.created_at).label("month"),
        ShareRequest.kind.label("kind"),
        ShareRequest.household_id.label("household_id"),
    ).where(ShareRequest.municipality_code == code, _in(ShareRequest.created_at, first, last))
    offered = (
        select(
            month_of(Offer.created_at),
            ShareRequest.kind,
            User.household_id,
        )
        .join(User, User.id == Offer.supporter_id)
        .join(ShareRequest, ShareRequest.id == Offer.request_id)
        .where(Offer.municipality_code == code, _in(Offer.created_at, first, last))
    )
    helped = (
        select(month_of(Match.created_at), Match.kind, User.household_id)
        .join(User, User.id == Match.supporter_id)
        .where(
            Match.supporter_municipality_code == code,
            _in(Match.created_at, first, last),
        )
    )
    active = union_all(posted, offered, helped).subquery()
    per_kind = (
        select(active.c.month, active.c.kind, func.count(func.distinct(active.c.household_id)))
        .group_by(active.c.month, active.c.kind)
    )  # fmt: skip
    total = select(
        active.c.month, literal(None, String), func.count(func.distinct(active.c.household_id))
    ).group_by(active.c.month)
    return _collect(session.execute(per_kind.union_all(total)), ("households_active",))


def _month_ends(first: Month, last: Month) -> Any:
    """A VALUES table of (month, the instant it ends, its last Tokyo day)."""
    months = []
    current = first
    while current <= last:
        months.append((str(current), current.next().starts_at(), current.last_day()))
        current = current.next()
    return values(
        column("month", String), column("ends", DateTime(timezone=True)), column("day", Date),
        name="month_ends",
    ).data(months)  # fmt: skip


def registered_households(code: str, first: Month, last: Month) -> Cells:
    """Households living in the town at the end of each month (cumulative)."""
    ends = _month_ends(first, last)
    period = HouseholdMunicipalityPeriod
    query = (
        select(ends.c.month, literal(None, String), func.count(period.id))
        .select_from(ends)
        .outerjoin(
            period,
            and_(
                period.municipality_code == code,
                period.valid_from < ends.c.ends,
                or_(period.valid_to.is_(None), period.valid_to >= ends.c.ends),
            ),
        )
        .group_by(ends.c.month)
    )
    return _collect(session.execute(query), ("households_registered",))


def certified_supporters(code: str, first: Month, last: Month) -> Cells:
    """People with a certification of one of the town's communities valid on the month's
    last day, per kind certified and in total (one person counts once)."""
    ends = _month_ends(first, last)
    valid = (
        select(
            ends.c.month,
            Certification.user_id,
            func.unnest(Certification.kinds).label("kind"),
        )
        .select_from(ends)
        .join(Certification, Certification.valid_on(ends.c.day))
        .join(Community, Community.id == Certification.community_id)
        .where(Community.municipality_code == code)
        .subquery()
    )
    per_kind = select(valid.c.month, valid.c.kind, func.count(func.distinct(valid.c.user_id)))
    per_kind = per_kind.group_by(valid.c.month, valid.c.kind)
    total = select(
        valid.c.month, literal(None, String), func.count(func.distinct(valid.c.user_id))
    ).group_by(valid.c.month)
    return _collect(session.execute(per_kind.union_all(total)), ("certified_supporters",))


def events(code: str, first: Month, last: Month) -> Cells:
    """Events of the town's communities held (starting) in the month, and the attendances
    recorded at them."""
    month = month_of(Event.starts_at)
    query = (
        select(
            month,
            literal(None, String),
            func.count(func.distinct(Event.id)),
            func.count(EventAttendance.user_id),
        )
        .join(Community, Community.id == Event.community_id)
        .outerjoin(EventAttendance, EventAttendance.event_id == Event.id)
        .where(Community.municipality_code == code, _in(Event.starts_at, first, last))
        .group_by(month)
    )
    return _collect(session.execute(query), ("events_held", "event_attendances"))


ALL = (
    requests,
    matches,
    cancellations,
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
