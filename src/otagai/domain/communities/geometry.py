"""GeoJSON in and out of PostGIS: polygons become geometries (SRID 4326), columns come
back as GeoJSON, and whether a polygon is a valid geometry is asked of PostGIS before
anything is written.

The structure of incoming GeoJSON is checked earlier, in Python
(:mod:`otagai.domain.communities.geojson`).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import DBAPIError

from otagai.errors import RuleViolation
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng


def to_geometry(geojson: dict[str, Any]) -> ColumnElement[Any]:
    return func.ST_SetSRID(func.ST_GeomFromGeoJSON(json.dumps(geojson)), 4326)


def geometry_problem(geojson: dict[str, Any]) -> str | None:
    """PostGIS's reason why a (structurally sound) polygon is not a valid geometry, e.g.
    ``Self-intersection[139.65 35.85]``; None when it is valid."""
    geometry = to_geometry(geojson)
    try:
        # A savepoint: should PostGIS still refuse the input, the transaction survives.
        with session.begin_nested():
            valid, reason = session.execute(
                select(func.ST_IsValid(geometry), func.ST_IsValidReason(geometry))
            ).one()
    except DBAPIError:
        return "not a valid geometry"
    return None if valid else str(reason)


def require_valid_geometry(geojson: dict[str, Any], field_name: str) -> None:
    reason = geometry_problem(geojson)
    if reason is not None:
        raise RuleViolation(
            "validation_failed", errors={field_name: [f"Invalid geometry: {reason}."]}
        )


def as_geojson(column: Any) -> ColumnElement[Any]:
    return func.ST_AsGeoJSON(column)


def loads_geojson(value: str | None) -> dict[str, Any] | None:
    """What ``as_geojson`` read, as a dict; None stays None."""
    return None if value is None else json.loads(value)


def point_geometry(point: LatLng) -> ColumnElement[Any]:
    return func.ST_SetSRID(func.ST_MakePoint(point.lng, point.lat), 4326)
