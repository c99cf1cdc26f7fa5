"""GeoJSON polygons in from operators: the structure is checked here, in Python, so that
nothing malformed ever reaches ``ST_GeomFromGeoJSON`` (whose parse errors would be
database errors); geometric validity (self-intersection and the like) is then PostGIS's
call, see ``geometry.geometry_problem``.

Coordinates are WGS 84 longitude/latitude (SRID 4326), as RFC 7946 requires.
"""

from __future__ import annotations

from typing import Any

POLYGON = "Polygon"
MULTIPOLYGON = "MultiPolygon"

# A request body is at most 64 KiB anyway; these bound the work if that ever grows.
MAX_POSITIONS = 50_000
MAX_RINGS = 1_000

# RFC 7946 dropped "crs"; older writers still send one. Only WGS 84 lon/lat is accepted.
WGS84_CRS_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
}


class GeoJSONError(ValueError):
    """The input is not an acceptable GeoJSON polygon; ``str()`` says why, for people."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _position(value: Any, where: str) -> list[float]:
    if not isinstance(value, list) or len(value) != 2 or not all(_is_number(v) for v in value):
        raise GeoJSONError(f"A position must be [longitude, latitude] ({where}).")
    lng, lat = value
    # NaN and infinities fail these comparisons too (Python's JSON parser accepts them).
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise GeoJSONError(
            f"Longitude must be within -180..180 and latitude within -90..90 ({where})."
        )
    return [float(lng), float(lat)]


def _ring(value: Any, where: str, budget: list[int]) -> list[list[float]]:
    if not isinstance(value, list):
        raise GeoJSONError(f"A linear ring must be an array of positions ({where}).")
    if len(value) < 4:
        raise GeoJSONError(
            f"A linear ring needs at least 4 positions, the last equal to the first ({where})."
        )
    budget[0] -= len(value)
    if budget[0] < 0:
        raise GeoJSONError(f"Too many positions (at most {MAX_POSITIONS}).")
    ring = [_position(p, f"{where} position {i}") for i, p in enumerate(value, start=1)]
    if ring[0] != ring[-1]:
        raise GeoJSONError(
            f"The linear ring is not closed: its last position must equal its first ({where})."
        )
    return ring


def _polygon(value: Any, where: str, budget: list[int]) -> list[list[list[float]]]:
    if not isinstance(value, list) or not value:
        suffix = f" ({where})" if where else ""
        raise GeoJSONError(f"A polygon must be a non-empty array of linear rings{suffix}.")
    if len(value) > MAX_RINGS:
        raise GeoJSONError(f"Too many rings (at most {MAX_RINGS}).")
    prefix = f"{where} " if where else ""
    return [_ring(r, f"{prefix}ring {i}", budget) for i, r in enumerate(value, start=1)]


def _check_crs(crs: Any) -> None:
    name = None
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        name = crs["properties"].get("name")
    if name not in WGS84_CRS_NAMES:
        raise GeoJSONError("Coordinates must be WGS 84 longitude/latitude (SRID 4326).")


def parse_polygonal(value: Any, *, allowed: tuple[str, ...]) -> dict[str, Any]:
    """A clean ``{"type", "coordinates"}`` of one of the ``allowed`` types, or GeoJSONError.

    Checks: an object with a known type, rings of at least four [lng, lat] positions in
    range, each ring closed. ``bbox`` is ignored; ``crs`` must name WGS 84.
    """
    expected = " or ".join(allowed)
    if not isinstance(value, dict):
        raise GeoJSONError(f"Must be a GeoJSON {expected} object.")
    unknown = sorted(set(value) - {"type", "coordinates", "bbox", "crs"})
    if unknown:
        raise GeoJSONError(f"Unexpected GeoJSON member: {unknown[0]}.")
    kind = value.get("type")
    if kind not in allowed:
        raise GeoJSONError(f"Must be a GeoJSON {expected} object.")
    if "crs" in value:
        _check_crs(value["crs"])
    coordinates = value.get("coordinates")
    budget = [MAX_POSITIONS]
    if kind == POLYGON:
        return {"type": POLYGON, "coordinates": _polygon(coordinates, "", budget)}
    if not isinstance(coordinates, list) or not coordinates:
        raise GeoJSONError("A MultiPolygon must be a non-empty array of polygons.")
    if len(coordinates) > MAX_RINGS:
        raise GeoJSONError(f"Too many rings (at most {MAX_RINGS}).")
    polygons = [_polygon(p, f"polygon {i}", budget) for i, p in enumerate(coordinates, start=1)]
    if sum(len(p) for p in polygons) > MAX_RINGS:
        raise GeoJSONError(f"Too many rings (at most {MAX_RINGS}).")
    return {"type": MULTIPOLYGON, "coordinates": polygons}
