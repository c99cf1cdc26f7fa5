"""A determined member with a script and a valid token: the estimators of the location
attacks, written as well as we know how, so that the tests' bound means something.

Every attack here reads one thing the API shows about another person — a distance rounded
up to 100 m, or whether somebody is among the candidates — while moving the end of that
distance the attacker controls. Rounding turns the distance into a step function, but
"the shown distance is at most L" is still exactly "the point lies in a disc of radius L
around the target", and a disc's boundary can be bisected to a centimetre. Two chords
give the centre. That is the estimator: no statistics, no luck; what it converges to is
whatever point the service really measures from.

Geometry is done in a local tangent plane (metres east and north of a reference point),
with WGS 84's radii of curvature at the reference latitude, so a few kilometres around it
are measured to well under a centimetre of what PostGIS's spheroidal distance says.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from otagai.extensions.geo import LatLng

# WGS 84
_A = 6_378_137.0
_E2 = 6.694_379_990_14e-3
# Bisect a boundary until its bracket is this short (metres).
TOLERANCE_M = 0.01
# The longest the attacker waits out a 429 before calling the limit a wall, not a delay.
MAX_WAIT_S = 120.0

XY = tuple[float, float]


@dataclass(frozen=True)
class Plane:
    """Metres east (x) and north (y) of ``origin``."""

    origin: LatLng

    @property
    def _scale(self) -> XY:
        phi = math.radians(self.origin.lat)
        w = math.sqrt(1 - _E2 * math.sin(phi) ** 2)
        meridian = _A * (1 - _E2) / w**3  # radius of curvature along the meridian
        normal = _A / w  # ... and across it
        return normal * math.cos(phi) * math.pi / 180, meridian * math.pi / 180

    def xy(self, point: LatLng) -> XY:
        kx, ky = self._scale
        return (point.lng - self.origin.lng) * kx, (point.lat - self.origin.lat) * ky

    def point(self, xy: XY) -> LatLng:
        kx, ky = self._scale
        return LatLng(lat=self.origin.lat + xy[1] / ky, lng=self.origin.lng + xy[0] / kx)

    def metres(self, a: LatLng, b: LatLng) -> float:
        (ax, ay), (bx, by) = self.xy(a), self.xy(b)
        return math.hypot(ax - bx, ay - by)


@dataclass
class Budget:
    """Counts the attacker's HTTP calls."""

    calls: int = 0
    waited_s: float = 0.0

    def call(self, send: Callable[[], Any]) -> Any:
        """One API call; a 429 is waited out (Retry-After) and the call made again: a rate
        limit may slow the attacker down, it is not what stops them."""
        while True:
            self.calls += 1
            response = send()
            if response.status_code != 429:
                return response
            wait = float(response.headers.get("Retry-After", "1"))
            assert self.waited_s + wait <= MAX_WAIT_S, (
                f"a rate limit asked for {wait:.0f} s more after {self.waited_s:.0f} s: "
                "give the attack tests a limit they can wait out"
            )
            self.waited_s += wait
            time.sleep(wait)


def _along(p: XY, angle: float, t: float) -> XY:
    return p[0] + t * math.cos(angle), p[1] + t * math.sin(angle)


def _mid(a: XY, b: XY) -> XY:
    return (a[0] + b[0]) / 2, (a[1] + b[1]) / 2


def _boundary(inside: Callable[[XY], bool], start: XY, angle: float, reach: float) -> XY:
    """The point where a ray from ``start`` (inside) leaves the disc, to TOLERANCE_M.
    ``reach`` is far enough along the ray to be outside for sure."""
    low, high = 0.0, reach
    while high - low > TOLERANCE_M:
        t = (low + high) / 2
        if inside(_along(start, angle, t)):
            low = t
        else:
            high = t
    return _along(start, angle, (low + high) / 2)


def disc_centre(inside: Callable[[XY], bool], start: XY, reach: float, angle: float) -> XY:
    """The centre of the disc ``inside`` tests, from a point ``start`` inside it: the
    midpoint of one chord is the foot of the perpendicular from the centre; the midpoint of
    the perpendicular chord through it is the centre."""

    def chord_middle(through: XY, direction: float) -> XY:
        ends = [_boundary(inside, through, direction + turn, reach) for turn in (0, math.pi)]
        return _mid(*ends)

    foot = chord_middle(start, angle)
    return chord_middle(foot, angle + math.pi / 2)


def mean(points: list[XY]) -> XY:
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def trilaterate(circles: list[tuple[XY, float]]) -> XY:
    """Least squares over the circles (centre, radius): subtracting the first circle's
    equation from each other's leaves linear equations in the unknown point."""
    (x1, y1), r1 = circles[0]
    rows = []
    for (xi, yi), ri in circles[1:]:
        rows.append((2 * (xi - x1), 2 * (yi - y1), r1**2 - ri**2 + xi**2 - x1**2 + yi**2 - y1**2))
    # Normal equations of the 2-unknown system.
    saa = sum(a * a for a, _, _ in rows)
    sab = sum(a * b for a, b, _ in rows)
    sbb = sum(b * b for _, b, _ in rows)
    sac = sum(a * c for a, _, c in rows)
    sbc = sum(b * c for _, b, c in rows)
    det = saa * sbb - sab * sab
    return (sac * sbb - sab * sbc) / det, (saa * sbc - sab * sac) / det


def smallest_radius(member: Callable[[int], bool], low: int, high: int) -> int:
    """The smallest integer radius in (low, high] for which ``member`` holds, given that it
    fails at ``low`` and holds at ``high``."""
    while high - low > 1:
        radius = (low + high) // 2
        if member(radius):
            high = radius
        else:
            low = radius
    return high


@dataclass
class Report:
    """What an attack reached: its estimates as they accumulated, and their errors."""

    truth: LatLng
    plane: Plane
    estimates: list[LatLng] = field(default_factory=list)

    def add(self, estimate: XY) -> None:
        self.estimates.append(self.plane.point(estimate))

    @property
    def errors_m(self) -> list[float]:
        """The error of the attacker's best estimate after each round: the mean of the
        rounds so far (what averaging more calls would give)."""
        out = []
        for n in range(1, len(self.estimates) + 1):
            centre = mean([self.plane.xy(p) for p in self.estimates[:n]])
            out.append(self.plane.metres(self.plane.point(centre), self.truth))
        return out
