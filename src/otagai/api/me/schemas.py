"""Request and response bodies of /v1/me and its sub-resources."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from otagai.api.common import LatLngSchema, PersonSchema, PointField, StrictSchema, text
from otagai.domain.clock import today_tokyo
from otagai.domain.people.ages import is_child_birth_date
from otagai.domain.people.models import LOCALES


class ProfileUpdateSchema(StrictSchema):
    display_name = text(max_length=50, required=True, metadata={"example": "佐藤 美香"})
    locale = ma.fields.String(validate=ma.validate.OneOf(LOCALES), metadata={"example": "ja"})
    home = ma.fields.Nested(
        LatLngSchema,
        allow_none=True,
        metadata={
            "description": "Home location; only you ever see it. Omit to keep the "
            "stored one, null to remove it."
        },
    )
    welcome_consent = ma.fields.Boolean(
        metadata={
            "description": "My household's consent to the way in for isolated families "
            "(docs/welcome.md): while it has no connection, one gentle push a month about "
            "its communities' next event, and its members' display names and joined dates "
            "on their coordinators' list of newcomers. Off unless given (offer it at "
            "sign-up); omit to keep it."
        }
    )


class HouseholdSummarySchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    members = ma.fields.List(ma.fields.Nested(PersonSchema), required=True)
    children_count = ma.fields.Integer(required=True)


class ProfileHouseholdSchema(HouseholdSummarySchema):
    welcome_consent = ma.fields.Boolean(
        required=True, metadata={"description": "See `welcome_consent` of PUT /v1/me."}
    )


class CommunityRoleSchema(ma.Schema):
    id = ma.fields.UUID(attribute="community_id", required=True)
    name = ma.fields.String(required=True)
    municipality_code = ma.fields.String(required=True)
    role = ma.fields.String(metadata={"enum": ["member", "coordinator"]}, required=True)


class ProfileSchema(ma.Schema):
    id = ma.fields.UUID(
        metadata={"description": "Your user id in Otagai (not the Firebase uid)."}, required=True
    )
    display_name = ma.fields.String(allow_none=True, required=True)
    locale = ma.fields.String(required=True)
    home = PointField(
        allow_none=True, metadata={"description": "Only in your own profile."}, required=True
    )
    roles = ma.fields.List(
        ma.fields.String(metadata={"enum": ["operator", "coordinator"]}), required=True
    )
    household = ma.fields.Nested(ProfileHouseholdSchema, required=True)
    communities = ma.fields.List(ma.fields.Nested(CommunityRoleSchema), required=True)
    created_at = ma.fields.AwareDateTime(required=True)


def _birth_date_ok(value: Any) -> None:
    if not is_child_birth_date(value, today_tokyo()):
        if value > today_tokyo():
            raise ma.ValidationError("Must not be in the future.")
        raise ma.ValidationError("Must be a child aged 18 or under.")


class ChildCreateSchema(StrictSchema):
    nickname = text(max_length=50, required=True, metadata={"example": "はるとくん"})
    birth_date = ma.fields.Date(
        required=True, validate=_birth_date_ok, metadata={"example": "2021-04-01"}
    )
    notes = text(
        max_length=1000,
        allow_none=True,
        multiline=True,
        metadata={
            "example": "卵アレルギー",
            "description": "Allergies and the like; seen only by your "
            "household and, after a match, the supporter.",
        },
    )


class ChildUpdateSchema(StrictSchema):
    nickname = text(max_length=50)
    birth_date = ma.fields.Date(validate=_birth_date_ok)
    notes = text(max_length=1000, allow_none=True, multiline=True)


class ChildSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    nickname = ma.fields.String(required=True)
    birth_date = ma.fields.Date(required=True)
    notes = ma.fields.String(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class HouseholdInviteSchema(ma.Schema):
    code = ma.fields.String(
        metadata={"example": "K7QM2XPA", "description": "Give it to the other parent."},
        required=True,
    )
    household_id = ma.fields.UUID(required=True)
    expires_at = ma.fields.AwareDateTime(required=True)


class DeviceCreateSchema(StrictSchema):
    token = ma.fields.String(
        required=True,
        validate=[
            ma.validate.Length(min=1, max=512),
            # FCM tokens are printable ASCII; anything else is not a token.
            ma.validate.Regexp(r"^[\x21-\x7e]+$", error="Must be printable ASCII."),
        ],
        metadata={"description": "FCM registration token."},
    )
    platform = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["ios", "android", "web"])
    )


class DeviceSchema(ma.Schema):
    token = ma.fields.String(required=True)
    platform = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class AuthorisedAdultCreateSchema(StrictSchema):
    name = text(max_length=100, required=True, metadata={"example": "佐藤 和子"})
    relation = text(
        max_length=50,
        required=True,
        metadata={
            "example": "祖母",
            "description": "In your own words (祖母, 近所の友人, ベビーシッター).",
        },
    )


class AuthorisedAdultSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    child_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    relation = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
