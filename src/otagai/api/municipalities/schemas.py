"""Request and response bodies of /v1/municipalities, and the GeoJSON polygon field the
communities API shares."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from otagai.api.common import StrictSchema, text
from otagai.domain.communities.geojson import (
    MULTIPOLYGON,
    POLYGON,
    GeoJSONError,
    parse_polygonal,
)
from otagai.domain.communities.municipalities import code_problem

_POSITION = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 2,
    "maxItems": 2,
    "description": "[longitude, latitude], WGS 84",
}
_RING = {
    "type": "array",
    "items": _POSITION,
    "minItems": 4,
    "description": "A closed linear ring: the last position equals the first.",
}
_POLYGON_COORDINATES = {"type": "array", "items": _RING, "minItems": 1}
_MULTIPOLYGON_COORDINATES = {"type": "array", "items": _POLYGON_COORDINATES, "minItems": 1}
_COORDINATES = {POLYGON: _POLYGON_COORDINATES, MULTIPOLYGON: _MULTIPOLYGON_COORDINATES}

# A square in Setagaya (lng, lat).
EXAMPLE_POLYGON = {
    "type": "Polygon",
    "coordinates": [
        [[139.60, 35.60], [139.68, 35.60], [139.68, 35.66], [139.60, 35.66], [139.60, 35.60]]
    ],
}


def geojson_doc(*types: str, description: str) -> dict[str, Any]:
    """OpenAPI of a GeoJSON geometry of one of ``types``."""
    coordinates = (
        _COORDINATES[types[0]]
        if len(types) == 1
        else {"type": "array", "description": "Polygon or MultiPolygon coordinates."}
    )
    return {
        "type": "object",
        "description": description,
        "required": ["type", "coordinates"],
        "properties": {"type": {"type": "string", "enum": list(types)}, "coordinates": coordinates},
    }


class PolygonalField(ma.fields.Field):
    """A GeoJSON Polygon (or MultiPolygon, where allowed) in, checked for structure:
    closed rings of at least four [lng, lat] positions within range. Whether the shape
    is a valid geometry (no self-intersection, ...) is checked by the service."""

    def __init__(self, *, types: tuple[str, ...], description: str, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update(geojson_doc(*types, description=description))
        super().__init__(**kwargs)
        self.types = types

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        try:
            return parse_polygonal(value, allowed=self.types)
        except GeoJSONError as exc:
            raise ma.ValidationError(str(exc)) from exc


def _jis_code(value: str) -> None:
    problem = code_problem(value)
    if problem is not None:
        raise ma.ValidationError(problem)


class MunicipalityCreateSchema(StrictSchema):
    code = ma.fields.String(
        required=True,
        validate=_jis_code,
        metadata={
            "example": "131121",
            "pattern": "^[0-9]{6}$",
            "description": "JIS X 0402 local government code: 5 digits and a check digit.",
        },
    )
    name_ja = text(max_length=100, required=True, metadata={"example": "世田谷区"})
    name_en = text(max_length=100, required=True, metadata={"example": "Setagaya"})
    boundary = PolygonalField(
        types=(POLYGON, MULTIPOLYGON),
        required=True,
        description="GeoJSON Polygon or MultiPolygon, WGS 84 (SRID 4326).",
    )


class MunicipalitySummarySchema(ma.Schema):
    code = ma.fields.String(metadata={"example": "131121"}, required=True)
    name_ja = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class MunicipalitySchema(MunicipalitySummarySchema):
    boundary = ma.fields.Dict(
        metadata=geojson_doc(MULTIPOLYGON, description="Always stored as a MultiPolygon."),
        required=True,
    )
