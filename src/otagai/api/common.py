"""Schema pieces several resources share."""

from __future__ import annotations

import unicodedata
from typing import Any

import marshmallow as ma
from flask import current_app

from otagai.config import JAPAN_BOUNDS
from otagai.extensions.geo import LatLng, latlng_of, within_bounds

# Date-times a request may carry (keeps date arithmetic away from datetime's limits).
# OpenAPI 3.0 cannot bound a date-time, so the spec says it with these hints.
DATE_TIME_BOUNDS: dict[str, Any] = {
    "x-minimum": "2000-01-01T00:00:00Z",
    "x-exclusiveMaximum": "2100-01-01T00:00:00Z",
}


class StrictSchema(ma.Schema):
    """Unknown fields are an error (422), not silently dropped."""

    class Meta:
        unknown = ma.RAISE


def text(
    *,
    max_length: int,
    required: bool = False,
    allow_none: bool = False,
    multiline: bool = False,
    **kwargs: Any,
) -> ma.fields.String:
    """A trimmed, non-blank string of bounded length."""
    return TrimmedString(
        required=required,
        allow_none=allow_none,
        multiline=multiline,
        validate=ma.validate.Length(min=1, max=max_length),
        **kwargs,
    )


# Bidirectional overrides can make a name read as somebody else's.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def text_pattern(multiline: bool) -> str:
    """What TrimmedString takes, as a regular expression for the spec (ECMA and Python
    read it alike): no control characters but line breaks and tabs where ``multiline``,
    no bidirectional overrides, and something other than white space."""
    controls = r"\x00-\x08\x0b-\x1f" if multiline else r"\x00-\x1f"
    forbidden = controls + r"\x7f-\x9f\u202a-\u202e\u2066-\u2069"
    return rf"^[^{forbidden}]*[^\s{forbidden}][^{forbidden}]*$"


class TrimmedString(ma.fields.String):
    """Trimmed, not blank, no control characters (line breaks only where ``multiline``)."""

    def __init__(self, *args: Any, multiline: bool = False, **kwargs: Any) -> None:
        kwargs["metadata"] = {"pattern": text_pattern(multiline), **kwargs.get("metadata", {})}
        super().__init__(*args, **kwargs)
        self.allowed_controls = {"\n", "\t"} if multiline else set()

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        result = super()._deserialize(value, attr, data, **kwargs).strip()
        if not result:
            raise ma.ValidationError("Must not be blank.")
        for ch in result:
            if ch in _BIDI_CONTROLS or (
                unicodedata.category(ch) == "Cc" and ch not in self.allowed_controls
            ):
                raise ma.ValidationError("Invalid value.")
        return result


class StrictFloat(ma.fields.Float):
    """A JSON number: marshmallow would also take "35.1" or true."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ma.ValidationError("Not a valid number (a JSON number is required).")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictInteger(ma.fields.Integer):
    """A JSON integer: marshmallow would also take "1000", 1000.0 or true."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ma.ValidationError("Not a valid integer (a JSON integer is required).")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(ma.fields.Boolean):
    """A JSON true or false: marshmallow would also take "yes", 1 or "on"."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise ma.ValidationError("Not a valid boolean.")
        return value


def service_area(axis: str) -> dict[str, Any]:
    """Spec hints for a latitude or longitude inside the default service area (Japan): the
    Range validators keep any point on Earth out of the database, the schema's own check
    holds the deployment's HOME_BOUNDS; the spec states the default bounds."""
    min_lat, min_lng, max_lat, max_lng = JAPAN_BOUNDS
    low, high = (min_lat, max_lat) if axis == "lat" else (min_lng, max_lng)
    return {
        "minimum": low,
        "maximum": high,
        "x-service-area": "Inside Japan by default; a deployment may set other bounds "
        "(HOME_BOUNDS).",
    }


class LatLngSchema(StrictSchema):
    """A point, WGS 84. Inside Japan unless the deployment configures other bounds."""

    lat = StrictFloat(
        required=True,
        allow_nan=False,
        validate=ma.validate.Range(min=-90, max=90),
        metadata={"example": 35.8617, **service_area("lat")},
    )
    lng = StrictFloat(
        required=True,
        allow_nan=False,
        validate=ma.validate.Range(min=-180, max=180),
        metadata={"example": 139.6455, **service_area("lng")},
    )

    @ma.validates_schema
    def _inside_service_area(self, data: dict[str, float], **_: Any) -> None:
        bounds = current_app.config["OTAGAI"].home_bounds
        if not within_bounds(LatLng(data["lat"], data["lng"]), bounds):
            raise ma.ValidationError("Outside Japan.", "_schema")

    @ma.post_load
    def _to_point(self, data: dict[str, float], **_: Any) -> LatLng:
        return LatLng(lat=data["lat"], lng=data["lng"])


class PointField(ma.fields.Field):
    """A stored point shown as ``{"lat", "lng"}`` (only where its owner may see it)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "type": "object",
            **({"nullable": True} if kwargs.get("allow_none") else {}),
            "properties": {"lat": {"type": "number"}, "lng": {"type": "number"}},
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        point = latlng_of(value)
        return None if point is None else {"lat": point.lat, "lng": point.lng}


class PersonSchema(ma.Schema):
    """Somebody as others may see them: id and display name, nothing else."""

    id = ma.fields.UUID(required=True)
    display_name = ma.fields.String(allow_none=True, required=True)


def reason_field(example: str, **metadata: str) -> ma.fields.String:
    """Why a cancellation or revocation happened: required, 1–500 characters."""
    return text(
        max_length=500, required=True, multiline=True, metadata={"example": example, **metadata}
    )
