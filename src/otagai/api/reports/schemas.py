"""Request and response bodies of the activity report (援助活動報告書) and its CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma

from otagai.api.common import DATE_TIME_BOUNDS, PersonSchema, StrictBoolean, StrictSchema, text
from otagai.api.statistics.schemas import MonthField
from otagai.domain.reports.models import DECISIONS, DISPUTED, MAX_TEXT, STATUSES
from otagai.domain.statistics.months import EARLIEST_YEAR, LATEST_YEAR, MONTH_PATTERN

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _in_range(value: datetime) -> None:
    if not EARLIEST <= value < LATEST:
        raise ma.ValidationError("Must be between 2000 and 2100.")


def _moment(description: str, example: str) -> ma.fields.AwareDateTime:
    return ma.fields.AwareDateTime(
        required=True,
        validate=_in_range,
        metadata={**DATE_TIME_BOUNDS, "example": example, "description": description},
    )


class ReportDraftSchema(StrictSchema):
    started_at = _moment(
        "When the help really started, with an offset; within 6 hours of the scheduled "
        "times, not in the future.",
        "2026-12-04T22:05:00+09:00",
    )
    ended_at = _moment(
        "When it really ended: after started_at, within 6 hours of the scheduled end, "
        "not in the future.",
        "2026-12-04T23:20:00+09:00",
    )
    activities = text(
        max_length=MAX_TEXT,
        required=True,
        multiline=True,
        metadata={"example": "保育園へお迎えに行き、自宅で絵本を読んで過ごしました。"},
    )
    incident = StrictBoolean(
        required=True,
        metadata={"description": "An accident, an injury or damage: opens an insurance claim."},
    )
    incident_text = text(
        max_length=MAX_TEXT,
        allow_none=True,
        multiline=True,
        load_default=None,
        metadata={
            "description": "What happened: required when incident is true, dropped otherwise.",
            "x-required-when": "incident=true",
        },
    )

    @ma.validates_schema
    def _incident_told(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("incident") and not data.get("incident_text"):
            raise ma.ValidationError("Required when incident is true.", "incident_text")


class ReportDecisionSchema(StrictSchema):
    decision = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(DECISIONS),
        metadata={"description": "`confirmed` is final; `disputed` lets the supporter redraft."},
    )
    comment = text(
        max_length=MAX_TEXT,
        allow_none=True,
        multiline=True,
        load_default=None,
        metadata={
            "description": "Why: required when disputed.",
            "x-required-when": "decision=disputed",
        },
    )

    @ma.validates_schema
    def _dispute_explained(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("decision") == DISPUTED and not data.get("comment"):
            raise ma.ValidationError("Required when disputed.", "comment")


class ActivityReportSchema(ma.Schema):
    """援助活動報告書: the supporter's account of the help, and the household's decision."""

    match_id = ma.fields.UUID(required=True)
    status = ma.fields.String(metadata={"enum": list(STATUSES)}, required=True)
    started_at = ma.fields.AwareDateTime(required=True)
    ended_at = ma.fields.AwareDateTime(required=True)
    activities = ma.fields.String(required=True)
    incident = ma.fields.Boolean(required=True)
    incident_text = ma.fields.String(allow_none=True, required=True)
    supporter = ma.fields.Nested(PersonSchema, required=True)
    created_at = ma.fields.AwareDateTime(
        required=True, metadata={"description": "The first draft (server time)."}
    )
    drafted_at = ma.fields.AwareDateTime(
        required=True, metadata={"description": "The latest draft (server time)."}
    )
    decided_at = ma.fields.AwareDateTime(
        allow_none=True,
        required=True,
        metadata={"description": "When the household confirmed or disputed; null for a draft."},
    )
    decided_by = ma.fields.Nested(PersonSchema, allow_none=True, required=True)
    decision_comment = ma.fields.String(allow_none=True, required=True)


class ActivityReportsCsvQuerySchema(StrictSchema):
    month = MonthField(
        required=True,
        metadata={
            "type": "string",
            "pattern": MONTH_PATTERN,
            "example": "2026-12",
            "description": f"The month the matches started in (Asia/Tokyo), "
            f"{EARLIEST_YEAR}-01 to {LATEST_YEAR}-12.",
        },
    )
    lang = ma.fields.String(
        validate=ma.validate.OneOf(("ja", "en")),
        load_default="ja",
        metadata={"description": "Language of the headers."},
    )
