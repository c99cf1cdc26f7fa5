"""Request and response bodies of /v1/communities and its members and coordinators."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from otagai.api.common import PersonSchema, StrictBoolean, StrictSchema, service_area, text
from otagai.api.municipalities.schemas import PolygonalField, geojson_doc
from otagai.domain.communities.geojson import POLYGON
from otagai.domain.communities.models import ROLE_COORDINATOR, ROLE_MEMBER
from otagai.domain.communities.services import DEFAULT_RADIUS_M, MAX_RADIUS_M
from otagai.domain.matches.reliability import DEFAULT_DAYS, MAX_DAYS
from otagai.extensions.geo import LatLng, within_bounds
from otagai.extensions.pagination import PageQueryArgsSchema

ROLES = [ROLE_MEMBER, ROLE_COORDINATOR]


class CommunityCreateSchema(StrictSchema):
    municipality_code = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(
            r"^[0-9]{6}\Z", error="Must be 6 digits (JIS local government code)."
        ),
        metadata={"example": "131121"},
    )
    name = text(max_length=100, required=True, metadata={"example": "三軒茶屋子育てシェア"})
    description = text(max_length=2000, allow_none=True, multiline=True)
    area = PolygonalField(
        types=(POLYGON,),
        required=True,
        description="GeoJSON Polygon, WGS 84 (SRID 4326), inside the municipality.",
    )


class CommunityUpdateSchema(StrictSchema):
    require_background_check_for_babysitting = StrictBoolean(
        required=True,
        metadata={
            "description": "When true, a supporter whose babysitting certification has no "
            "confirmed background check is no certified candidate for babysitting here."
        },
    )


class CommunityQueryArgsSchema(PageQueryArgsSchema):
    lat = ma.fields.Float(
        required=True,
        allow_nan=False,
        validate=ma.validate.Range(min=-90, max=90),
        metadata={"example": 35.6435, **service_area("lat")},
    )
    lng = ma.fields.Float(
        required=True,
        allow_nan=False,
        validate=ma.validate.Range(min=-180, max=180),
        metadata={"example": 139.6710, **service_area("lng")},
    )
    radius_m = ma.fields.Integer(
        load_default=DEFAULT_RADIUS_M,
        validate=ma.validate.Range(min=1, max=MAX_RADIUS_M),
        metadata={"description": "Communities within this distance of the point (metres)."},
    )

    @ma.validates_schema
    def _inside_service_area(self, data: dict[str, Any], **_: Any) -> None:
        if "lat" not in data or "lng" not in data:
            return
        bounds = current_app.config["OTAGAI"].home_bounds
        if not within_bounds(LatLng(data["lat"], data["lng"]), bounds):
            raise ma.ValidationError({"lat": ["Outside Japan."], "lng": ["Outside Japan."]})


_MY_ROLE = {
    "enum": [*ROLES, None],
    "description": "My role in it; null when I am not a member.",
}


class CommunitySummarySchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    municipality_code = ma.fields.String(required=True)
    description = ma.fields.String(allow_none=True, required=True)
    member_count = ma.fields.Integer(required=True)
    distance_m = ma.fields.Integer(
        metadata={"description": "From the given point, rounded up to 100 m; 0 when inside."},
        required=True,
    )
    my_role = ma.fields.String(allow_none=True, metadata=_MY_ROLE, required=True)


class CommunitySchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    municipality_code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(allow_none=True, required=True)
    area = ma.fields.Dict(
        metadata=geojson_doc(POLYGON, description="The community's area."), required=True
    )
    member_count = ma.fields.Integer(required=True)
    coordinators = ma.fields.List(ma.fields.Nested(PersonSchema), required=True)
    my_role = ma.fields.String(allow_none=True, metadata=_MY_ROLE, required=True)
    require_background_check_for_babysitting = ma.fields.Boolean(
        metadata={
            "description": "Babysitting certifications count only with a confirmed "
            "criminal-record check (default false)."
        },
        required=True,
    )
    created_at = ma.fields.AwareDateTime(required=True)


class MembershipSchema(ma.Schema):
    community_id = ma.fields.UUID(required=True)
    role = ma.fields.String(metadata={"enum": ROLES}, required=True)
    joined_at = ma.fields.AwareDateTime(required=True)


class CoordinatorCreateSchema(StrictSchema):
    user_id = ma.fields.UUID(
        required=True,
        metadata={
            "example": "3f0a8f7e-2b1c-4d5e-9f60-718293a4b5c6",
            "description": "The user's id in Otagai (GET /v1/me answers it).",
        },
    )


class CoordinatorSchema(ma.Schema):
    community_id = ma.fields.UUID(required=True)
    user_id = ma.fields.UUID(required=True)
    display_name = ma.fields.String(allow_none=True, required=True)
    role = ma.fields.String(metadata={"enum": [ROLE_COORDINATOR]}, required=True)


# --- reliability (issue 14) --------------------------------------------------------------


class ReliabilityQueryArgsSchema(PageQueryArgsSchema):
    days = ma.fields.Integer(
        load_default=DEFAULT_DAYS,
        validate=ma.validate.Range(min=1, max=MAX_DAYS),
        metadata={
            "description": f"The window: matches that started in the last `days` days "
            f"(1–{MAX_DAYS}, default {DEFAULT_DAYS})."
        },
    )


class ReliabilitySchema(ma.Schema):
    """How one person kept their word in the community's matches of the window."""

    person = ma.fields.Nested(PersonSchema, required=True)
    completed = ma.fields.Integer(
        required=True, metadata={"description": "Matches completed (as requester or supporter)."}
    )
    cancelled_late = ma.fields.Integer(
        required=True,
        metadata={
            "description": "Matches this person cancelled less than 24 hours before the "
            "start, or after it (a cancellation that came with a no-show they recorded "
            "is not counted)."
        },
    )
    no_shows = ma.fields.Integer(
        required=True, metadata={"description": "No-shows recorded against this person."}
    )
    window_days = ma.fields.Integer(required=True, metadata={"description": "The window."})


class NewcomerSchema(ma.Schema):
    """A member to welcome: their household consented and has no connection yet."""

    person = ma.fields.Nested(PersonSchema, required=True)
    joined_on = ma.fields.Date(
        required=True, metadata={"description": "The day (Asia/Tokyo) they joined the community."}
    )
