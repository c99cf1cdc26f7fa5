from __future__ import annotations

import marshmallow as ma

from otagai.api.common import StrictSchema


class HouseholdJoinSchema(StrictSchema):
    code = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=32),
        metadata={"example": "K7QM-2XPA", "description": "Case, spaces and hyphens do not matter."},
    )
