"""Request and response bodies of supporter certifications."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from otagai.api.common import PersonSchema, StrictSchema, reason_field
from otagai.domain.trust.background_checks import JP_DBS_STARTS_ON
from otagai.domain.trust.certification_rules import STATUSES
from otagai.domain.trust.models import BACKGROUND_CHECK_SCHEMES, KINDS
from otagai.extensions.pagination import PageQueryArgsSchema

NO_DUPLICATES = "Must not contain duplicates."


def _unique(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ma.ValidationError(NO_DUPLICATES)


def kinds_field(**kwargs: Any) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(KINDS)),
        validate=[ma.validate.Length(min=1, max=len(KINDS)), _unique],
        metadata={
            "example": ["pickup", "babysitting"],
            "uniqueItems": True,
            "description": "What the supporter is certified for: pickup (送迎), "
            "babysitting (託児), lending (モノの貸し借り).",
        },
        **kwargs,
    )


class CertificationCreateSchema(StrictSchema):
    user_id = ma.fields.UUID(
        required=True, metadata={"description": "A member (or coordinator) of this community."}
    )
    kinds = kinds_field(required=True)
    trained_on = ma.fields.Date(
        required=True,
        metadata={
            "example": "2026-10-01",
            "description": "Day the training was completed (Tokyo calendar): not in the "
            "future, within the last 3 years.",
        },
    )
    expires_on = ma.fields.Date(
        allow_none=True,
        metadata={
            "example": "2027-10-01",
            "description": "Last day of validity. Default: one year after trained_on; "
            "must be after today and at most 3 years after trained_on.",
        },
    )


class CertificationRenewSchema(StrictSchema):
    trained_on = ma.fields.Date(
        allow_none=True,
        metadata={"description": "New training date, if the supporter trained again."},
    )
    expires_on = ma.fields.Date(
        allow_none=True,
        metadata={
            "description": "New last day of validity, later than the current one. Default: "
            "one year after today or after the current expiry, whichever is later, capped "
            "at 3 years after trained_on."
        },
    )
    kinds = kinds_field()


class CertificationRevokeSchema(StrictSchema):
    reason = reason_field("活動を休止するため", description="Kept in the history.")


class BackgroundCheckSetSchema(StrictSchema):
    scheme = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(BACKGROUND_CHECK_SCHEMES),
        metadata={
            "example": "equivalent",
            "description": "jp_dbs: the Japanese DBS (こども性暴力防止法), from "
            f"{JP_DBS_STARTS_ON.isoformat()}; equivalent: another criminal-record check "
            "the coordinator saw.",
        },
    )
    confirmed_on = ma.fields.Date(
        required=True,
        metadata={
            "example": "2026-11-20",
            "description": "Day the check was confirmed (Tokyo calendar): not in the "
            f"future; for jp_dbs not before {JP_DBS_STARTS_ON.isoformat()}.",
        },
    )


class BackgroundCheckSchema(ma.Schema):
    scheme = ma.fields.String(metadata={"enum": list(BACKGROUND_CHECK_SCHEMES)}, required=True)
    confirmed_on = ma.fields.Date(required=True)
    confirmed_by = ma.fields.Nested(
        PersonSchema, metadata={"description": "The coordinator who confirmed it."}, required=True
    )
    recorded_at = ma.fields.AwareDateTime(required=True)


class CertificationQueryArgsSchema(PageQueryArgsSchema):
    status = ma.fields.String(
        validate=ma.validate.OneOf(STATUSES),
        metadata={"description": "Only certifications with this status today."},
    )
    user_id = ma.fields.UUID(metadata={"description": "Only this member's certifications."})


class MyCertificationQueryArgsSchema(PageQueryArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))


class CertificationChangeSchema(ma.Schema):
    action = ma.fields.String(metadata={"enum": ["granted", "renewed", "revoked"]}, required=True)
    actor = ma.fields.Nested(PersonSchema, required=True)
    at = ma.fields.AwareDateTime(required=True)
    details = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={
            "description": "The terms after the change (kinds, trained_on, expires_on; "
            "a renewal also has the previous ones), or the reason of a revocation."
        },
        required=True,
    )


class CertificationSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    community_id = ma.fields.UUID(required=True)
    community_name = ma.fields.String(required=True)
    user = ma.fields.Nested(PersonSchema, required=True)
    kinds = ma.fields.List(ma.fields.String(metadata={"enum": list(KINDS)}), required=True)
    trained_on = ma.fields.Date(required=True)
    expires_on = ma.fields.Date(
        metadata={"description": "Valid through this day (Tokyo)."}, required=True
    )
    status = ma.fields.String(
        metadata={"enum": list(STATUSES), "description": "As of today (Asia/Tokyo)."}, required=True
    )
    granted_by = ma.fields.Nested(PersonSchema, required=True)
    granted_at = ma.fields.AwareDateTime(required=True)
    revoked_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    revoked_by = ma.fields.Nested(PersonSchema, allow_none=True, required=True)
    revoke_reason = ma.fields.String(allow_none=True, required=True)
    background_check_confirmed = ma.fields.Boolean(
        metadata={"description": "A criminal-record check was confirmed by a coordinator."},
        required=True,
    )
    background_check = ma.fields.Nested(
        BackgroundCheckSchema,
        allow_none=True,
        metadata={
            "description": "Which check, when and by whom: only for the community's "
            "coordinators and the certified member (null otherwise, and when none). No "
            "certificate or content is ever stored."
        },
        required=True,
    )
    history = ma.fields.List(
        ma.fields.Nested(CertificationChangeSchema),
        metadata={"description": "Oldest first."},
        required=True,
    )
