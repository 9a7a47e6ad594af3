"""Whether a point lies outside the United States, and how far it is from the land border.

A land or self-reported exit is trusted only when the traveller's location lies at least
3 miles (4.8 km) outside the border. This module decides that from the coarse boundary lines
and outlines in ``border_data``. ``border_distance_km`` measures the great-circle distance
to the nearest boundary segment, ``inside_united_states`` decides whether a point lies
inside, and ``outside_border_by`` combines both with a safety margin.

NOTE: the geometry is coarse, so its error is an estimate. At the vertices of a small-scale
map of the states (the us-states GeoJSON of Leaflet's examples), the lines lie within
about 1 km along the treaty lines and within about 6 km along rivers, lakes and mountain
crests. That map simplifies the boundary too, and between vertices a meandering river
strays farther from a straight line. So a point within about 10 km of the line cannot be
placed reliably on either side. ``outside_border_by`` therefore requires
``BORDER_MARGIN_KM`` on top of the requested distance. It may return False for a point
that is in fact far enough out, and returns True only for points beyond that margin.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from functools import cache

from immigrationos.departures.border_data import (
    ALASKA_OUTLINE,
    BORDER_LINES,
    CONTIGUOUS_OUTLINE,
    ISLAND_BOXES,
    Vertex,
)

# Mean Earth radius (IUGG), so distances are those of the sphere that best fits the Earth.
EARTH_RADIUS_KM = 6371.0088
# Three miles, the distance outside the border that a land or self-reported exit must show.
EXIT_DISTANCE_KM = 4.8
# Added to the requested distance to cover the error of the coarse boundary lines.
BORDER_MARGIN_KM = 10.0
# Boundary segments are split into pieces of at most this many degrees, so that a great-circle
# arc between two vertices stays within metres of the straight latitude-longitude line.
_PIECE_DEGREES = 0.25

_Vector = tuple[float, float, float]
# A boundary piece: its two endpoints, and two normals that tell whether the foot of the
# perpendicular from a point falls between the endpoints, plus the great circle's normal.
_Piece = tuple[_Vector, _Vector, _Vector, _Vector, _Vector]


def border_distance_km(lat: float, lon: float) -> float:
    """Return the great-circle distance in km from a point to the nearest boundary segment.

    The boundary is the land border with Mexico and Canada (with the water boundary through
    the Great Lakes, the connecting rivers and the straits) and the US–Russia line through
    the Bering Strait. The distance is measured to the coarse lines of ``border_data``, so
    it shares their error (see the module NOTE).
    Raises ValueError for a latitude or longitude out of range.
    """
    point = _unit_vector(*_coordinates_check(lat, lon))
    angle = min(_piece_angle(point, piece) for piece in _pieces())
    return angle * EARTH_RADIUS_KM


def inside_united_states(lat: float, lon: float) -> bool:
    """Return True when a point lies inside the coarse outline of the United States.

    The outlines cover the contiguous states, Alaska, Hawaii and the island territories.
    Along sea coasts they run offshore, so a point at sea near the coast counts as inside.
    Raises ValueError for a latitude or longitude out of range.
    """
    lat, lon = _coordinates_check(lat, lon)
    if _polygon_contains(CONTIGUOUS_OUTLINE, lat, lon):
        return True
    if _polygon_contains(ALASKA_OUTLINE, lat, lon):
        return True
    return any(_box_contains(box, lat, lon) for box in ISLAND_BOXES)


def outside_border_by(lat: float, lon: float, km: float = EXIT_DISTANCE_KM) -> bool:
    """Return True only when a point lies outside the United States by at least ``km``.

    The point must be outside every outline and at least ``km + BORDER_MARGIN_KM`` from the
    boundary, because the coarse lines can be off by up to about 10 km. A point nearer than
    that returns False even when it is in fact far enough out.
    Raises ValueError for a latitude or longitude out of range or a negative ``km``.
    """
    if not math.isfinite(km) or km < 0:
        raise ValueError(f"km must be a distance of 0 or more kilometres, got {km!r}")
    if inside_united_states(lat, lon):
        return False
    return border_distance_km(lat, lon) >= km + BORDER_MARGIN_KM


def _coordinates_check(lat: float, lon: float) -> tuple[float, float]:
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ValueError(f"latitude must be a number from -90 to 90 degrees, got {lat!r}")
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise ValueError(f"longitude must be a number from -180 to 180 degrees, got {lon!r}")
    return float(lat), float(lon)


def _unit_vector(lat: float, lon: float) -> _Vector:
    phi, lam = math.radians(lat), math.radians(lon)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def _cross(a: _Vector, b: _Vector) -> _Vector:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a: _Vector, b: _Vector) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _normalised(a: _Vector) -> _Vector:
    length = math.sqrt(_dot(a, a))
    return (a[0] / length, a[1] / length, a[2] / length)


def _angle(a: _Vector, b: _Vector) -> float:
    cross = _cross(a, b)
    return math.atan2(math.sqrt(_dot(cross, cross)), _dot(a, b))


@cache
def _pieces() -> tuple[_Piece, ...]:
    """Split every boundary line into short great-circle pieces, once per process."""
    pieces: list[_Piece] = []
    for line in BORDER_LINES:
        for start, end in itertools.pairwise(line):
            points = _interpolated(start, end)
            for a, b in itertools.pairwise(points):
                pieces.append(_piece(_unit_vector(*a), _unit_vector(*b)))
    return tuple(pieces)


def _interpolated(start: Vertex, end: Vertex) -> list[Vertex]:
    steps = max(1, math.ceil(max(abs(end[0] - start[0]), abs(end[1] - start[1])) / _PIECE_DEGREES))
    return [
        (start[0] + (end[0] - start[0]) * i / steps, start[1] + (end[1] - start[1]) * i / steps)
        for i in range(steps + 1)
    ]


def _piece(a: _Vector, b: _Vector) -> _Piece:
    normal = _normalised(_cross(a, b))
    # The foot of the perpendicular from p lies on the arc from a to b when p is on the inner
    # side of both planes through the normal and an endpoint.
    return (a, b, normal, _cross(normal, a), _cross(b, normal))


def _piece_angle(point: _Vector, piece: _Piece) -> float:
    """Return the angle in radians from ``point`` to the nearest point of the arc."""
    a, b, normal, after_a, before_b = piece
    if _dot(point, after_a) >= 0 and _dot(point, before_b) >= 0:
        return abs(math.asin(max(-1.0, min(1.0, _dot(point, normal)))))
    return min(_angle(point, a), _angle(point, b))


def _polygon_contains(outline: Sequence[Vertex], lat: float, lon: float) -> bool:
    """Return True when the point lies inside ``outline``, by the even-odd rule.

    The longitude is first moved into the outline's 360-degree window, so a point at 173°E
    is tested as -187° against the Aleutian vertices west of the antimeridian.
    """
    west = _west_edge(outline)
    lon = west + (lon - west) % 360.0
    inside = False
    previous = outline[-1]
    for vertex in outline:
        (lat_a, lon_a), (lat_b, lon_b) = previous, vertex
        if (lat_a > lat) != (lat_b > lat):
            crossing = lon_a + (lat - lat_a) * (lon_b - lon_a) / (lat_b - lat_a)
            if lon < crossing:
                inside = not inside
        previous = vertex
    return inside


@cache
def _west_edge(outline: Sequence[Vertex]) -> float:
    return min(lon for _, lon in outline)


def _box_contains(box: tuple[float, float, float, float], lat: float, lon: float) -> bool:
    south, north, west, east = box
    lon = west + (lon - west) % 360.0
    return south <= lat <= north and lon <= east
