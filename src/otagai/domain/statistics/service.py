"""A municipality's monthly figures: raw counts → the report's table → suppression.

The report (also the JSON of ``GET /v1/municipalities/{code}/stats``) holds, per month,
the totals and the per-kind figures, what was withheld, and how each figure is counted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from otagai.domain.communities.models import Municipality
from otagai.domain.requests.models import KINDS
from otagai.domain.statistics import ladder, metrics
from otagai.domain.statistics.definitions import DEFINITIONS, SUPPRESSION, pick
from otagai.domain.statistics.months import EARLIEST_YEAR, LATEST_YEAR, Month, months_between
from otagai.domain.statistics.suppression import TOTAL, suppress
from otagai.errors import NotFound, RuleViolation
from otagai.extensions.db import session

__all__ = ["KIND_METRICS", "MAX_MONTHS", "TOTAL_METRICS", "Month", "municipal_statistics"]

MAX_MONTHS = 36
# In every cell (each kind, and the total).
KIND_METRICS = (
    "requests_posted",
    "requests_matched",
    "requests_completed",
    "resolution_rate",
    "matches_cancelled",
    "households_active",
    "certified_supporters",
    "thank_you_count",
    "thank_you_total_jpy",
    "insured_matches",
    "uninsured_matches",
    "reports_confirmed",
    "incidents",
    *ladder.FIGURES,
)
# In the total only: they have no kind.
TOTAL_ONLY = (
    "households_registered",
    "households_without_connections",
    "events_held",
    "event_attendances",
)
TOTAL_METRICS = (
    "requests_posted",
    "requests_matched",
    "requests_completed",
    "resolution_rate",
    "matches_cancelled",
    "households_registered",
    "households_without_connections",
    "households_active",
    "certified_supporters",
    "events_held",
    "event_attendances",
    "thank_you_count",
    "thank_you_total_jpy",
    "insured_matches",
    "uninsured_matches",
    "reports_confirmed",
    "incidents",
    *ladder.FIGURES,
)
# The total of these is the sum of the kinds; the others are counted for the total.
SUMMED = (
    "requests_posted",
    "requests_matched",
    "requests_completed",
    "matches_cancelled",
    "thank_you_count",
    "thank_you_total_jpy",
    "insured_matches",
    "uninsured_matches",
    "reports_confirmed",
    "incidents",
    *ladder.COUNTS,
)
# Figures with no value where nothing was counted (a median of no requests).
UNCOUNTED_NONE = (ladder.MEDIAN,)


def check_range(first: Month, last: Month) -> None:
    # Callers other than the API's schema (the dashboard's default range) may build months
    # outside the calendar the statistics know.
    for name, month in (("from", first), ("to", last)):
        if not month.in_range():
            raise RuleViolation(
                "validation_failed",
                errors={name: [f"Must be a month from {EARLIEST_YEAR}-01 to {LATEST_YEAR}-12."]},
            )
    if last < first:
        raise RuleViolation("validation_failed", errors={"to": ["Must not be before from."]})
    if first.months_until(last) > MAX_MONTHS:
        raise RuleViolation(
            "statistics_range_too_long",
            errors={"to": [f"At most {MAX_MONTHS} months from 'from'."]},
        )


def _rate(matched: int, posted: int) -> float | None:
    return round(matched / posted, 3) if posted else None


def _figures(counts: dict[str, int], names: tuple[str, ...]) -> dict[str, Any]:
    """The cell's figures in the report's order; the rate computed, missing counts 0."""
    return {
        name: (
            _rate(counts.get("requests_matched", 0), counts.get("requests_posted", 0))
            if name == "resolution_rate"
            else counts.get(name, None if name in UNCOUNTED_NONE else 0)
        )
        for name in names
    }


def _table(raw: metrics.Cells, months: list[Month]) -> dict[str, dict[str, dict[str, Any]]]:
    """{month: {"total" | kind: {metric: value}}}, before suppression. Totals of counts
    that add up are the sum of the kinds; the others were counted for the total."""
    table = {}
    for month in map(str, months):
        kinds = {kind: raw.get((month, kind), {}) for kind in KINDS}
        total = dict(raw.get((month, None), {}))
        for name in SUMMED:
            total[name] = sum(kinds[k].get(name, 0) for k in KINDS)
        table[month] = {
            TOTAL: _figures(total, TOTAL_METRICS),
            **{k: _figures(kinds[k], KIND_METRICS) for k in KINDS},
        }
    return table


def municipal_statistics(
    code: str, first: Month, last: Month, kind: str | None = None, lang: str = "ja"
) -> dict[str, Any]:
    """The report for ``code`` from ``first`` to ``last`` (Tokyo months, both included)."""
    # Names only: the boundary is a large geometry the report does not need.
    municipality = session.execute(
        select(Municipality.code, Municipality.name_ja, Municipality.name_en).where(
            Municipality.code == code
        )
    ).first()
    if municipality is None:
        raise NotFound("municipality_not_found")
    check_range(first, last)
    months = months_between(first, last)
    table, hidden = suppress(_table(metrics.raw_counts(code, first, last), months), KINDS)
    shown_kinds = (kind,) if kind else KINDS
    return {
        "municipality": {
            "code": municipality.code,
            "name_ja": municipality.name_ja,
            "name_en": municipality.name_en,
        },
        "from": str(first),
        "to": str(last),
        "kind": kind,
        "months": [
            {
                "month": month,
                "total": cells[TOTAL],
                "by_kind": {k: cells[k] for k in shown_kinds},
            }
            for month, cells in table.items()
        ],
        "suppressed": [path for path in hidden if path.split(".")[1] in (TOTAL, *shown_kinds)],
        "definitions": {name: pick(DEFINITIONS[name], lang) for name in TOTAL_METRICS},
        "suppression": pick(SUPPRESSION, lang),
    }
