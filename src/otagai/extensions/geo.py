"""Points in and out of PostGIS without pulling in a geometry library."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Any

from geoalchemy2 import WKBElement, WKTElement


@dataclass(frozen=True)
class LatLng:
    lat: float
    lng: float

    def to_element(self) -> WKTElement:
        # WKT is x y, i.e. longitude first.
        return WKTElement(f"POINT({self.lng!r} {self.lat!r})", srid=4326, extended=False)


_WKT_POINT = re.compile(r"^(?:SRID=\d+;)?POINT\s*\(\s*(\S+)\s+(\S+)\s*\)$", re.IGNORECASE)


def latlng_of(element: Any) -> LatLng | None:
    """A point column's value as loaded (WKB) or as just assigned (WKT)."""
    if element is None:
        return None
    if isinstance(element, WKTElement):
        match = _WKT_POINT.match(element.data)
        if not match:
            raise ValueError("not a point")
        return LatLng(lat=float(match[2]), lng=float(match[1]))
    data = element.data if isinstance(element, WKBElement) else element
    if isinstance(data, str):
        data = bytes.fromhex(data)
    data = bytes(data)
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
