"""Small-number suppression, so no figure points at a family.

1. Primary: any count from 1 to 4 becomes ``None`` (0 and 5+ are shown).
2. Complementary: where a total is the sum of the kinds (requests, matches, thank-yous, reports),
   one hidden kind could be recomputed as total minus the others; so while a month's
   total is shown and exactly one kind is hidden, the smallest other kind (preferring a
   non-zero one) is hidden too.
3. Derived: a rate or a yen total built from a hidden count is hidden with it.

Pure functions over ``Table``: {month: {cell: {metric: value}}} with cell "total" or a
kind. Hidden cells are returned as paths "YYYY-MM.cell.metric".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from otagai.domain.statistics import ladder

TOTAL = "total"
MIN_SHOWN = 5
# Counts whose total is the sum of the kinds: subtraction could undo a lone suppression.
ADDITIVE = (
    "requests_posted",
    "requests_matched",
    "requests_completed",
    "matches_cancelled",
    "thank_you_count",
    "insured_matches",
    "uninsured_matches",
    "reports_confirmed",
    "incidents",
    *ladder.COUNTS,
)
# Figures computed from counts: hidden when the count they come from is.
DERIVED = {
    "resolution_rate": ("requests_matched", "requests_posted"),
    "thank_you_total_jpy": ("thank_you_count",),
    ladder.MEDIAN: ("widening_offered",),
}

Table = dict[str, dict[str, dict[str, Any]]]


def is_small(value: Any) -> bool:
    return isinstance(value, int) and 0 < value < MIN_SHOWN


def suppress(table: Table, kinds: Iterable[str]) -> tuple[Table, list[str]]:
    """A copy of ``table`` with hidden figures set to None, and the paths hidden."""
    kinds = tuple(kinds)
    hidden: set[tuple[str, str, str]] = set()
    for month, cells in table.items():
        for cell, figures in cells.items():
            for metric, value in figures.items():
                if metric not in DERIVED and is_small(value):
                    hidden.add((month, cell, metric))
        for metric in ADDITIVE:
            _protect_total(month, cells, metric, kinds, hidden)
        for cell, figures in cells.items():
            for metric, sources in DERIVED.items():
                if metric in figures and any((month, cell, s) in hidden for s in sources):
                    hidden.add((month, cell, metric))
    result: Table = {
        month: {
            cell: {m: (None if (month, cell, m) in hidden else v) for m, v in figures.items()}
            for cell, figures in cells.items()
        }
        for month, cells in table.items()
    }
    return result, [f"{month}.{cell}.{metric}" for month, cell, metric in _ordered(hidden, table)]


def _protect_total(
    month: str,
    cells: dict[str, dict[str, Any]],
    metric: str,
    kinds: tuple[str, ...],
    hidden: set[tuple[str, str, str]],
) -> None:
    if (month, TOTAL, metric) in hidden or metric not in cells.get(TOTAL, {}):
        return
    present = [k for k in kinds if metric in cells.get(k, {})]
    lone = [k for k in present if (month, k, metric) in hidden]
    if len(lone) != 1:
        return
    others = [k for k in present if (month, k, metric) not in hidden]
    if not others:
        return
    # The smallest other cell, a non-zero one first: hiding a zero tells less away.
    partner = min(others, key=lambda k: (cells[k][metric] == 0, cells[k][metric], k))
    hidden.add((month, partner, metric))


def _ordered(hidden: set[tuple[str, str, str]], table: Table) -> list[tuple[str, str, str]]:
    """Months in order, the total before the kinds, metrics in the table's order."""
    order = {
        (month, cell, metric): (mi, ci, ti)
        for mi, (month, cells) in enumerate(table.items())
        for ci, (cell, figures) in enumerate(cells.items())
        for ti, metric in enumerate(figures)
    }
    return sorted(hidden, key=lambda path: order[path])
