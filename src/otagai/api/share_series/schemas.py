"""Request and response bodies of share series (定期のお願い)."""

from __future__ import annotations

import marshmallow as ma

from otagai.api.common import DATE_TIME_BOUNDS, PersonSchema, StrictSchema, reason_field, text
from otagai.api.share_requests.schemas import ShareRequestCreateSchema, _in_range
from otagai.domain.requests.models import KINDS
from otagai.domain.series.models import OCCURRENCE_STATUSES
from otagai.domain.series.rules import MAX_OCCURRENCES

SERIES_STATUSES = ("active", "ended")
OFFER_STATUSES = ("pending", "accepted", "declined", "withdrawn", "left")


class ShareSeriesCreateSchema(ShareRequestCreateSchema):
    """A share request's fields (its times: the first occurrence's) and the rule."""

    rrule = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=500),
        metadata={
            "example": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330T235959Z",
            "description": "An RFC 5545 RRULE from starts_at (Asia/Tokyo): FREQ DAILY, "
            f"WEEKLY or MONTHLY, with COUNT or UNTIL, at most {MAX_OCCURRENCES} dates, "
            "the last at most a year ahead.",
        },
    )
    include_holidays = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Default false: Japanese public holidays are skipped."},
    )


class OccurrenceChangeSchema(StrictSchema):
    skip = ma.fields.Boolean(
        metadata={"description": "true: skip this date; false: put a skipped date back."}
    )
    starts_at = ma.fields.AwareDateTime(validate=_in_range, metadata=DATE_TIME_BOUNDS)
    ends_at = ma.fields.AwareDateTime(validate=_in_range, metadata=DATE_TIME_BOUNDS)


class SeriesOfferCreateSchema(StrictSchema):
    note = text(max_length=1000, allow_none=True, multiline=True)


class SeriesLeaveSchema(StrictSchema):
    reason = reason_field("4月から仕事の時間が変わるため")


class OccurrenceSchema(ma.Schema):
    date = ma.fields.Date(required=True, metadata={"description": "The date the rule gave."})
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(OCCURRENCE_STATUSES))
    moved = ma.fields.Boolean(required=True)
    failure = ma.fields.String(allow_none=True, required=True)
    request_id = ma.fields.UUID(allow_none=True, required=True)
    request_status = ma.fields.String(allow_none=True, required=True)
    match_id = ma.fields.UUID(allow_none=True, required=True)
    match_status = ma.fields.String(allow_none=True, required=True)


class SeriesOfferSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    series_id = ma.fields.UUID(required=True)
    supporter = ma.fields.Nested(PersonSchema, required=True)
    note = ma.fields.String(allow_none=True, required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(OFFER_STATUSES))
    created_at = ma.fields.AwareDateTime(required=True)


class SeriesOfferInSeriesSchema(SeriesOfferSchema):
    class Meta:
        exclude = ("series_id",)


class ShareSeriesSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    title = ma.fields.String(required=True)
    community_id = ma.fields.UUID(required=True)
    rrule = ma.fields.String(required=True)
    include_holidays = ma.fields.Boolean(required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(SERIES_STATUSES))
    viewer_role = ma.fields.String(
        required=True, validate=ma.validate.OneOf(("household", "supporter"))
    )
    requester = ma.fields.Nested(PersonSchema, required=True)
    supporter = ma.fields.Nested(PersonSchema, allow_none=True, required=True)
    occurrences = ma.fields.List(ma.fields.Nested(OccurrenceSchema), required=True)
    offers = ma.fields.List(
        ma.fields.Nested(SeriesOfferInSeriesSchema),
        required=True,
        metadata={"description": "The requester's household only (empty for others)."},
    )
    created_at = ma.fields.AwareDateTime(required=True)
    ended_at = ma.fields.AwareDateTime(allow_none=True, required=True)
