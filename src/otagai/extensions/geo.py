"""Points in and out of PostGIS without pulling in a geometry library."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from geoalchemy2 import WKTElement


@dataclass(frozen=True)
class LatLng:
    lat: float
    lng: float

    def to_element(self) -> WKTElement:
        # WKT is x y, i.e. longitude first.
        return WKTElement(f"POINT({self.lng!r} {self.lat!r})", srid=4326, extended=False)


def latlng_from_wkb(element: Any) -> LatLng | None:
    """Decode a (E)WKB point as GeoAlchemy2 returns it for a geography column."""
    if element is None:
        return None
    data = bytes(element.data) if hasattr(element, "data") else bytes(element)
    if isinstance(data, str):  # pragma: no cover - hex form from some drivers
        data = bytes.fromhex(data)
    endian = "<" if data[0] == 1 else ">"
    (geom_type,) = struct.unpack(endian + "I", data[1:5])
    offset = 5
    if geom_type & 0x20000000:  # EWKB with an SRID
        offset += 4
    if geom_type & 0xFFFF != 1:
        raise ValueError("not a point")
    lng, lat = struct.unpack(endian + "dd", data[offset : offset + 16])
    return LatLng(lat=lat, lng=lng)


def within_bounds(point: LatLng, bounds: tuple[float, float, float, float] | None) -> bool:
    if bounds is None:
        return True
    min_lat, min_lng, max_lat, max_lng = bounds
    return min_lat <= point.lat <= max_lat and min_lng <= point.lng <= max_lng
