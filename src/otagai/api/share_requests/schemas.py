"""Request and response bodies of share requests (お願い)."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma

from otagai.api.common import (
    DATE_TIME_BOUNDS,
    LatLngSchema,
    PersonSchema,
    PointField,
    StrictInteger,
    StrictSchema,
    reason_field,
    text,
)
from otagai.domain.matching.views import AGE_BANDS
from otagai.domain.requests.models import (
    AUDIENCE_COMMUNITY,
    AUDIENCES,
    CANCELLED,
    COMPLETED,
    EXPIRED,
    KINDS,
    MATCHED,
    OPEN,
    RUNGS,
)
from otagai.domain.requests.validation import (
    ITEM_CATEGORIES,
    MAX_RADIUS_M,
    MAX_THANK_YOU_JPY,
    MIN_RADIUS_M,
)
from otagai.domain.sharing.visibility import VIEWER_ROLES
from otagai.extensions.pagination import PageQueryArgsSchema

STATUSES = (OPEN, MATCHED, COMPLETED, CANCELLED, EXPIRED)

# Far enough for any real request; keeps date arithmetic away from datetime's limits.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _in_range(value: datetime) -> None:
    if not EARLIEST <= value < LATEST:
        raise ma.ValidationError("Must be between 2000 and 2100.")


class RequestItemSchema(StrictSchema):
    category = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(ITEM_CATEGORIES),
        metadata={"example": "stroller"},
    )
    description = text(
        max_length=1000, required=True, multiline=True, metadata={"example": "A型ベビーカー"}
    )


class ShareRequestCreateSchema(StrictSchema):
    kind = ma.fields.String(
        required=True, validate=ma.validate.OneOf(KINDS), metadata={"example": "pickup"}
    )
    community_id = ma.fields.UUID(
        required=True, metadata={"description": "A community you are a member of."}
    )
    title = text(
        max_length=100, required=True, metadata={"example": "保育園のお迎えをお願いしたいです"}
    )
    details = text(max_length=2000, allow_none=True, multiline=True)
    starts_at = ma.fields.AwareDateTime(
        required=True,
        validate=_in_range,
        metadata={
            **DATE_TIME_BOUNDS,
            "example": "2026-12-03T17:00:00+09:00",
            "description": "With an offset; in the future, at most a year ahead.",
        },
    )
    ends_at = ma.fields.AwareDateTime(
        required=True,
        validate=_in_range,
        metadata={
            **DATE_TIME_BOUNDS,
            "example": "2026-12-03T18:30:00+09:00",
            "description": "After starts_at: at most 12 hours later for pickup and "
            "babysitting, 30 days for lending.",
        },
    )
    location = ma.fields.Nested(
        LatLngSchema,
        required=True,
        metadata={
            "description": "Where the help happens (pickup: where the child is picked up). "
            "Shown exactly only to your household and, after the match, the supporter."
        },
    )
    dropoff = ma.fields.Nested(
        LatLngSchema,
        allow_none=True,
        metadata={"description": "Pickup only, and required.", "x-required-when": "kind=pickup"},
    )
    child_ids = ma.fields.List(
        ma.fields.UUID(),
        allow_none=True,
        metadata={
            "description": "Children of your household (pickup and babysitting: at least one)."
        },
    )
    item = ma.fields.Nested(
        RequestItemSchema,
        allow_none=True,
        metadata={"description": "Lending only, and required.", "x-required-when": "kind=lending"},
    )
    audience = ma.fields.String(
        load_default=AUDIENCE_COMMUNITY,
        validate=ma.validate.OneOf(AUDIENCES),
        metadata={
            "description": "`connections`: your acquaintances only; `community` (default): "
            "acquaintances plus the community's certified supporters (for lending, any member); "
            "`widening`: starts with your acquaintances and widens one rung at a time while "
            "no offer comes (docs/escalation-ladder.md)."
        },
    )
    radius_m = StrictInteger(
        allow_none=True,
        validate=ma.validate.Range(min=MIN_RADIUS_M, max=MAX_RADIUS_M),
        metadata={
            "description": "Default 2000 for pickup and babysitting, 5000 for lending. "
            "Measured between public points (README, Location privacy): a person counts "
            "as within it give or take a few hundred metres."
        },
    )
    intended_thank_you_jpy = StrictInteger(
        allow_none=True,
        validate=ma.validate.Range(min=0, max=MAX_THANK_YOU_JPY),
        metadata={"example": 1000},
    )


class MyShareRequestsQueryArgsSchema(PageQueryArgsSchema):
    status = ma.fields.String(
        validate=ma.validate.OneOf(STATUSES),
        metadata={"description": "Effective status (an open request past its start is expired)."},
    )


class ShareRequestCancelSchema(StrictSchema):
    reason = reason_field("予定が変わりました")


# --- answers -----------------------------------------------------------------------------


class RequestCommunitySchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(allow_none=True, required=True)


class RequestItemViewSchema(ma.Schema):
    category = ma.fields.String(metadata={"enum": list(ITEM_CATEGORIES)}, required=True)
    description = ma.fields.String(required=True)


class RecommendedThankYouSchema(ma.Schema):
    min_jpy = ma.fields.Integer(metadata={"example": 1000}, required=True)
    max_jpy = ma.fields.Integer(metadata={"example": 1400}, required=True)


class RequestChildSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    nickname = ma.fields.String(allow_none=True, required=True)
    birth_date = ma.fields.Date(allow_none=True, metadata={"description": "Household only."})
    age = ma.fields.Integer(
        allow_none=True, metadata={"description": "On the activity day."}, required=True
    )
    age_band = ma.fields.String(allow_none=True, metadata={"enum": list(AGE_BANDS)}, required=True)
    notes = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Always for the household; for the matched supporter only from 24 h "
            "before the start to 2 h after the end (absent otherwise). Each read by the "
            "supporter is in the child's access log."
        },
    )


class RequestChildrenSchema(ma.Schema):
    count = ma.fields.Integer(required=True)
    age_bands = ma.fields.List(ma.fields.String(metadata={"enum": list(AGE_BANDS)}), required=True)
    # "list", not "items": marshmallow would read a dict's missing "items" as dict.items.
    children_list = ma.fields.List(
        ma.fields.Nested(RequestChildSchema),
        data_key="list",
        attribute="list",
        metadata={"description": "Only for the household and the matched supporter."},
    )


FULL_ONLY = "Only for the requester's household and the matched supporter."
HOUSEHOLD_ONLY = "Only for the requester's household."


class RungSchema(ma.Schema):
    name = ma.fields.String(metadata={"enum": list(RUNGS)}, required=True)
    since = ma.fields.AwareDateTime(required=True)
    next_at = ma.fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "When it widens next if no offer comes (null: last rung)."},
        required=True,
    )


FRIEND_OF = (
    "A friend of a friend (widening requests): the display name of the friend you have in "
    'common, shown as "a friend of <name>"; the other side\'s name is not shown.'
)


class ShareRequestSchema(ma.Schema):
    """A share request at the caller's visibility (``viewer_role``)."""

    id = ma.fields.UUID(required=True)
    series_id = ma.fields.UUID(
        allow_none=True,
        metadata={
            "description": "The share series this request is one date of (null for a single "
            "request): a supporter may offer on the whole series at "
            "`POST /v1/share-series/{id}/offers`."
        },
    )
    viewer_role = ma.fields.String(
        metadata={
            "enum": list(VIEWER_ROLES),
            "description": "How you relate to it: `household` (yours), `supporter` (you "
            "help with it), `candidate` (you may offer help), `past_supporter` "
            "(your match with it was cancelled).",
        },
        required=True,
    )
    kind = ma.fields.String(metadata={"enum": list(KINDS)}, required=True)
    status = ma.fields.String(
        metadata={
            "enum": list(STATUSES),
            "description": "Effective: an open request past its start reads as expired.",
        },
        required=True,
    )
    title = ma.fields.String(required=True)
    details = ma.fields.String(allow_none=True, required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    item = ma.fields.Nested(RequestItemViewSchema, allow_none=True, required=True)
    audience = ma.fields.String(metadata={"enum": list(AUDIENCES)}, required=True)
    intended_thank_you_jpy = ma.fields.Integer(allow_none=True, required=True)
    recommended_thank_you = ma.fields.Nested(
        RecommendedThankYouSchema,
        allow_none=True,
        metadata={
            "description": "500–700 JPY per started hour for pickup and babysitting; "
            "null for lending."
        },
        required=True,
    )
    requester = ma.fields.Nested(PersonSchema, required=True)
    community = ma.fields.Nested(RequestCommunitySchema, required=True)
    children = ma.fields.Nested(RequestChildrenSchema, required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    location = PointField(metadata={"description": FULL_ONLY})
    dropoff = PointField(allow_none=True, metadata={"description": FULL_ONLY})
    match_id = ma.fields.UUID(
        allow_none=True, metadata={"description": "For the household and the supporter."}
    )
    distance_m = ma.fields.Integer(
        metadata={
            "description": "Candidates only: from your home to the request's public point "
            "(kept 150–300 m from its location), rounded up to 100 m."
        }
    )
    radius_m = ma.fields.Integer(metadata={"description": HOUSEHOLD_ONLY})
    offers_count = ma.fields.Integer(
        metadata={"description": HOUSEHOLD_ONLY + " Offers awaiting your decision."}
    )
    supporter = ma.fields.Nested(
        PersonSchema, allow_none=True, metadata={"description": HOUSEHOLD_ONLY}
    )
    candidate_count = ma.fields.Integer(
        metadata={
            "description": HOUSEHOLD_ONLY + " While open: how many people may help (up to 50)."
        }
    )
    rung = ma.fields.Nested(
        RungSchema,
        allow_none=True,
        metadata={"description": HOUSEHOLD_ONLY + " Widening requests: the rung it is on."},
    )
    friend_of = ma.fields.String(allow_none=True, metadata={"description": FRIEND_OF})
    cancel_reason = ma.fields.String(allow_none=True, metadata={"description": HOUSEHOLD_ONLY})
    cancelled_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": HOUSEHOLD_ONLY}
    )
