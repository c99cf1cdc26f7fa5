"""Request and response bodies of community events and attendance."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma

from otagai.api.common import (
    DATE_TIME_BOUNDS,
    LatLngSchema,
    PersonSchema,
    PointField,
    StrictSchema,
    text,
)
from otagai.extensions.pagination import PageQueryArgsSchema

# Far enough for any real query; keeps date arithmetic away from datetime's limits.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "Must be between 2000 and 2100."


def _in_range(value: datetime) -> None:
    if not EARLIEST <= value < LATEST:
        raise ma.ValidationError(OUT_OF_RANGE)


class EventCreateSchema(StrictSchema):
    title = text(max_length=100, required=True, metadata={"example": "親子でおしゃべり会"})
    description = text(max_length=2000, allow_none=True, multiline=True)
    starts_at = ma.fields.AwareDateTime(
        required=True,
        validate=_in_range,
        metadata={
            **DATE_TIME_BOUNDS,
            "example": "2026-12-05T10:00:00+09:00",
            "description": "With an offset. From 30 days ago (recording an event after the "
            "fact) to one year ahead.",
        },
    )
    ends_at = ma.fields.AwareDateTime(
        allow_none=True,
        validate=_in_range,
        metadata={
            **DATE_TIME_BOUNDS,
            "example": "2026-12-05T12:00:00+09:00",
            "description": "After starts_at, at most 24 hours later.",
        },
    )
    place = ma.fields.Nested(
        LatLngSchema, required=True, metadata={"description": "The meeting place (public)."}
    )
    place_name = text(
        max_length=100, allow_none=True, metadata={"example": "浦和コミュニティセンター"}
    )


class EventQueryArgsSchema(PageQueryArgsSchema):
    since = ma.fields.AwareDateTime(
        data_key="from",
        validate=_in_range,
        metadata={
            **DATE_TIME_BOUNDS,
            "description": "Events not yet over at this time (default: now), soonest first. "
            "An event without ends_at counts as over 2 hours after it starts.",
        },
    )


class EventSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    community_id = ma.fields.UUID(required=True)
    community_name = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(allow_none=True, required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    place = PointField(required=True)
    place_name = ma.fields.String(allow_none=True, required=True)
    attendance_count = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class AttendanceCreateSchema(StrictSchema):
    user_id = ma.fields.UUID(
        required=True, metadata={"description": "A member of the event's community."}
    )


class AttendanceSchema(ma.Schema):
    event_id = ma.fields.UUID(required=True)
    user = ma.fields.Nested(PersonSchema, required=True)
    recorded_by = ma.fields.Nested(PersonSchema, required=True)
    recorded_at = ma.fields.AwareDateTime(required=True)
