"""The statistics report and its query."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from otagai.api.common import StrictSchema
from otagai.domain.requests.models import KINDS
from otagai.domain.statistics.definitions import DEFINITIONS
from otagai.domain.statistics.months import EARLIEST_YEAR, LATEST_YEAR, MONTH_PATTERN, Month
from otagai.domain.statistics.service import KIND_METRICS, MAX_MONTHS, TOTAL_METRICS


class MonthField(ma.fields.Field[Month]):
    """``YYYY-MM`` → Month."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Month:
        try:
            return Month.parse(value if isinstance(value, str) else "")
        except ValueError as exc:
            raise ma.ValidationError(
                f"Must be a month as YYYY-MM, from {EARLIEST_YEAR}-01 to {LATEST_YEAR}-12."
            ) from exc


class StatsQuerySchema(StrictSchema):
    first = MonthField(
        data_key="from",
        required=True,
        metadata={
            "type": "string",
            "pattern": MONTH_PATTERN,
            "example": "2026-04",
            "description": f"First month (Asia/Tokyo), {EARLIEST_YEAR}-01 to {LATEST_YEAR}-12.",
        },
    )
    last = MonthField(
        data_key="to",
        required=True,
        metadata={
            "type": "string",
            "pattern": MONTH_PATTERN,
            "example": "2027-03",
            "description": f"Last month, included; at most {MAX_MONTHS} months from `from`.",
            "x-not-before": "from",
            "x-max-months": MAX_MONTHS,
        },
    )
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS), load_default=None)
    format = ma.fields.String(
        validate=ma.validate.OneOf(("json", "csv")),
        load_default=None,
        metadata={"description": "`csv` does what `Accept: text/csv` does."},
    )
    lang = ma.fields.String(
        validate=ma.validate.OneOf(("ja", "en")),
        load_default="ja",
        metadata={"description": "Language of the definitions and of the CSV headers."},
    )


def _figure(name: str) -> ma.fields.Field:
    described = {"description": DEFINITIONS[name][1] + " null: withheld (see `suppressed`)."}
    if name == "resolution_rate":
        return ma.fields.Float(required=True, allow_none=True, metadata=described)
    return ma.fields.Integer(required=True, allow_none=True, metadata=described)


TotalFiguresSchema = ma.Schema.from_dict(
    {name: _figure(name) for name in TOTAL_METRICS}, name="TotalFigures"
)
KindFiguresSchema = ma.Schema.from_dict(
    {name: _figure(name) for name in KIND_METRICS}, name="KindFigures"
)


class MonthFiguresSchema(ma.Schema):
    month = ma.fields.String(metadata={"example": "2026-04"}, required=True)
    total = ma.fields.Nested(TotalFiguresSchema, required=True)
    by_kind = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(KINDS)),
        values=ma.fields.Nested(KindFiguresSchema),
        required=True,
    )


class MunicipalityNameSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name_ja = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)


class StatsReportSchema(ma.Schema):
    municipality = ma.fields.Nested(MunicipalityNameSchema, required=True)
    first = ma.fields.String(data_key="from", attribute="from", required=True)
    last = ma.fields.String(data_key="to", attribute="to", required=True)
    kind = ma.fields.String(allow_none=True, required=True)
    months = ma.fields.List(ma.fields.Nested(MonthFiguresSchema), required=True)
    suppressed = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "Withheld figures as `YYYY-MM.cell.metric`.",
            "example": ["2026-04.pickup.requests_posted"],
        },
        required=True,
    )
    definitions = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)
    suppression = ma.fields.String(
        metadata={"description": "The suppression rule in words."}, required=True
    )
