"""Schema pieces several resources share."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from otagai.extensions.geo import LatLng, within_bounds


class StrictSchema(ma.Schema):
    """Unknown fields are an error (422), not silently dropped."""

    class Meta:
        unknown = ma.RAISE


def text(
    *, max_length: int, required: bool = False, allow_none: bool = False, **kwargs: Any
) -> ma.fields.String:
    """A trimmed, non-blank string of bounded length."""
    return TrimmedString(
        required=required,
        allow_none=allow_none,
        validate=ma.validate.Length(min=1, max=max_length),
        **kwargs,
    )


class TrimmedString(ma.fields.String):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        result = super()._deserialize(value, attr, data, **kwargs)
        result = result.strip()
        if not result:
            raise ma.ValidationError("Must not be blank.")
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in result):
            raise ma.ValidationError("Invalid value.")
        return result


class LatLngSchema(StrictSchema):
    """A point, WGS 84. Inside Japan unless the deployment configures other bounds."""

    lat = ma.fields.Float(
        required=True,
        allow_nan=False,
        validate=ma.validate.Range(min=-90, max=90),
        metadata={"example": 35.8617},
    )
    lng = ma.fields.Float(
        required=True,
        allow_nan=False,
        validate=ma.validate.Range(min=-180, max=180),
        metadata={"example": 139.6455},
    )

    @ma.validates_schema
    def _inside_service_area(self, data: dict[str, float], **_: Any) -> None:
        bounds = current_app.config["OTAGAI"].home_bounds
        if not within_bounds(LatLng(data["lat"], data["lng"]), bounds):
            raise ma.ValidationError("Outside Japan.", "_schema")

    @ma.post_load
    def _to_point(self, data: dict[str, float], **_: Any) -> LatLng:
        return LatLng(lat=data["lat"], lng=data["lng"])
