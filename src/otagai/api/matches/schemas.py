"""Request and response bodies of matches (成立), with the insurance tag they carry."""

from __future__ import annotations

import marshmallow as ma

from otagai.api.common import PersonSchema, StrictSchema, reason_field, text
from otagai.domain.insurance.coverage import REASONS
from otagai.domain.matches import checkins, passes, timeline
from otagai.domain.matches.models import (
    CANCELLED,
    COMPLETED,
    CONFIRMED,
    REQUESTER_SIDE,
    SUPPORTER_SIDE,
)


class MatchCancelSchema(StrictSchema):
    reason = reason_field("子どもが熱を出したため、今日はお休みします。")


# --- answers -----------------------------------------------------------------------------


class InsuredChildSchema(ma.Schema):
    child_id = ma.fields.String(metadata={"format": "uuid"}, required=True)
    age_on_activity_date = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "Completed years on the activity day (Asia/Tokyo)."},
        required=True,
    )
    covered = ma.fields.Boolean(required=True)


POLICY_FIELD = "Null when no policy applies."


class InsuranceTagSchema(ma.Schema):
    """The insurance coverage tag: stored on a match when it is confirmed, never recomputed."""

    covered = ma.fields.Boolean(required=True)
    policy_id = ma.fields.String(
        allow_none=True, metadata={"description": POLICY_FIELD}, required=True
    )
    policy_version = ma.fields.Integer(
        allow_none=True, metadata={"description": POLICY_FIELD}, required=True
    )
    policy_name = ma.fields.String(
        allow_none=True, metadata={"description": POLICY_FIELD}, required=True
    )
    policy_number = ma.fields.String(
        allow_none=True, metadata={"description": POLICY_FIELD}, required=True
    )
    kinds = ma.fields.List(
        ma.fields.String(),
        allow_none=True,
        metadata={"description": "Kinds the policy covers. " + POLICY_FIELD},
        required=True,
    )
    limits = ma.fields.Dict(
        keys=ma.fields.String(),
        allow_none=True,
        metadata={"description": "The policy's limits (JPY). " + POLICY_FIELD},
        required=True,
    )
    computed_at = ma.fields.String(metadata={"format": "date-time"}, required=True)
    children = ma.fields.List(ma.fields.Nested(InsuredChildSchema), required=True)
    reasons = ma.fields.List(
        ma.fields.String(metadata={"enum": list(REASONS)}),
        metadata={"description": "Why it is not (fully) covered; empty when covered."},
        required=True,
    )


SIDES = [REQUESTER_SIDE, SUPPORTER_SIDE]


class NoShowCreateSchema(StrictSchema):
    reason = reason_field("約束の時間に保育園に来られず、連絡もありませんでした。")


class NoShowAnswerSchema(StrictSchema):
    text = text(
        max_length=500,
        required=True,
        multiline=True,
        metadata={"example": "急に体調を崩してしまい、連絡できませんでした。申し訳ありません。"},
    )


class NoShowSchema(ma.Schema):
    """A no-show on the match, as its parties see it."""

    reported_by = ma.fields.String(
        metadata={"enum": SIDES, "description": "The side that recorded it."}, required=True
    )
    absent = ma.fields.String(
        metadata={"enum": SIDES, "description": "The side reported absent: the other one."},
        required=True,
    )
    reason = ma.fields.String(required=True)
    at = ma.fields.AwareDateTime(required=True, metadata={"description": "The server's time."})
    answer = ma.fields.String(
        allow_none=True, required=True, metadata={"description": "The absent side's answer."}
    )
    answered_at = ma.fields.AwareDateTime(allow_none=True, required=True)


class MatchSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    request_id = ma.fields.UUID(required=True)
    offer_id = ma.fields.UUID(required=True)
    requester_id = ma.fields.UUID(required=True)
    supporter_id = ma.fields.UUID(required=True)
    requester = ma.fields.Nested(PersonSchema, required=True)
    supporter = ma.fields.Nested(PersonSchema, required=True)
    status = ma.fields.String(metadata={"enum": [CONFIRMED, COMPLETED, CANCELLED]}, required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    insurance = ma.fields.Nested(InsuranceTagSchema, required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    completed_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    cancelled_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    cancel_reason = ma.fields.String(allow_none=True, required=True)
    no_show = ma.fields.Nested(
        NoShowSchema,
        allow_none=True,
        required=True,
        metadata={"description": "The no-show recorded on the match, if any."},
    )


class TimelineEntrySchema(ma.Schema):
    """One thing that happened to the match, at the server's time."""

    type = ma.fields.String(metadata={"enum": list(timeline.TYPES)}, required=True)
    at = ma.fields.AwareDateTime(required=True)
    actor = ma.fields.Nested(
        PersonSchema,
        allow_none=True,
        required=True,
        metadata={"description": "Who did it; null for the system (a job, the nursery)."},
    )
    data = ma.fields.Dict(
        keys=ma.fields.String(),
        required=True,
        metadata={
            "description": "Codes and ids only, by type: a late escalation's `missing` (the "
            "check-in not recorded in time) and `step` (`requester`, `supporter`, "
            "`coordinators`: who was told); a no-show's (and its answer's) `absent` "
            "(`requester` or `supporter`: the side reported absent); a pass opening's "
            "`valid` and `status`; a rejected handover code's `attempt` and `locked`; a report "
            "draft's `incident`."
        },
    )


class TimelineSchema(ma.Schema):
    match_id = ma.fields.UUID(required=True)
    items = ma.fields.List(ma.fields.Nested(TimelineEntrySchema), required=True)


# --- the pickup pass, check-ins, the handover code -----------------------------------------


class PickupPassSchema(ma.Schema):
    """What the supporter shows at the nursery: the link (also as a QR code) and a code
    staff can compare. Nothing of it is stored; it works only inside its window."""

    match_id = ma.fields.UUID(required=True)
    token = ma.fields.String(
        required=True, metadata={"description": "Signed; carries the match id only."}
    )
    url = ma.fields.String(
        required=True, metadata={"description": "The page nursery staff open (`/pass/{token}`)."}
    )
    qr_svg = ma.fields.String(
        required=True, metadata={"description": "The URL as a QR code (SVG)."}
    )
    code = ma.fields.String(
        required=True,
        metadata={"description": "Six characters the page shows too, to compare aloud."},
    )
    valid_from = ma.fields.AwareDateTime(
        required=True, metadata={"description": "30 minutes before the start."}
    )
    valid_until = ma.fields.AwareDateTime(required=True, metadata={"description": "The end."})
    status = ma.fields.String(
        required=True,
        metadata={
            "enum": list(passes.STATUSES),
            "description": "Now: expired also once the child has been handed over.",
        },
    )


class CheckinCreateSchema(StrictSchema):
    type = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(checkins.CHECKIN_TYPES),
        metadata={
            "description": "pickup: picked_up → arrived → handed_over; babysitting: "
            "started → ended. Each once, in that order."
        },
    )
    code = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=32),
        metadata={
            "description": "`handed_over` only: the code the requester's app shows "
            "(GET /v1/matches/{id}/handover-code)."
        },
    )


class CheckinSchema(ma.Schema):
    type = ma.fields.String(metadata={"enum": list(checkins.CHECKIN_TYPES)}, required=True)
    at = ma.fields.AwareDateTime(required=True, metadata={"description": "The server's time."})


class HandoverCodeSchema(ma.Schema):
    match_id = ma.fields.UUID(required=True)
    code = ma.fields.String(
        required=True, metadata={"description": "Six digits; the same for the whole match."}
    )
