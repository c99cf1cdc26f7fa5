"""Where the town is: its boundary (point-in-polygon), a flat metric plane for distances,
its stations, and where homes are.

Homes cluster around stations: each household picks a station with a probability that
grows with the station's weight (sub-linearly: a hub's ridership is partly transfers) and
lives at a 2D Gaussian offset from it whose spread also grows with the weight; a share of
households lives anywhere in the town (the sparse background). Points outside the
boundary are drawn again, so the town's shape shows.

Distances use an equirectangular plane around the town's centre: within a town (tens of
kilometres) it is within a fraction of a percent of PostGIS's spheroidal distance, far
below the 150-340 m displacement of public points that candidacy has to allow for anyway.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from otagai.seeding.synthetic.randomness import Weighted
from otagai.seeding.synthetic.stations import SYNTHETIC_STATION_NAMES, Station

Ring = tuple[tuple[float, float], ...]  # (lng, lat), closed
METRES_PER_DEG_LAT = 110_574.0
METRES_PER_DEG_LNG_AT_EQUATOR = 111_320.0
# Households living anywhere in the town rather than around a station.
BACKGROUND_SHARE = 0.12
BANDS = 128


@dataclass(frozen=True)
class Plane:
    """Metres east and north of a reference point."""

    lat0: float
    lng0: float

    @property
    def kx(self) -> float:
        return METRES_PER_DEG_LNG_AT_EQUATOR * math.cos(math.radians(self.lat0))

    def xy(self, lng: float, lat: float) -> tuple[float, float]:
        return (lng - self.lng0) * self.kx, (lat - self.lat0) * METRES_PER_DEG_LAT

    def lnglat(self, x: float, y: float) -> tuple[float, float]:
        return self.lng0 + x / self.kx, self.lat0 + y / METRES_PER_DEG_LAT


@dataclass
class Boundary:
    """A MultiPolygon (holes allowed), with edges bucketed by latitude band so that a
    point-in-polygon test looks at a few edges only, even for a detailed outline."""

    polygons: list[list[Ring]]
    min_lng: float = 0.0
    min_lat: float = 0.0
    max_lng: float = 0.0
    max_lat: float = 0.0
    _bands: list[list[tuple[float, float, float, float]]] = field(default_factory=list)
    _band_height: float = 1.0

    def __post_init__(self) -> None:
        points = [p for polygon in self.polygons for ring in polygon for p in ring]
        self.min_lng = min(p[0] for p in points)
        self.max_lng = max(p[0] for p in points)
        self.min_lat = min(p[1] for p in points)
        self.max_lat = max(p[1] for p in points)
        self._band_height = (self.max_lat - self.min_lat) / BANDS or 1.0
        self._bands = [[] for _ in range(BANDS)]
        for polygon in self.polygons:
            for ring in polygon:
                for (x1, y1), (x2, y2) in pairwise(ring):
                    if y1 == y2:
                        continue
                    low, high = self._band(min(y1, y2)), self._band(max(y1, y2))
                    for band in range(low, high + 1):
                        self._bands[band].append((x1, y1, x2, y2))

    def _band(self, lat: float) -> int:
        return min(BANDS - 1, max(0, int((lat - self.min_lat) / self._band_height)))

    @classmethod
    def from_geojson(cls, geometry: dict[str, Any]) -> Boundary:
        coordinates = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            coordinates = [coordinates]
        elif geometry["type"] != "MultiPolygon":
            raise ValueError(f"not a polygon: {geometry['type']}")
        return cls(
            [
                [tuple((float(p[0]), float(p[1])) for p in ring) for ring in polygon]
                for polygon in coordinates
            ]
        )

    def contains(self, lng: float, lat: float) -> bool:
        """Even-odd rule over every ring (so holes are outside)."""
        if not (self.min_lat <= lat <= self.max_lat and self.min_lng <= lng <= self.max_lng):
            return False
        inside = False
        for x1, y1, x2, y2 in self._bands[self._band(lat)]:
            if (y1 > lat) != (y2 > lat) and lng < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside

    def centre(self) -> tuple[float, float]:
        return (self.min_lng + self.max_lng) / 2, (self.min_lat + self.max_lat) / 2

    def plane(self) -> Plane:
        lng, lat = self.centre()
        return Plane(lat0=lat, lng0=lng)

    def area_km2(self) -> float:
        plane = self.plane()
        total = 0.0
        for polygon in self.polygons:
            for index, ring in enumerate(polygon):
                xy = [plane.xy(lng, lat) for lng, lat in ring]
                twice = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(xy))
                total += abs(twice) / 2 * (1 if index == 0 else -1)
        return total / 1e6

    def random_point(self, rng: random.Random) -> tuple[float, float]:
        while True:
            lng = rng.uniform(self.min_lng, self.max_lng)
            lat = rng.uniform(self.min_lat, self.max_lat)
            if self.contains(lng, lat):
                return lng, lat


def synthetic_stations(boundary: Boundary, rng: random.Random) -> tuple[Station, ...]:
    """Stations for a town the generator has no list for: one per ~8 km² (3 to 30),
    placed inside the boundary, apart from each other, with Pareto-like weights (a few
    busy ones, many small)."""
    count = max(3, min(30, round(boundary.area_km2() / 8)))
    plane = boundary.plane()
    spacing = math.sqrt(boundary.area_km2() * 1e6 / count) * 0.5
    placed: list[tuple[float, float]] = []
    stations = []
    for index in range(count):
        for _attempt in range(200):
            lng, lat = boundary.random_point(rng)
            x, y = plane.xy(lng, lat)
            if all(math.hypot(x - px, y - py) >= spacing for px, py in placed):
                break
        placed.append((x, y))
        weight = round(60 / (index + 1) ** 0.9, 1)
        name = SYNTHETIC_STATION_NAMES[index % len(SYNTHETIC_STATION_NAMES)]
        stations.append(Station(name, round(lat, 5), round(lng, 5), weight))
    return tuple(stations)


@dataclass(frozen=True)
class Town:
    code: str
    name_ja: str
    name_en: str
    boundary: Boundary
    stations: tuple[Station, ...]
    # Whether the municipality row is already in the database (else the build adds it).
    in_database: bool

    @property
    def plane(self) -> Plane:
        return self.boundary.plane()


class HomeSampler:
    """Draws homes: around a station (chosen by weight) or, for the background share,
    anywhere in the town. Answers (lng, lat, station index)."""

    def __init__(self, town: Town) -> None:
        self.town = town
        self.plane = town.plane
        heaviest = max(s.weight for s in town.stations)
        # Residents grow slower than ridership (hubs carry transfers); the spread of a
        # station's neighbourhood grows with it too: 450 m for a small halt, ~1.3 km for
        # a hub like 大宮.
        self.choice = Weighted(range(len(town.stations)), [s.weight**0.6 for s in town.stations])
        self.sigma = [450 + 850 * math.sqrt(s.weight / heaviest) for s in town.stations]
        self.centres = [self.plane.xy(s.lng, s.lat) for s in town.stations]

    def nearest_station(self, x: float, y: float) -> int:
        return min(
            range(len(self.centres)),
            key=lambda i: (self.centres[i][0] - x) ** 2 + (self.centres[i][1] - y) ** 2,
        )

    def draw(self, rng: random.Random) -> tuple[float, float, int]:
        boundary = self.town.boundary
        if rng.random() < BACKGROUND_SHARE:
            lng, lat = boundary.random_point(rng)
            return lng, lat, self.nearest_station(*self.plane.xy(lng, lat))
        station = self.choice.draw(rng)
        cx, cy = self.centres[station]
        sigma = self.sigma[station]
        for _attempt in range(50):
            lng, lat = self.plane.lnglat(cx + rng.gauss(0, sigma), cy + rng.gauss(0, sigma))
            if boundary.contains(lng, lat):
                return lng, lat, station
        return self.town.stations[station].lng, self.town.stations[station].lat, station


def octagon(plane: Plane, lng: float, lat: float, radius: float) -> Ring:
    """A regular octagon around a point (counter-clockwise, closed), like the demo's
    community areas."""
    cx, cy = plane.xy(lng, lat)
    points = [
        plane.lnglat(cx + radius * math.cos(a), cy + radius * math.sin(a))
        for a in (math.pi / 8 + k * math.pi / 4 for k in range(8))
    ]
    return (*points, points[0])


def ring_inside(boundary: Boundary, ring: Sequence[tuple[float, float]]) -> bool:
    """Every vertex and edge midpoint inside: enough for the small convex areas drawn here
    (the test suite checks them with PostGIS)."""
    for (x1, y1), (x2, y2) in pairwise(ring):
        if not boundary.contains(x1, y1) or not boundary.contains((x1 + x2) / 2, (y1 + y2) / 2):
            return False
    return True


def ewkt_point(lng: float, lat: float) -> str:
    return f"SRID=4326;POINT({lng:.7f} {lat:.7f})"


def ewkt_ring(ring: Sequence[tuple[float, float]]) -> str:
    return "(" + ",".join(f"{lng:.6f} {lat:.6f}" for lng, lat in ring) + ")"


def ewkt_polygon(ring: Sequence[tuple[float, float]]) -> str:
    return f"SRID=4326;POLYGON({ewkt_ring(ring)})"


def ewkt_multipolygon(boundary: Boundary) -> str:
    polygons = ",".join(
        "(" + ",".join(ewkt_ring(ring) for ring in polygon) + ")" for polygon in boundary.polygons
    )
    return f"SRID=4326;MULTIPOLYGON({polygons})"
