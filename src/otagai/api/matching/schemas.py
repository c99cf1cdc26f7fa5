"""Answers of the candidate list and the supporters' feed, and the feed's query."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from otagai.api.common import PersonSchema, service_area
from otagai.api.share_requests.schemas import (
    RecommendedThankYouSchema,
    RequestCommunitySchema,
    RequestItemViewSchema,
)
from otagai.domain.matching.candidates import TIERS
from otagai.domain.matching.views import AGE_BANDS
from otagai.domain.requests.models import KINDS
from otagai.extensions.geo import LatLng, within_bounds
from otagai.extensions.pagination import PageQueryArgsSchema

ROUNDED = "Rounded up to 100 m."
PUBLIC_POINT = (
    "kept 150–300 m from the true point and fixed for that place, so that no sequence of "
    "calls locates anybody; see the README's Location privacy"
)


class CandidateSchema(ma.Schema):
    user_id = ma.fields.UUID(required=True)
    display_name = ma.fields.String(allow_none=True, required=True)
    trust_tier = ma.fields.String(
        metadata={
            "enum": list(TIERS),
            "description": "Your connection and certified for this kind, your connection, "
            "certified for this kind in the community, or (lending) a member; on a widening "
            "request's later rungs a friend of a friend, or certified in a neighbouring "
            "community.",
        },
        required=True,
    )
    friend_of = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Friends of friends only (their display_name is null): the "
            'display name of your common friend, shown as "a friend of <name>".'
        },
    )
    certified_kinds = ma.fields.List(
        ma.fields.String(metadata={"enum": list(KINDS)}),
        metadata={"description": "Kinds of their certification in this community, valid on "
                  "the request's day (empty when not certified)."},
     required=True)  # fmt: skip
    completed_shares = ma.fields.Integer(
        metadata={"description": "Shares they completed with your household."}, required=True
    )
    background_check_confirmed = ma.fields.Boolean(
        metadata={
            "description": "Their certification here has a criminal-record check confirmed "
            "by a coordinator (never which, when or by whom). Where the community requires "
            "one for babysitting, a babysitting certification without it does not count."
        },
        required=True,
    )
    distance_m = ma.fields.Integer(
        metadata={
            "description": "From your request's location to their home's public point "
            f"({PUBLIC_POINT}). " + ROUNDED
        },
        required=True,
    )


class FeedQueryArgsSchema(PageQueryArgsSchema):
    lat = ma.fields.Float(
        allow_nan=False,
        validate=ma.validate.Range(min=-90, max=90),
        metadata={
            "example": 35.8617,
            **service_area("lat"),
            "x-together-with": "lng",
            "description": "Where you are now (with lng): distances and order from here "
            "instead of your home. Who you may help is always judged from your home.",
        },
    )
    lng = ma.fields.Float(
        allow_nan=False,
        validate=ma.validate.Range(min=-180, max=180),
        metadata={
            "example": 139.6455,
            **service_area("lng"),
            "x-together-with": "lat",
            "description": "With lat.",
        },
    )

    @ma.validates_schema
    def _both_inside_service_area(self, data: dict[str, Any], **_: Any) -> None:
        given = [k for k in ("lat", "lng") if k in data]
        if len(given) == 1:
            missing = "lng" if given == ["lat"] else "lat"
            raise ma.ValidationError({missing: ["Missing data for required field."]})
        if not given:
            return
        bounds = current_app.config["OTAGAI"].home_bounds
        if not within_bounds(LatLng(data["lat"], data["lng"]), bounds):
            raise ma.ValidationError({"lat": ["Outside Japan."], "lng": ["Outside Japan."]})


class FeedChildrenSchema(ma.Schema):
    count = ma.fields.Integer(required=True)
    age_bands = ma.fields.List(
        ma.fields.String(metadata={"enum": list(AGE_BANDS)}),
        metadata={"description": "Age on the request's day, youngest first."},
        required=True,
    )


class FeedItemSchema(ma.Schema):
    """An open request you may offer on, as a candidate sees it (no coordinates, children
    only as a count and age bands)."""

    id = ma.fields.UUID(required=True)
    kind = ma.fields.String(metadata={"enum": list(KINDS)}, required=True)
    title = ma.fields.String(required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    distance_m = ma.fields.Integer(
        metadata={
            "description": "From lat/lng if given, else from your home, to the request's "
            f"public point ({PUBLIC_POINT}). " + ROUNDED
        },
        required=True,
    )
    requester = ma.fields.Nested(PersonSchema, required=True)
    community = ma.fields.Nested(RequestCommunitySchema, required=True)
    trust_tier = ma.fields.String(
        metadata={
            "enum": list(TIERS),
            "description": "Why you may help: the requester's connection and certified, "
            "their connection, certified for this kind in the community, or (lending) a "
            "member of it; on a widening request's later rungs a friend of a friend of the "
            "requester, or certified in a neighbouring community.",
        },
        required=True,
    )
    friend_of = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Friends of friends only (the requester's display_name is null): "
            'the display name of your common friend, shown as "a friend of <name>".'
        },
    )
    children = ma.fields.Nested(FeedChildrenSchema, required=True)
    item = ma.fields.Nested(
        RequestItemViewSchema,
        allow_none=True,
        metadata={"description": "Lending only."},
        required=True,
    )
    intended_thank_you_jpy = ma.fields.Integer(allow_none=True, required=True)
    recommended_thank_you = ma.fields.Nested(
        RecommendedThankYouSchema,
        allow_none=True,
        metadata={"description": "Pickup and babysitting; null for lending."},
        required=True,
    )
