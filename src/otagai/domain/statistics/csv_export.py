"""The report as CSV for spreadsheets: UTF-8 with a BOM (so Excel reads Japanese), one
row per month and cell (the total, then each kind), a column per figure; a withheld
figure is an empty cell, never a 0."""

from __future__ import annotations

import csv
import io
from typing import Any

from otagai.domain.statistics.definitions import COLUMN_LABELS, KIND_LABELS, pick
from otagai.domain.statistics.service import TOTAL_METRICS
from otagai.domain.statistics.suppression import TOTAL

BOM = "\ufeff"


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def report_csv(report: dict[str, Any], lang: str = "en") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = ("month", "kind", *TOTAL_METRICS)
    writer.writerow([pick(COLUMN_LABELS[c], lang) for c in columns])
    for month in report["months"]:
        cells = {TOTAL: month["total"], **month["by_kind"]}
        for cell, figures in cells.items():
            row = [month["month"], pick(KIND_LABELS[cell], lang)]
            row += [_value(figures.get(name)) for name in TOTAL_METRICS]
            writer.writerow(row)
    return (BOM + out.getvalue()).encode("utf-8")


def csv_filename(report: dict[str, Any]) -> str:
    code = report["municipality"]["code"]
    return f"otagai-{code}-{report['from']}_{report['to']}.csv"
